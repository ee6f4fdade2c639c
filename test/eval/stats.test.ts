import { describe, expect, it } from 'vitest';
import { bootstrapCI, chiSquare1Survival, mcnemar, mean, pairedBootstrap, wilsonInterval } from '../../src/eval/stats.js';

/** Paired correctness with `onlyA` pairs right only in A, `onlyB` right only in B, `both` right in both. */
function pairs(onlyA: number, onlyB: number, both = 5, neither = 3): [boolean[], boolean[]] {
  const a: boolean[] = [];
  const b: boolean[] = [];
  const push = (x: boolean, y: boolean, n: number) => {
    for (let i = 0; i < n; i++) {
      a.push(x);
      b.push(y);
    }
  };
  push(true, false, onlyA);
  push(false, true, onlyB);
  push(true, true, both);
  push(false, false, neither);
  return [a, b];
}

describe('McNemar', () => {
  it('uses the exact binomial test below 25 discordant pairs: b=1, c=9 gives p = 2 * 11/1024', () => {
    // P(X <= 1 | n=10, p=1/2) = (1 + 10) / 1024; two-sided doubles it.
    expect(mcnemar(...pairs(1, 9))).toEqual({ b: 1, c: 9, statistic: 1, pValue: 22 / 1024, method: 'exact' });
    expect(mcnemar(...pairs(12, 12)).pValue).toBe(1);
    expect(mcnemar(...pairs(0, 5)).pValue).toBeCloseTo(2 / 32, 15);
  });

  it('uses chi-square with continuity correction from 25 discordant pairs on', () => {
    // b=10, c=30: (|10 - 30| - 1)^2 / 40 = 9.025; P(chi2_1 >= 9.025) = 0.0026631192591 (scipy.stats.chi2.sf).
    const result = mcnemar(...pairs(10, 30));
    expect(result).toMatchObject({ b: 10, c: 30, method: 'chi-square' });
    expect(result.statistic).toBeCloseTo(9.025, 12);
    expect(result.pValue).toBeCloseTo(0.002663119259138558, 12);
    expect(mcnemar(...pairs(12, 13)).method).toBe('chi-square');
  });

  it('gives p = 1 without discordant pairs, including for no pairs at all', () => {
    expect(mcnemar(...pairs(0, 0))).toEqual({ b: 0, c: 0, statistic: 0, pValue: 1, method: 'exact' });
    expect(mcnemar([], []).pValue).toBe(1);
  });

  it('rejects unpaired input', () => {
    expect(() => mcnemar([true], [true, false])).toThrow(RangeError);
  });
});

describe('chi-square survival, 1 degree of freedom', () => {
  it('matches textbook critical values and scipy', () => {
    expect(chiSquare1Survival(3.841458820694124)).toBeCloseTo(0.05, 14);
    expect(chiSquare1Survival(6.634896601021214)).toBeCloseTo(0.01, 14);
    expect(chiSquare1Survival(1)).toBeCloseTo(0.31731050786291115, 14);
    expect(chiSquare1Survival(0.5)).toBeCloseTo(0.47950012218695337, 14);
    expect(chiSquare1Survival(50) / 1.537459794428033e-12).toBeCloseTo(1, 10);
    expect(chiSquare1Survival(0)).toBe(1);
  });
});

