/** Scaling verdicts that the measurement noise must support: synthetic families, one per verdict, and inconclusive ones. */
import { describe, expect, it } from 'vitest';
import { analyzeScaling } from '../../src/scaling/analyzeScaling.js';
import { bootstrapCurve, scoreSampler } from '../../src/scaling/curveBootstrap.js';
import type { ScoreRow } from '../../src/scaling/scoreRow.js';
import { createRng } from '../../src/util/random.js';

/** Five sizes (1M … 10B), accuracy in [0, 1], chance 0, each measured on n examples. */
const family = (scores: number[], n?: number): ScoreRow[] =>
  scores.map((score, i) => ({ model: `m${i}`, params: 10 ** (6 + i), task: 't', metric: 'accuracy', score, random: 0, max: 1, ...(n ? { n } : {}) }));
const analyze = (scores: number[], n?: number) => analyzeScaling(family(scores, n))[0]!;

describe('verdicts checked against a bootstrap of the curve', () => {
  it('emergent: a step measured on 1,000 examples a size', () => {
    const analysis = analyze([0.1, 0.1, 0.1, 0.1, 0.9], 1000);
    expect(analysis.verdict).toBe('emergent');
    // Threshold 2 × (5 − 1) = 8: even the 5th percentile of B over the draws is far above it.
    expect(analysis.intervals!.breakthroughness.lower5).toBeGreaterThan(8);
  });

  it('smooth: a straight line measured on 1,000 examples a size', () => {
    const analysis = analyze([0.1, 0.3, 0.5, 0.7, 0.9], 1000);
    expect(analysis.verdict).toBe('smooth');
    // A line has B = n − 1 = 4; its draws stay near it, below 8.
    expect(analysis.breakthroughness).toBeCloseTo(4, 9);
    expect(analysis.intervals!.breakthroughness.upper95).toBeLessThan(8);
  });

  it('inverse: a steady fall measured on 200 examples a size', () => {
    expect(analyze([0.9, 0.7, 0.5, 0.3, 0.1], 200).verdict).toBe('inverse');
  });

  it('flat stays flat: it claims no trend', () => {
    expect(analyze([0.3, 0.31, 0.29, 0.32, 0.3], 40).verdict).toBe('flat');
  });

  it("inconclusive when the rise is within the noise: docs/scaling.md's 1-step direct row (40 problems a size)", () => {
    // Point estimates alone said smooth (range 10 points, B 5.66); the change from the smallest to the best model,
    // +10 points, has an interval that includes 0.
    const analysis = analyze([0.225, 0.225, 0.225, 0.325, 0.3], 40);
    expect(analysis.breakthroughness).toBeCloseTo(5.66, 2);
    expect(analysis.verdict).toBe('inconclusive');
    expect(analysis.notes.join('\n')).toMatch(
      /inconclusive, not smooth: the change between the extreme sizes, \+10\.0 points, has a 95% interval \[.*\] that includes 0/,
    );
  });

  it('inconclusive when the fall is within the noise (20 examples a size)', () => {
    const analysis = analyze([0.5, 0.45, 0.4, 0.38, 0.35], 20);
    expect(analysis.verdict).toBe('inconclusive');
    expect(analysis.notes.join('\n')).toMatch(/not inverse/);
  });

  it('inconclusive when the rise is real but its shape is not: B straddles the emergent threshold', () => {
    // Point B = 11.2 ≥ 8 would say emergent; over the draws B runs from about 5 to 16.
    const analysis = analyze([0.1, 0.12, 0.14, 0.2, 0.6], 200);
    expect(analysis.breakthroughness).toBeGreaterThan(8);
    expect(analysis.intervals!.change.ci95[0]).toBeGreaterThan(0);
    expect(analysis.verdict).toBe('inconclusive');
    expect(analysis.notes.join('\n')).toMatch(/not emergent: breakthroughness runs from .* on both sides of the emergent threshold 8/);
  });

  it('inconclusive when the rise is real but the best size is not above chance beyond the noise', () => {
    // Chance 22.5% (a constant guess), 40 problems a size: 0% → 32.5% is a resolved change, but 32.5% [20.1, 48.0]
    // is not separated from 22.5%.
    const rows = family([0, 0.05, 0.1, 0.2, 0.325], 40).map((row) => ({ ...row, random: 0.225 }));
    const [analysis] = analyzeScaling(rows);
    expect(analysis!.intervals!.change.ci95[0]).toBeGreaterThan(0);
    expect(analysis!.verdict).toBe('inconclusive');
    expect(analysis!.notes.join('\n')).toMatch(/the best size scores \+12\.9 points against chance, with a 95% interval \[.*\] that reaches chance/);
  });

  it('the same curve is smooth with many examples and inconclusive with few', () => {
    // Point B = 7.16, just under the threshold 8: 5,000 examples a size pin it there, 100 do not.
    expect(analyze([0.1, 0.1, 0.15, 0.3, 0.9], 5000).verdict).toBe('smooth');
    expect(analyze([0.1, 0.1, 0.15, 0.3, 0.9], 100).verdict).toBe('inconclusive');
  });

  it('rows with no interval and no n keep the point verdict and say it is unchecked', () => {
    const analysis = analyze([0.225, 0.225, 0.225, 0.325, 0.3]);
    expect(analysis.verdict).toBe('smooth');
    expect(analysis.intervals).toBeNull();
    expect(analysis.notes.join('\n')).toMatch(/smooth from the point estimates alone/);
  });

  it("reads a row's 95% interval when it has one", () => {
    const step = (halfWidth: number) =>
      family([0.1, 0.1, 0.1, 0.1, 0.9]).map((row) => ({ ...row, ciLow: row.score - halfWidth, ciHigh: row.score + halfWidth }));
    expect(analyzeScaling(step(0.01))[0]!.verdict).toBe('emergent');
    // ±30 points on every size: the 80-point rise survives, the flat part's steps are as large as noise makes them.
    const [wide] = analyzeScaling(step(0.3));
    expect(wide!.intervals!.change.ci95[0]).toBeGreaterThan(0);
    expect(wide!.verdict).toBe('inconclusive');
  });
});

