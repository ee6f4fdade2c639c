/**
 * Normalized score, BIG-bench style (Srivastava et al. 2022, "Beyond the Imitation Game",
 * arXiv:2206.04615, section 2 "normalized preferred metric"): 0 is random guessing, 100 is the best
 * possible score, negative is worse than chance.
 */
import type { ScoreRow } from './scoreRow.js';

export interface Baseline {
  random: number;
  max: number;
  /** given: from the rows; labels: random = max / labels; assumed: nothing said, 0 and 1 (or 100) used. */
  source: 'given' | 'labels' | 'assumed';
}

/** 100 × (raw − random) / (max − random). */
export function normalizedScore(raw: number, baseline: Pick<Baseline, 'random' | 'max'>): number {
  const span = baseline.max - baseline.random;
  if (!(span !== 0 && Number.isFinite(span))) {
    throw new RangeError(`normalized score needs max != random, got random=${baseline.random}, max=${baseline.max}`);
  }
  return (100 * (raw - baseline.random)) / span;
}

/**
 * The baseline of one task/metric from its rows (which the reader has checked agree). Scores all in
 * [0, 1] are fractions, otherwise percentages: that sets the default max and the unit of 1/labels.
 */
export function baselineOf(rows: readonly ScoreRow[]): Baseline {
  const first = rows[0];
  const scale = rows.every((row) => row.score <= 1) ? 1 : 100;
  const max = first?.max ?? scale;
  if (first?.random !== undefined) return { random: first.random, max, source: 'given' };
  if (first?.labels !== undefined) return { random: max / first.labels, max, source: 'labels' };
  return { random: 0, max, source: 'assumed' };
}
