import type { Estimate } from '../server/dashboard/api';

import { formatPercent as percent } from '../util/numberFormat';

export { percent };

export function estimate(value: Estimate | null): string {
  if (!value) return '—';
  return value.ci95 ? `${percent(value.value)} [${percent(value.ci95[0])}, ${percent(value.ci95[1])}]` : percent(value.value);
}

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value === 0) return '$0';
  return value < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(value < 10 ? 4 : 2)}`;
}

export const int = (value: number) => value.toLocaleString('en-US');

export function pValue(p: number): string {
  if (p < 0.0001) return '< 0.0001';
  return p.toFixed(4);
}

export function signedPercent(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)} pts`;
}

export function params(n: number): string {
  if (n >= 1e12) return `${+(n / 1e12).toPrecision(3)}T`;
  if (n >= 1e9) return `${+(n / 1e9).toPrecision(3)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}K`;
  return String(n);
}
