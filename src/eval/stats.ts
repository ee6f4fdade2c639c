/**
 * The statistics runs report: a percentile bootstrap CI of a mean, McNemar's test and a paired
 * bootstrap for two runs on the same examples, and the Wilson interval for a proportion. Every
 * resampling is seeded, so a summary rebuilt from the same records gives the same numbers.
 */
import { createRng } from '../util/random.js';

/** Options of the bootstrap intervals: seed, number of resamples and coverage. */
export interface BootstrapOptions {
  seed: number | string;
  /** Default 2000. */
  resamples?: number;
  /** Coverage of the interval, default 0.95. */
  level?: number;
}

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_LEVEL = 0.95;
/** McNemar's exact test is used below this many discordant pairs, the chi-square one from it on. */
const EXACT_BELOW = 25;

export function mean(values: readonly number[]): number {
  if (!values.length) throw new RangeError('mean of no values');
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Percentile bootstrap interval of the mean of `values`. */
export function bootstrapCI(values: readonly number[], options: BootstrapOptions): [number, number] {
  if (!values.length) throw new RangeError('bootstrap of no values');
  const means = resampleMeans(values, options);
  return percentileInterval(means, options.level ?? DEFAULT_LEVEL);
}

/** McNemar's test on paired right/wrong outcomes: the discordant counts, the statistic and the p-value. */
export interface McNemarResult {
  /** Pairs where A is right and B wrong. */
  b: number;
  /** Pairs where B is right and A wrong. */
  c: number;
  /** 'exact': min(b, c), as statsmodels reports it; 'chi-square': (|b - c| - 1)^2 / (b + c). */
  statistic: number;
  pValue: number;
  method: 'exact' | 'chi-square';
}

/**
 * McNemar's test of paired correctness: the exact two-sided binomial test on the discordant pairs
 * when there are fewer than 25, else chi-square with continuity correction (1 degree of freedom).
 */
export function mcnemar(a: readonly boolean[], b: readonly boolean[]): McNemarResult {
  assertPaired(a, b);
  let onlyA = 0;
  let onlyB = 0;
  a.forEach((rightA, i) => {
    if (rightA && !b[i]) onlyA++;
    if (!rightA && b[i]) onlyB++;
  });
  const n = onlyA + onlyB;
  if (n === 0) return { b: 0, c: 0, statistic: 0, pValue: 1, method: 'exact' };
  if (n < EXACT_BELOW) {
    const k = Math.min(onlyA, onlyB);
    return { b: onlyA, c: onlyB, statistic: k, pValue: Math.min(1, 2 * binomialCdfHalf(k, n)), method: 'exact' };
  }
  const statistic = (Math.abs(onlyA - onlyB) - 1) ** 2 / n;
  return { b: onlyA, c: onlyB, statistic, pValue: chiSquare1Survival(statistic), method: 'chi-square' };
}

/** A paired bootstrap of two runs on the same examples: the difference of means, its interval and p-value. */
export interface PairedBootstrapResult {
  /** mean(b) - mean(a). */
  meanDiff: number;
  ci95: [number, number];
  /** Two-sided. */
  pValue: number;
}

/**
 * Paired bootstrap of mean(b) - mean(a): examples are resampled together. The p-value shifts the
 * bootstrap distribution to mean zero (the null) and counts resampled differences at least as far
 * from zero as the observed one (Berg-Kirkpatrick et al. 2012), with add-one so it is never 0.
 */
export function pairedBootstrap(a: readonly number[], b: readonly number[], options: BootstrapOptions): PairedBootstrapResult {
  assertPaired(a, b);
  if (!a.length) throw new RangeError('paired bootstrap of no pairs');
  const differences = a.map((value, i) => b[i]! - value);
  const meanDiff = mean(differences);
  const means = resampleMeans(differences, options);
  return {
    meanDiff,
    ci95: percentileInterval(means, options.level ?? DEFAULT_LEVEL),
    pValue: bootstrapPValue(means, meanDiff),
  };
}

/** Wilson score interval for k successes in n trials; z defaults to the two-sided 95% quantile. */
export function wilsonInterval(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  if (k < 0 || k > n) throw new RangeError(`wilsonInterval needs 0 <= k <= n, got k=${k}, n=${n}`);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 and k = n the bound is exactly 0 or 1 (the formula gives it up to rounding).
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

function resampleMeans(values: readonly number[], options: BootstrapOptions): number[] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const rng = createRng(options.seed);
  const n = values.length;
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)]!;
    means[r] = sum / n;
  }
  return means;
}

/**
 * Two-sided p-value of a mean difference from its bootstrap means: the share of resampled means at least as far
 * from the observed one as the observed one is from zero (+1 smoothing).
 */
export function bootstrapPValue(means: readonly number[], meanDiff: number): number {
  const observed = Math.abs(meanDiff);
  // Float sums of resampled 0/1 differences can miss the observed value by an ulp.
  const slack = 1e-12 * Math.max(1, observed);
  const extreme = means.filter((m) => Math.abs(m - meanDiff) >= observed - slack).length;
  return Math.min(1, (extreme + 1) / (means.length + 1));
}

/** Equal-tailed percentile interval with linear interpolation between order statistics (numpy's default). */
export function percentileInterval(samples: number[], level: number): [number, number] {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const sorted = samples.slice().sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return [quantile(sorted, alpha), quantile(sorted, 1 - alpha)];
}

function quantile(sorted: number[], q: number): number {
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const fraction = position - low;
  return sorted[low]! + (sorted[high]! - sorted[low]!) * fraction;
}

function assertPaired(a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length: ${a.length} and ${b.length}`);
}

/** P(X <= k) for X ~ Binomial(n, 1/2); exact enough in doubles for the small n it is used with. */
function binomialCdfHalf(k: number, n: number): number {
  let term = 1;
  let sum = 1;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum / 2 ** n;
}

/** P(X >= x) for a chi-square variable with 1 degree of freedom: the upper regularised gamma Q(1/2, x/2). */
export function chiSquare1Survival(x: number): number {
  if (x <= 0) return 1;
  return regularizedGammaQ(0.5, x / 2);
}

const LN_GAMMA_HALF = 0.5 * Math.log(Math.PI);

/** Q(a, x) by series for small x and a continued fraction otherwise (Numerical Recipes §6.2). */
function regularizedGammaQ(a: number, x: number): number {
  const lnGammaA = a === 0.5 ? LN_GAMMA_HALF : lnGamma(a);
  const prefix = Math.exp(-x + a * Math.log(x) - lnGammaA);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * prefix;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return prefix * h;
}

/** Lanczos approximation (g = 7, n = 9). */
function lnGamma(z: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - lnGamma(1 - z);
  const shifted = z - 1;
  let sum = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) sum += coefficients[i]! / (shifted + i);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}
