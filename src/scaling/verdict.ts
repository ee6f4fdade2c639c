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
 * Below MIN_SIZES_FOR_SHAPE sizes, smooth and emergent cannot be told apart: with n = 3 the two steps d1, d2
 * give |I| ≤ |d1| + |d2| ≤ sqrt(2 (d1² + d2²)) = 2 sqrt(median(d²)), so B ≤ 2 < EMERGENT_FACTOR × (n − 1) = 4
 * and a perfect step (10%, 10%, 90%) would be called smooth. Such a curve gets no shape verdict
 * (`shapeVerdictPossible`); flat and inverse need no shape and are still said.
 */
import type { ScalingStatistics } from './scalingStatistics.js';

export type Verdict = 'smooth' | 'emergent' | 'flat' | 'inverse';

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
