import { describe, expect, it } from 'vitest';
import { pairedSeedExampleBootstrap, seedExampleBootstrap } from '../../src/eval/seedBootstrap.js';

/**
 * The exact two-stage bootstrap distribution by enumeration: every seed draw (S^S) × every example draw (N^N),
 * all equally likely. Returns the resampled means with their multiplicity (each listed once per draw).
 */
function exactDistribution(scores: number[][]): number[] {
  const S = scores.length;
  const N = scores[0]!.length;
  const draws = (size: number): number[][] => {
    let out: number[][] = [[]];
    for (let i = 0; i < size; i++) out = out.flatMap((prefix) => Array.from({ length: size }, (_, j) => [...prefix, j]));
    return out;
  };
  const means: number[] = [];
  for (const seeds of draws(S)) {
    for (const examples of draws(N)) {
      let sum = 0;
      for (const s of seeds) for (const e of examples) sum += scores[s]![e]!;
      means.push(sum / (S * N));
    }
  }
  return means;
}

const variance = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
};

function quantile(xs: number[], q: number): number {
  const sorted = xs.slice().sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  return sorted[low]! + (sorted[Math.ceil(position)]! - sorted[low]!) * (position - low);
}

describe('seed-and-example bootstrap', () => {
  // Two seeds that disagree a lot: seed 0 gets 3 of 4 right, seed 1 gets 1 of 4.
  const scores = [
    [1, 1, 1, 0],
    [0, 1, 0, 0],
  ];

  it('matches the exact two-stage bootstrap distribution computed by enumeration', () => {
    const exact = exactDistribution(scores); // 2^2 × 4^4 = 1024 equally likely resamples
    expect(exact).toHaveLength(1024);
    const estimate = seedExampleBootstrap(scores, { seed: 1, resamples: 40_000 });
    expect(estimate.mean).toBe(0.5);
    // The Monte Carlo percentile interval approaches the exact one.
    expect(estimate.ci95[0]).toBeCloseTo(quantile(exact, 0.025), 1);
    expect(estimate.ci95[1]).toBeCloseTo(quantile(exact, 0.975), 1);
  });

  it('its spread includes the seeds: wider than the examples-only bootstrap of the pooled means', () => {
    const exact = exactDistribution(scores);
    const pooled = [scores[0]!.map((v, e) => (v + scores[1]![e]!) / 2)];
    const examplesOnly = exactDistribution(pooled);
    expect(variance(exact)).toBeGreaterThan(variance(examplesOnly));
    // A 95% percentile interval spans about ±2 standard deviations of the exact distribution.
    const estimate = seedExampleBootstrap(scores, { seed: 2, resamples: 20_000 });
    const width = estimate.ci95[1] - estimate.ci95[0];
    expect(width).toBeGreaterThan(3 * Math.sqrt(variance(exact)));
    expect(width).toBeLessThan(4.5 * Math.sqrt(variance(exact)));
  });

  it('with one seed it is the ordinary bootstrap over examples (variance p(1 − p) / n)', () => {
    const one = [[1, 1, 1, 0, 0]];
    const exact = exactDistribution(one);
    expect(variance(exact)).toBeCloseTo((0.6 * 0.4) / 5, 10);
  });

  it('pairs seeds and examples: a constant difference has a degenerate interval', () => {
    const a = [
      [0, 1, 0, 1],
      [1, 0, 0, 0],
    ];
    const b = a.map((row) => row.map((v) => v + 1));
    const result = pairedSeedExampleBootstrap(a, b, { seed: 3, resamples: 500 });
    expect(result.meanDiff).toBe(1);
    expect(result.ci95).toEqual([1, 1]);
    expect(result.pValue).toBeLessThan(0.01);
  });

  it('the paired difference distribution is the exact one of the per-(seed, example) differences', () => {
    const a = [
      [0, 0, 1, 0],
      [1, 0, 0, 0],
    ];
    const b = [
      [1, 1, 1, 0],
      [1, 0, 0, 1],
    ];
    const differences = a.map((row, s) => row.map((v, e) => b[s]![e]! - v));
    const exact = exactDistribution(differences);
    const result = pairedSeedExampleBootstrap(a, b, { seed: 4, resamples: 40_000 });
    expect(result.meanDiff).toBeCloseTo(0.375, 12);
    expect(result.ci95[0]).toBeCloseTo(quantile(exact, 0.025), 1);
    expect(result.ci95[1]).toBeCloseTo(quantile(exact, 0.975), 1);
    // p-value: share of the zero-centred distribution at least |0.375| from zero, exactly.
    const exactP = exact.filter((m) => Math.abs(m - 0.375) >= 0.375 - 1e-12).length / exact.length;
    expect(result.pValue).toBeCloseTo(exactP, 1);
  });

  it('a single lucky seed does not make a verdict: seeds that disagree widen the interval past zero', () => {
    // Seed 0: b beats a on every example; seeds 1 and 2: a beats b on 6 of 40. Pooled, b looks better.
    const n = 40;
    const a = [Array(n).fill(0), [...Array(6).fill(1), ...Array(n - 6).fill(0)], [...Array(6).fill(1), ...Array(n - 6).fill(0)]];
    const b = [Array(n).fill(1), Array(n).fill(0), Array(n).fill(0)];
    const result = pairedSeedExampleBootstrap(a, b, { seed: 5, resamples: 4000 });
    expect(result.meanDiff).toBeGreaterThan(0);
    expect(result.ci95[0]).toBeLessThan(0);
  });

  it('rejects grids of different shapes', () => {
    expect(() => pairedSeedExampleBootstrap([[1, 0]], [[1]], { seed: 0 })).toThrow(/shape/);
    expect(() => seedExampleBootstrap([[1, 0], [1]], { seed: 0 })).toThrow(/seed #2/);
  });
});
