/**
 * A bootstrap over seeds and examples together, for students trained with several seeds and tested on the
 * same examples. One resample draws the seeds with replacement, then the examples with replacement (the same
 * examples for every drawn seed: they are one test set), and takes the mean over the drawn seed × example
 * grid. Both sources of variation are in the interval: a single seed's luck as well as the test set's.
 *
 * A comparison of two methods is paired on both: the same seeds and the same examples are drawn for both, so
 * the resampled statistic is the mean of the per-(seed, example) differences. The p-value is two-sided: the
 * bootstrap distribution shifted to mean zero, the share of resamples at least as far from zero as the
 * observed difference, with add-one so it is never 0 (as pairedBootstrap in ./stats.ts).
 */
import { createRng } from '../util/random.js';
import { bootstrapPValue, percentileInterval } from './stats.js';

export interface SeedExampleOptions {
  seed: number | string;
  /** Default 2000. */
  resamples?: number;
  /** Default 0.95. */
  level?: number;
}

export interface SeedExampleEstimate {
  /** Mean over seeds and examples. */
  mean: number;
  ci95: [number, number];
  seeds: number;
  examples: number;
}

export interface SeedExampleComparison {
  /** mean(b) − mean(a), over the common seeds and examples. */
  meanDiff: number;
  ci95: [number, number];
  pValue: number;
  seeds: number;
  examples: number;
}

/** `scores[s][e]`: the score of seed s on example e (0/1 for accuracy). Every seed must cover the same examples. */
export function seedExampleBootstrap(scores: readonly (readonly number[])[], options: SeedExampleOptions): SeedExampleEstimate {
  const { seeds, examples } = shapeOf(scores, 'scores');
  const means = resampledMeans(scores, options);
  return { mean: gridMean(scores), ci95: percentileInterval(means, options.level ?? 0.95), seeds, examples };
}

/** b − a paired on seeds and examples: `a[s][e]` and `b[s][e]` are the same seed on the same example. */
export function pairedSeedExampleBootstrap(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  options: SeedExampleOptions,
): SeedExampleComparison {
  const shapeA = shapeOf(a, 'a');
  const shapeB = shapeOf(b, 'b');
  if (shapeA.seeds !== shapeB.seeds || shapeA.examples !== shapeB.examples) {
    throw new RangeError(`paired scores differ in shape: ${shapeA.seeds}×${shapeA.examples} and ${shapeB.seeds}×${shapeB.examples}`);
  }
  const differences = a.map((row, s) => row.map((value, e) => b[s]![e]! - value));
  const meanDiff = gridMean(differences);
  const means = resampledMeans(differences, options);
  return {
    meanDiff,
    ci95: percentileInterval(means, options.level ?? 0.95),
    pValue: bootstrapPValue(means, meanDiff),
    seeds: shapeA.seeds,
    examples: shapeA.examples,
  };
}

function shapeOf(scores: readonly (readonly number[])[], name: string): { seeds: number; examples: number } {
  if (scores.length === 0) throw new RangeError(`${name}: no seeds`);
  const examples = scores[0]!.length;
  if (examples === 0) throw new RangeError(`${name}: no examples`);
  scores.forEach((row, s) => {
    if (row.length !== examples) throw new RangeError(`${name}: seed #${s + 1} has ${row.length} examples, seed #1 has ${examples}`);
  });
  return { seeds: scores.length, examples };
}

function gridMean(scores: readonly (readonly number[])[]): number {
  let sum = 0;
  for (const row of scores) for (const value of row) sum += value;
  return sum / (scores.length * scores[0]!.length);
}

function resampledMeans(scores: readonly (readonly number[])[], options: SeedExampleOptions): number[] {
  const resamples = options.resamples ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const rng = createRng(options.seed);
  const seeds = scores.length;
  const examples = scores[0]!.length;
  const columnSums = new Float64Array(examples);
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    columnSums.fill(0);
    for (let k = 0; k < seeds; k++) {
      const row = scores[rng.int(seeds)]!;
      for (let e = 0; e < examples; e++) columnSums[e]! += row[e]!;
    }
    let sum = 0;
    for (let k = 0; k < examples; k++) sum += columnSums[rng.int(examples)]!;
    means[r] = sum / (seeds * examples);
  }
  return means;
}
