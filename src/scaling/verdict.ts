/**
 * One word per scaling curve. The rules, in order (normalized points: 0 = chance, 100 = perfect):
 *
 *   flat      max − min of the normalized scores < FLAT_RANGE (scale changes little), or no
 *             model reaches FLAT_RANGE points above chance (the task is not done at any size yet:
 *             a curve wandering below chance is noise or a format failure, not scaling).
 *   inverse   I(y) < 0: the worst model is larger than the best one (inverse scaling,
 *             McKenzie et al. 2023).
 *   emergent  B ≥ EMERGENT_FACTOR × (n − 1): the change is concentrated in few steps. A straight
 *             line over n sizes has B = n − 1, so this asks for at least twice a line's value
 *             (Wei et al. 2022's "emergent ability", measured with BIG-bench's breakthroughness).
 *   smooth    otherwise: the change is spread over the steps.
 *
 * Thresholds are judgement calls, fixed here so every report uses the same ones.
 *
 * Those rules read point estimates. When the rows say how uncertain each score is (a 95% interval or the number of
 * examples), `verdictWithIntervals` keeps a trend verdict only where a bootstrap of the curve (curveBootstrap.ts)
 * supports it, and says `inconclusive` otherwise:
 *
 *   a trend     (smooth, emergent, inverse) needs the change between the two extreme models — from the one at the
 *               smaller size to the one at the larger, y[later] − y[earlier], signed like I(y) — to have a 95%
 *               interval that excludes 0; a rise the measurements do not resolve is no trend at all.
 *               It also needs the best model to be above chance beyond the noise (its normalized score's 95% interval
 *               above 0): a curve that rises from below chance to chance, or to a point its interval does not
 *               separate from chance, shows no ability at any size.
 *   emergent    needs the 5th percentile of B over the draws at or above EMERGENT_FACTOR × (n − 1).
 *   smooth      needs the 95th percentile of B below it.
 *   flat        is kept as said: it claims no trend.
 *
 * Below MIN_SIZES_FOR_SHAPE sizes, smooth and emergent cannot be told apart: with n = 3 the two steps d1, d2
 * give |I| ≤ |d1| + |d2| ≤ sqrt(2 (d1² + d2²)) = 2 sqrt(median(d²)), so B ≤ 2 < EMERGENT_FACTOR × (n − 1) = 4
 * and a perfect step (10%, 10%, 90%) would be called smooth. Such a curve gets no shape verdict
 * (`shapeVerdictPossible`); flat and inverse need no shape and are still said.
 */
import { interval95, oneSidedBounds95, type CurveBootstrap } from './curveBootstrap.js';
import type { ScalingStatistics } from './scalingStatistics.js';

export type Verdict = 'smooth' | 'emergent' | 'flat' | 'inverse' | 'inconclusive';

export const FLAT_RANGE = 10;
export const EMERGENT_FACTOR = 2;

/** With 4 sizes a step curve has a zero median step, so B is unbounded and 'emergent' is reachable. */
export const MIN_SIZES_FOR_SHAPE = 4;

/** Whether n sizes can tell an emergent curve from a smooth one at all. */
export function shapeVerdictPossible(sizes: number): boolean {
  return sizes >= MIN_SIZES_FOR_SHAPE;
}

/** `normalized`: one score per distinct size, smallest first (at least 3). */
export function scalingVerdict(normalized: readonly number[], statistics: ScalingStatistics): Verdict {
  const range = Math.max(...normalized) - Math.min(...normalized);
  if (range < FLAT_RANGE || Math.max(...normalized) < FLAT_RANGE) return 'flat';
  if (statistics.improvement < 0) return 'inverse';
  if (statistics.breakthroughness >= EMERGENT_FACTOR * (normalized.length - 1)) return 'emergent';
  return 'smooth';
}

/** What the bootstrap says about a curve: the change between its extreme models, B and L, each with its interval. */
export interface CurveIntervals {
  /** y[later] − y[earlier] of the two extreme models of the point curve (signed like I), its estimate and 95% interval. */
  change: { from: number; to: number; estimate: number; ci95: [number, number] };
  /** The best size's normalized score (0 = chance): its position, estimate and 95% interval. */
  best: { at: number; estimate: number; ci95: [number, number] };
  breakthroughness: { ci95: [number, number]; lower5: number; upper95: number };
  linearity: { ci95: [number, number] };
  draws: number;
}

export function curveIntervals(y: readonly number[], bootstrap: CurveBootstrap): CurveIntervals {
  const [earlier, later] = extremePositions(y);
  const changes = bootstrap.curves.map((curve) => (curve[later] as number) - (curve[earlier] as number));
  const best = y.indexOf(Math.max(...y));
  const breakthroughness = bootstrap.statistics.map((s) => s.breakthroughness);
  const { lower, upper } = oneSidedBounds95(breakthroughness);
  return {
    change: { from: earlier, to: later, estimate: (y[later] as number) - (y[earlier] as number), ci95: interval95(changes) },
    best: { at: best, estimate: y[best] as number, ci95: interval95(bootstrap.curves.map((curve) => curve[best] as number)) },
    breakthroughness: { ci95: interval95(breakthroughness), lower5: lower, upper95: upper },
    linearity: { ci95: interval95(bootstrap.statistics.map((s) => s.linearity)) },
    draws: bootstrap.draws,
  };
}

/** The point verdict where the intervals support it, else 'inconclusive' with the reason. */
export function verdictWithIntervals(point: Verdict, sizes: number, intervals: CurveIntervals): { verdict: Verdict; reason: string | null } {
  if (point === 'flat' || point === 'inconclusive') return { verdict: point, reason: null };
  const [low, high] = intervals.change.ci95;
  if (low <= 0 && high >= 0) {
    return {
      verdict: 'inconclusive',
      reason: `the change between the extreme sizes, ${signed(intervals.change.estimate)} points, has a 95% interval [${signed(low)}, ${signed(high)}] that includes 0`,
    };
  }
  const [bestLow, bestHigh] = intervals.best.ci95;
  if (bestLow <= 0) {
    return {
      verdict: 'inconclusive',
      reason: `the best size scores ${signed(intervals.best.estimate)} points against chance, with a 95% interval [${signed(bestLow)}, ${signed(bestHigh)}] that reaches chance`,
    };
  }
  if (point === 'inverse') return { verdict: point, reason: null };
  const threshold = EMERGENT_FACTOR * (sizes - 1);
  const { lower5, upper95 } = intervals.breakthroughness;
  if (lower5 >= threshold) return { verdict: 'emergent', reason: null };
  if (upper95 < threshold) return { verdict: 'smooth', reason: null };
  return {
    verdict: 'inconclusive',
    reason: `breakthroughness runs from ${lower5.toFixed(2)} to ${upper95.toFixed(2)} (5th–95th percentile), on both sides of the emergent threshold ${threshold}`,
  };
}

/** Positions of the two extreme scores (first index on ties), the earlier (smaller model) first. */
function extremePositions(y: readonly number[]): [number, number] {
  let argmax = 0;
  let argmin = 0;
  y.forEach((value, i) => {
    if (value > (y[argmax] as number)) argmax = i;
    if (value < (y[argmin] as number)) argmin = i;
  });
  return argmax > argmin ? [argmin, argmax] : [argmax, argmin];
}

const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)}`;
