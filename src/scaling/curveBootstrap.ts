/**
 * How sure a scaling curve's statistics are: a parametric bootstrap over each model's measurement error.
 *
 * Every draw replaces each model's score by a plausible re-measurement, then recomputes the curve (same-size models
 * averaged, scaleCurve), I(y), linearity and breakthroughness. A model's re-measurement comes from what its row says
 * about its uncertainty, in this order:
 *
 *   ci_low/ci_high  a two-piece normal around the score, each side's σ = (its half of the 95% interval) / 1.96, so an
 *                   asymmetric (Wilson) interval stays asymmetric and a score at 0% is never drawn below it
 *   n               the score as a share of n examples (score / max), drawn Binomial(n, share): exactly what
 *                   resampling n right/wrong answers with replacement gives, and for a mean of per-example values in
 *                   [0, max] a variance at least as large as the true one (so, if anything, too cautious)
 *
 * A row with neither has no stated uncertainty and the curve gets no bootstrap (`null`). Models are drawn
 * independently: models asked the same questions err together on the hard ones, so the differences between them
 * vary less than independent draws assume, and the intervals here are, if anything, wide.
 */
import { percentileInterval } from '../eval/stats.js';
import { createRng, type Rng } from '../util/random.js';
import { normalizedScore, type Baseline } from './normalize.js';
import { scaleCurve } from './scaleCurve.js';
import { scalingStatistics, type ScalingStatistics } from './scalingStatistics.js';

export interface MeasuredScore {
  model: string;
  params: number;
  score: number;
  n?: number;
  ci95: [number, number] | null;
}

export interface CurveBootstrap {
  draws: number;
  /** Each draw's normalized curve (one value per distinct size, smallest first) and its statistics. */
  curves: number[][];
  statistics: ScalingStatistics[];
}

export const BOOTSTRAP_DRAWS = 2000;
const Z95 = 1.959963984540054;

/** A re-measurement of one score, or null when its row states no uncertainty. */
export function scoreSampler(score: MeasuredScore, baseline: Pick<Baseline, 'max'>): ((rng: Rng) => number) | null {
  if (score.ci95) {
    const below = Math.max(0, score.score - score.ci95[0]) / Z95;
    const above = Math.max(0, score.ci95[1] - score.score) / Z95;
    return (rng) => {
      const z = standardNormal(rng);
      return score.score + z * (z < 0 ? below : above);
    };
  }
  const n = score.n;
  if (n !== undefined && Number.isInteger(n) && n > 0 && score.score >= 0 && score.score <= baseline.max && baseline.max > 0) {
    const cdf = binomialCdf(n, score.score / baseline.max);
    return (rng) => (baseline.max * inverseCdf(cdf, rng.next())) / n;
  }
  return null;
}

/** The bootstrap of a task's curve; null when a model states no uncertainty or the curve has too few sizes. */
export function bootstrapCurve(
  scores: readonly MeasuredScore[],
  baseline: Baseline,
  options: { draws?: number; seed?: number | string } = {},
): CurveBootstrap | null {
  const samplers = scores.map((score) => scoreSampler(score, baseline));
  if (samplers.some((sampler) => sampler === null)) return null;
  const rng = createRng(options.seed ?? 'scaling-curve-bootstrap');
  const draws = options.draws ?? BOOTSTRAP_DRAWS;
  const curves: number[][] = [];
  const statistics: ScalingStatistics[] = [];
  for (let draw = 0; draw < draws; draw++) {
    const curve = scaleCurve(
      scores.map((score, i) => ({ model: score.model, params: score.params, normalized: normalizedScore(samplers[i]!(rng), baseline) })),
    );
    const y = curve.map((point) => point.normalized);
    const outcome = scalingStatistics(y);
    if (!outcome.ok) return null;
    curves.push(y);
    statistics.push(outcome.statistics);
  }
  return { draws, curves, statistics };
}

/** Two-sided 95% percentile interval of one statistic over the draws. */
export function interval95(values: readonly number[]): [number, number] {
  return percentileInterval([...values], 0.95);
}

/** One-sided 95% bounds: the 5th and 95th percentiles. */
export function oneSidedBounds95(values: readonly number[]): { lower: number; upper: number } {
  const [lower, upper] = percentileInterval([...values], 0.9);
  return { lower, upper };
}

/** P(X ≤ k) for k = 0 … n, X ~ Binomial(n, p), by the pmf's recurrence in log space (no overflow at large n). */
function binomialCdf(n: number, p: number): number[] {
  if (p <= 0) return Array.from({ length: n + 1 }, () => 1);
  if (p >= 1) return Array.from({ length: n + 1 }, (_, k) => (k === n ? 1 : 0));
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logPmf = n * logQ;
  let total = 0;
  const cdf: number[] = [];
  for (let k = 0; k <= n; k++) {
    total += Math.exp(logPmf);
    cdf.push(total);
    logPmf += Math.log((n - k) / (k + 1)) + logP - logQ;
  }
  return cdf.map((value) => value / total);
}

/** The smallest k with P(X ≤ k) > u. */
function inverseCdf(cdf: readonly number[], u: number): number {
  let low = 0;
  let high = cdf.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((cdf[mid] as number) > u) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Box–Muller on the seeded generator (1 − u keeps the logarithm finite). */
function standardNormal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
