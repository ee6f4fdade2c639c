/** Number formats shared by the HTML and Markdown renderings of reports. */
import { formatValue, type ValueFormat } from '../util/numberFormat.js';

export { formatDecimal, formatEstimate, formatPercent, formatPStatement, formatPValue, formatValue, type ValueFormat } from '../util/numberFormat.js';

/** Dollars with enough digits to show small per-call costs. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '$0';
  const digits = Math.abs(value) >= 1 ? 2 : Math.abs(value) >= 0.01 ? 4 : 6;
  return `$${value.toFixed(digits)}`;
}

export function formatInt(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : Math.round(value).toLocaleString('en-US');
}

/** A signed difference with its CI, e.g. "+4.5% [-1.0%, +10.0%]". */
export function formatDifference(value: number, ci95: readonly [number, number], format: ValueFormat = 'percent'): string {
  const signed = (v: number) => (v > 0 ? '+' : '') + formatValue(v, format);
  return `${signed(value)} [${signed(ci95[0])}, ${signed(ci95[1])}]`;
}