describe('the bootstrap against a direct computation', () => {
  it('the change between two sizes has the normal-approximation interval of a difference of two proportions', () => {
    const n = 1000;
    const analysis = analyze([0.2, 0.2, 0.3, 0.5, 0.6], n);
    // 0.6 − 0.2, σ = sqrt(0.6·0.4/n + 0.2·0.8/n) = 0.02; ±1.96σ in points = ±3.92
    const sigma = Math.sqrt((0.6 * 0.4) / n + (0.2 * 0.8) / n) * 100;
    const [low, high] = analysis.intervals!.change.ci95;
    expect(analysis.intervals!.change.estimate).toBeCloseTo(40, 9);
    expect(low).toBeCloseTo(40 - 1.96 * sigma, 0);
    expect(high).toBeCloseTo(40 + 1.96 * sigma, 0);
  });

  it('draws binomially from n (mean and variance of a resampled share)', () => {
    const draw = scoreSampler({ model: 'm', params: 1, score: 0.3, n: 50, ci95: null }, { max: 1 })!;
    const rng = createRng(3);
    const values = Array.from({ length: 20000 }, () => draw(rng));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(mean).toBeCloseTo(0.3, 2);
    expect(variance).toBeCloseTo((0.3 * 0.7) / 50, 3);
    expect(values.every((v) => Math.abs(v * 50 - Math.round(v * 50)) < 1e-9)).toBe(true);
  });

  it('keeps an asymmetric interval asymmetric: a score at 0 is never drawn below 0', () => {
    const draw = scoreSampler({ model: 'm', params: 1, score: 0, ci95: [0, 0.088] }, { max: 1 })!;
    const rng = createRng(4);
    const values = Array.from({ length: 5000 }, () => draw(rng));
    expect(Math.min(...values)).toBe(0);
    // Half the draws are on the upper side, with σ = 0.088 / 1.96.
    const above = values.filter((v) => v > 0);
    expect(above.length / values.length).toBeCloseTo(0.5, 1);
    expect(Math.sqrt(above.reduce((a, b) => a + b * b, 0) / above.length)).toBeCloseTo(0.088 / 1.96, 2);
  });

  it('gives no bootstrap when a model states no uncertainty, and repeats exactly with the same seed', () => {
    const scores = [0.1, 0.5, 0.9].map((score, i) => ({ model: `m${i}`, params: 10 ** i, score, n: 100, ci95: null }));
    const baseline = { random: 0, max: 1, source: 'given' as const };
    const { n: _unstated, ...unmeasured } = scores[2]!;
    expect(bootstrapCurve([...scores.slice(0, 2), unmeasured], baseline)).toBeNull();
    const once = bootstrapCurve(scores, baseline, { draws: 50, seed: 9 });
    const again = bootstrapCurve(scores, baseline, { draws: 50, seed: 9 });
    expect(once!.curves).toEqual(again!.curves);
  });
});
