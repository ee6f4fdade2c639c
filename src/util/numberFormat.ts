/**
 * Numbers for people: percentages, decimals and estimates with their 95% CI. Shared by reports, the terminal,
 * the pipelines' verdicts and the dashboard app, so it has no Node import. A missing or non-finite value is "—".
 */

export type ValueFormat = 'percent' | 'decimal';

/** A share in [0, 1] as a percentage, "78.5%"; a missing value is shown as `empty`. */
export function formatPercent(value: number | null | undefined, digits = 1, empty = '—'): string {
  return value === null || value === undefined || !Number.isFinite(value) ? empty : `${(value * 100).toFixed(digits)}%`;
}

export function formatDecimal(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

export function formatValue(value: number | null | undefined, format: ValueFormat): string {
  return format === 'percent' ? formatPercent(value) : formatDecimal(value);
}

/** "78.0% [72.0%, 83.5%]": an estimate with its 95% confidence interval. */
export function formatEstimate(value: number | null | undefined, ci95: readonly [number, number] | null | undefined, format: ValueFormat = 'percent'): string {
  const point = formatValue(value, format);
  if (!ci95 || value === null || value === undefined) return point;
  return `${point} [${formatValue(ci95[0], format)}, ${formatValue(ci95[1], format)}]`;
}

/** The smallest p-value printed as a number; anything below reads "p < 0.0001". */
const P_FLOOR = 0.0001;

/** A p-value as a table cell: "0.0312", "< 0.0001". */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return p < P_FLOOR ? `< ${P_FLOOR}` : p.toFixed(4);
}

/** A p-value in a sentence: "p = 0.0312", "p < 0.0001". */
export function formatPStatement(p: number | null | undefined): string {
  const value = formatPValue(p);
  return value.startsWith('<') ? `p ${value}` : `p = ${value}`;
}
