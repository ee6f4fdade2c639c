/** BIG-bench's I(y), linearity and breakthroughness against hand-computed values, and degenerate curves. */
import { describe, expect, it } from 'vitest';
import { BREAKTHROUGHNESS_CAP, median, scalingStatistics, signedRange } from '../../src/scaling/scalingStatistics.js';

function stats(y: number[]) {
  const outcome = scalingStatistics(y);
  if (!outcome.ok) throw new Error(outcome.reason);
  return outcome.statistics;
}

describe('scalingStatistics', () => {
  it('a straight line over 4 sizes has L = B = n − 1 = 3', () => {
    // y = 0, 10, 20, 30: I = +(30 − 0) = 30; steps 10, 10, 10; squares 100, 100, 100
    // RMS = sqrt(300 / 3) = 10 -> L = 30 / 10 = 3; root median square = sqrt(100) = 10 -> B = 3
    expect(stats([0, 10, 20, 30])).toEqual({ improvement: 30, linearity: 3, breakthroughness: 3, breakthroughnessCapped: false });
  });

  it('one late jump gives a large breakthroughness and a small linearity', () => {
    // y = 0, 2, 4, 60: I = 60; steps 2, 2, 56; squares 4, 4, 3136
    // median of squares = 4 -> B = 60 / 2 = 30
    // mean of squares = 3144 / 3 = 1048 -> RMS = 32.3728... -> L = 60 / 32.3728 = 1.85341...
    const s = stats([0, 2, 4, 60]);
    expect(s.improvement).toBe(60);
    expect(s.breakthroughness).toBeCloseTo(30, 10);
    expect(s.linearity).toBeCloseTo(60 / Math.sqrt(1048), 10);
    expect(s.linearity).toBeCloseTo(1.8534, 4);
  });

  it('inverse scaling makes I(y), L and B negative', () => {
    // y = 50, 30, 10: argmax 0 < argmin 2 -> I = −(50 − 10) = −40; steps −20, −20; squares 400, 400
    // RMS = 20 -> L = −2; root median square = 20 -> B = −2
    expect(stats([50, 30, 10])).toEqual({ improvement: -40, linearity: -2, breakthroughness: -2, breakthroughnessCapped: false });
  });

  it('uses the mean of the two middle squares for an even number of steps', () => {
    // y = 0, 1, 4, 5, 15: I = 15; steps 1, 3, 1, 10; squares sorted 1, 1, 9, 100
    // median = (1 + 9) / 2 = 5 -> B = 15 / sqrt(5) = 6.7082...; RMS = sqrt(111 / 4) = 5.2678... -> L = 2.8475...
    const s = stats([0, 1, 4, 5, 15]);
    expect(s.breakthroughness).toBeCloseTo(15 / Math.sqrt(5), 10);
    expect(s.linearity).toBeCloseTo(15 / Math.sqrt(111 / 4), 10);
  });

  it('a flat curve has L = B = 0 and no division by zero', () => {
    expect(stats([42, 42, 42, 42])).toEqual({ improvement: 0, linearity: 0, breakthroughness: 0, breakthroughnessCapped: false });
  });

  it('caps B when more than half the steps are zero (the median step is 0)', () => {
    // y = 0, 0, 0, 50: steps 0, 0, 50 -> median of squares 0 -> B unbounded -> +cap
    // RMS = sqrt(2500 / 3) = 28.8675 -> L = 50 / 28.8675 = 1.7320...
    const s = stats([0, 0, 0, 50]);
    expect(s.breakthroughness).toBe(BREAKTHROUGHNESS_CAP);
    expect(s.breakthroughnessCapped).toBe(true);
    expect(s.linearity).toBeCloseTo(Math.sqrt(3), 10);
  });

  it('refuses fewer than 3 sizes and non-numbers, with a reason', () => {
    expect(scalingStatistics([10, 80])).toEqual({ ok: false, reason: 'needs at least 3 model sizes, got 2' });
    expect(scalingStatistics([])).toMatchObject({ ok: false });
    const nan = scalingStatistics([1, Number.NaN, 3]);
    expect(nan).toEqual({ ok: false, reason: 'score of model size #2 is NaN, not a number' });
    expect(scalingStatistics([1, Number.POSITIVE_INFINITY, 3])).toMatchObject({ ok: false });
  });
});

describe('signedRange and median', () => {
  it('takes the first index on ties, as numpy argmax/argmin do', () => {
    // y = 5, 9, 9, 1: argmax = 1 (first 9), argmin = 3 -> argmax < argmin -> I = −8
    expect(signedRange([5, 9, 9, 1])).toBe(-8);
    // a U shape: y = 20, 0, 30: argmax 2 > argmin 1 -> I = +30
    expect(signedRange([20, 0, 30])).toBe(30);
  });

  it('median follows the usual even/odd convention', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