describe('bootstrap CI of the mean', () => {
  const flags = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1];

  it('is deterministic for a seed and changes with it', () => {
    // Continuous values: with 0/1 flags two seeds can land on the same grid of possible means.
    const scores = [0.12, 0.93, 0.55, 0.41, 0.77, 0.08, 0.66, 0.29, 0.84, 0.37];
    expect(bootstrapCI(scores, { seed: 7 })).toEqual(bootstrapCI(scores, { seed: 7 }));
    expect(bootstrapCI(scores, { seed: 7 })).not.toEqual(bootstrapCI(scores, { seed: 8 }));
  });

  it('brackets the mean and is close to the normal-theory interval', () => {
    const [low, high] = bootstrapCI(flags, { seed: 1, resamples: 20000 });
    const m = mean(flags); // 0.7
    const se = Math.sqrt((m * (1 - m)) / flags.length); // 0.1025
    expect(low).toBeLessThan(m);
    expect(high).toBeGreaterThan(m);
    expect(low).toBeCloseTo(m - 1.96 * se, 1);
    expect(high).toBeCloseTo(m + 1.96 * se, 1);
  });

  it('narrows with a lower level', () => {
    const [l95, h95] = bootstrapCI(flags, { seed: 1 });
    const [l50, h50] = bootstrapCI(flags, { seed: 1, level: 0.5 });
    expect(h50 - l50).toBeLessThan(h95 - l95);
  });

  it('handles degenerate inputs', () => {
    expect(bootstrapCI([0.4], { seed: 1 })).toEqual([0.4, 0.4]);
    expect(bootstrapCI([2, 2, 2, 2], { seed: 1 })).toEqual([2, 2]);
    expect(() => bootstrapCI([], { seed: 1 })).toThrow(RangeError);
    expect(() => bootstrapCI([1], { seed: 1, level: 1 })).toThrow(RangeError);
    expect(() => bootstrapCI([1], { seed: 1, resamples: 0 })).toThrow(RangeError);
  });
});

describe('paired bootstrap', () => {
  const a = [1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
  const b = [1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1];

  it('reports mean(b) - mean(a) with a CI and a small p-value for a clear gain', () => {
    const result = pairedBootstrap(a, b, { seed: 3 });
    expect(result.meanDiff).toBeCloseTo(0.5, 12);
    expect(result.ci95[0]).toBeGreaterThan(0.2);
    expect(result.ci95[1]).toBeLessThan(0.8);
    expect(result.pValue).toBeLessThan(0.01);
    expect(result.pValue).toBeGreaterThan(0); // add-one: a bootstrap p-value is never exactly 0
    expect(pairedBootstrap(a, b, { seed: 3 })).toEqual(result);
  });

  it('is symmetric when the runs are swapped', () => {
    const forward = pairedBootstrap(a, b, { seed: 3 });
    const backward = pairedBootstrap(b, a, { seed: 3 });
    expect(backward.meanDiff).toBeCloseTo(-forward.meanDiff, 12);
    expect(backward.pValue).toBeCloseTo(forward.pValue, 12);
  });

  it('gives p = 1 and a zero-width CI for identical runs, and large p for a tiny difference', () => {
    expect(pairedBootstrap(a, a, { seed: 1 })).toEqual({ meanDiff: 0, ci95: [0, 0], pValue: 1 });
    const c = a.slice();
    c[1] = 1;
    expect(pairedBootstrap(a, c, { seed: 1 }).pValue).toBeGreaterThan(0.3);
  });

  it('rejects empty or unpaired input', () => {
    expect(() => pairedBootstrap([], [], { seed: 1 })).toThrow(RangeError);
    expect(() => pairedBootstrap([1], [1, 0], { seed: 1 })).toThrow(RangeError);
  });
});

describe('Wilson interval', () => {
  it('matches Newcombe (1998), Table I, method 3', () => {
    const round = ([l, h]: [number, number]) => [l.toFixed(4), h.toFixed(4)];
    expect(round(wilsonInterval(81, 263))).toEqual(['0.2553', '0.3662']);
    expect(round(wilsonInterval(15, 148))).toEqual(['0.0624', '0.1605']);
    expect(round(wilsonInterval(0, 20))).toEqual(['0.0000', '0.1611']);
    expect(round(wilsonInterval(1, 29))).toEqual(['0.0061', '0.1718']);
  });

  it('is [0, 1] without trials and rejects impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(wilsonInterval(60, 60)[1]).toBe(1);
    expect(wilsonInterval(0, 60)[0]).toBe(0);
  });
});
