/** Normalized scores, merging equal sizes, the verdict rules and the whole analysis of a few rows. */
import { describe, expect, it } from 'vitest';
import { analyzeScaling } from '../../src/scaling/analyzeScaling.js';
import { baselineOf, normalizedScore } from '../../src/scaling/normalize.js';
import { scaleCurve } from '../../src/scaling/scaleCurve.js';
import { scalingStatistics, type ScalingStatistics } from '../../src/scaling/scalingStatistics.js';
import type { ScoreRow } from '../../src/scaling/scoreRow.js';
import { scalingVerdict } from '../../src/scaling/verdict.js';

const verdictOf = (y: number[]) => {
  const outcome = scalingStatistics(y);
  if (!outcome.ok) throw new Error(outcome.reason);
  return scalingVerdict(y, outcome.statistics as ScalingStatistics);
};

describe('normalizedScore', () => {
  it('maps random to 0 and max to 100', () => {
    // 4-label accuracy: random 0.25. 0.625 -> 100 × (0.625 − 0.25) / (1 − 0.25) = 100 × 0.375 / 0.75 = 50
    expect(normalizedScore(0.625, { random: 0.25, max: 1 })).toBeCloseTo(50, 12);
    expect(normalizedScore(0.25, { random: 0.25, max: 1 })).toBe(0);
    expect(normalizedScore(1, { random: 0.25, max: 1 })).toBe(100);
    // below chance is negative: 0.1 on a binary task -> 100 × (0.1 − 0.5) / 0.5 = −80
    expect(normalizedScore(0.1, { random: 0.5, max: 1 })).toBeCloseTo(-80, 12);
  });

  it('refuses max = random', () => {
    expect(() => normalizedScore(0.5, { random: 1, max: 1 })).toThrow(RangeError);
  });

  it('derives the baseline from labels, in the scores’ own units', () => {
    const row = (score: number, extra: Partial<ScoreRow> = {}): ScoreRow => ({ model: 'm', params: 1, task: 't', metric: 'acc', score, ...extra });
    expect(baselineOf([row(0.5, { labels: 4 })])).toEqual({ random: 0.25, max: 1, source: 'labels' });
    // percentages: max 100, random 100 / 5 = 20
    expect(baselineOf([row(55, { labels: 5 })])).toEqual({ random: 20, max: 100, source: 'labels' });
    expect(baselineOf([row(0.5, { random: 0.1, max: 1 })])).toEqual({ random: 0.1, max: 1, source: 'given' });
    expect(baselineOf([row(0.5)])).toEqual({ random: 0, max: 1, source: 'assumed' });
  });
});

describe('scaleCurve', () => {
  it('orders by size and averages models of the same size', () => {
    const curve = scaleCurve([
      { model: 'big', params: 70e9, normalized: 60 },
      { model: 'b7', params: 7e9, normalized: 30 },
      { model: 'a7', params: 7e9, normalized: 10 },
      { model: 'small', params: 1e9, normalized: 0 },
    ]);
    // the two 7B models: (10 + 30) / 2 = 20
    expect(curve).toEqual([
      { params: 1e9, normalized: 0, models: ['small'] },
      { params: 7e9, normalized: 20, models: ['a7', 'b7'] },
      { params: 70e9, normalized: 60, models: ['big'] },
    ]);
  });
});

describe('scalingVerdict', () => {
  it('flat when the range is under 10 points or nothing gets 10 points above chance', () => {
    expect(verdictOf([5, 8, 12, 14])).toBe('flat'); // range 9
    expect(verdictOf([-90, -70, -85])).toBe('flat'); // range 20, but all below chance
    expect(verdictOf([3, 3, 3])).toBe('flat');
  });

  it('inverse when the worst model is larger than the best', () => {
    expect(verdictOf([60, 40, 20])).toBe('inverse');
  });

  it('emergent when B ≥ 2 × (n − 1), smooth otherwise', () => {
    // [0, 2, 4, 60]: B = 30 ≥ 2 × 3 = 6
    expect(verdictOf([0, 2, 4, 60])).toBe('emergent');
    // [0, 10, 20, 30]: B = 3 < 6
    expect(verdictOf([0, 10, 20, 30])).toBe('smooth');
  });
});

describe('analyzeScaling', () => {
  const rows: ScoreRow[] = [
    { model: 'L', params: 70e9, task: 'arith', metric: 'exact_match', score: 0.62, labels: 2 },
    { model: 'S', params: 1e9, task: 'arith', metric: 'exact_match', score: 0.5, labels: 2 },
    { model: 'M', params: 7e9, task: 'arith', metric: 'exact_match', score: 0.51, labels: 2 },
    { model: 'XL', params: 500e9, task: 'arith', metric: 'exact_match', score: 0.95, labels: 2, paramsEstimated: true },
    { model: 'S', params: 1e9, task: 'two', metric: 'acc', score: 0.3 },
    { model: 'L', params: 70e9, task: 'two', metric: 'acc', score: 0.6 },
  ];

  it('gives per task/metric scores by size, statistics and verdict', () => {
    const [arith, two] = analyzeScaling(rows);
    // normalized with random 0.5, max 1: 0.5 -> 0, 0.51 -> 2, 0.62 -> 24, 0.95 -> 90
    expect(arith?.scores.map((s) => s.model)).toEqual(['S', 'M', 'L', 'XL']);
    expect(arith?.scores.map((s) => Number(s.normalized.toFixed(6)))).toEqual([0, 2, 24, 90]);
    // steps 2, 22, 66; squares 4, 484, 4356; median 484 -> B = 90 / 22 = 4.0909 < 2 × 3 -> smooth
    expect(arith?.breakthroughness).toBeCloseTo(90 / 22, 6);
    expect(arith?.verdict).toBe('smooth');
    expect(arith?.notes).toContain('parameter count estimated, not published: XL');
    expect(two).toMatchObject({ task: 'two', linearity: null, breakthroughness: null, verdict: null });
    expect(two?.notes.join('\n')).toMatch(/needs at least 3 model sizes, got 2/);
    expect(two?.notes.join('\n')).toMatch(/assumed random = 0/);
  });
});
