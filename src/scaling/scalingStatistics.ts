/**
 * BIG-bench's linearity and breakthroughness of one scaling curve.
 *
 * Source: Srivastava et al. 2022, "Beyond the Imitation Game: Quantifying and extrapolating the
 * capabilities of language models" (arXiv:2206.04615, TMLR 2023), Appendix B "Definitions of
 * linearity and breakthroughness". With models sorted by parameter count (x_i = log params,
 * x_{i+1} > x_i) and y_i their normalized preferred metric:
 *
 *   I(y) = sign(argmax_i y_i − argmin_i y_i) · (max_i y_i − min_i y_i)
 *   B    = I(y) / RootMedianSquare({y_{i+1} − y_i})      RootMedianSquare(z) = sqrt(median(z²))
 *   L    = I(y) / RootMeanSquare({y_{i+1} − y_i})        RootMeanSquare(z)   = sqrt(mean(z²))
 *
 * I(y) is the total change, positive when the best model is larger than the worst. B is large when
 * that change comes from few steps (the median step is small next to it); L is large when it comes
 * from many similar steps. A perfectly linear curve over n models has L = B = n − 1.
 *
 * Provenance, honestly: I and B match a public reimplementation that cites the paper (its
 * "legacy" breakthrough score: sign(argmax − argmin)·(max − min) / sqrt(median(Δy²))). The paper's
 * appendix itself was not available to check; L's root-mean-square denominator is our reading of
 * it, not a verified transcription. docs/scaling.md says the same.
 */

export interface ScalingStatistics {
  /** I(y): signed total change of the normalized score across scale. */
  improvement: number;
  linearity: number;
  breakthroughness: number;
  /** True when the median step was zero, so B was unbounded and is reported as ±BREAKTHROUGHNESS_CAP. */
  breakthroughnessCapped: boolean;
}

export type StatisticsOutcome = { ok: true; statistics: ScalingStatistics } | { ok: false; reason: string };

/** B is unbounded when more than half the steps are flat; the reimplementation above clips at 100 too. */
export const BREAKTHROUGHNESS_CAP = 100;

export const MIN_MODELS = 3;

/** `y`: normalized scores of distinct model sizes, smallest model first. */
export function scalingStatistics(y: readonly number[]): StatisticsOutcome {
  if (y.length < MIN_MODELS) {
    return { ok: false, reason: `needs at least ${MIN_MODELS} model sizes, got ${y.length}` };
  }
  const bad = y.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) return { ok: false, reason: `score of model size #${bad + 1} is ${y[bad]}, not a number` };

  const improvement = signedRange(y);
  if (improvement === 0) {
    // All scores equal: both statistics are 0/0. A flat curve has neither property, so 0.
    return { ok: true, statistics: { improvement: 0, linearity: 0, breakthroughness: 0, breakthroughnessCapped: false } };
  }
  const squaredSteps = steps(y).map((step) => step * step);
  const rootMeanSquare = Math.sqrt(squaredSteps.reduce((sum, value) => sum + value, 0) / squaredSteps.length);
  const rootMedianSquare = Math.sqrt(median(squaredSteps));
  const capped = rootMedianSquare === 0 || Math.abs(improvement / rootMedianSquare) > BREAKTHROUGHNESS_CAP;
  return {
    ok: true,
    statistics: {
      improvement,
      linearity: improvement / rootMeanSquare,
      breakthroughness: capped ? Math.sign(improvement) * BREAKTHROUGHNESS_CAP : improvement / rootMedianSquare,
      breakthroughnessCapped: capped,
    },
  };
}

/** I(y). argmax/argmin take the first index on ties, as numpy's do. */
export function signedRange(y: readonly number[]): number {
  let argmax = 0;
  let argmin = 0;
  y.forEach((value, i) => {
    if (value > (y[argmax] as number)) argmax = i;
    if (value < (y[argmin] as number)) argmin = i;
  });
  const range = (y[argmax] as number) - (y[argmin] as number);
  return argmax > argmin ? range : -range;
}

export function steps(y: readonly number[]): number[] {
  return y.slice(1).map((value, i) => value - (y[i] as number));
}

/** Median; the mean of the two middle values for an even count (numpy's convention). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
