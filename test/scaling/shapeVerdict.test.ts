/** Which verdicts a number of sizes can support, and the smooth metrics that are not log-probability. */
import { describe, expect, it } from 'vitest';
import { answerEditSimilarity, editDistance } from '../../src/eval/metrics/index.js';
import { analyzeScaling } from '../../src/scaling/analyzeScaling.js';
import { scalingStatistics } from '../../src/scaling/scalingStatistics.js';
import { createRng } from '../../src/util/random.js';

const rows = (scores: number[]) =>
  scores.map((score, i) => ({ model: `m${i}`, params: 10 ** (6 + i), task: 't', metric: 'accuracy', score, random: 0, max: 1 }));

describe('shape verdicts need enough sizes', () => {
  it('with three sizes breakthroughness never exceeds 2, whatever the curve', () => {
    const rng = createRng(1);
    for (let trial = 0; trial < 2000; trial++) {
      const y = [rng.next(), rng.next(), rng.next()].map((v) => 100 * v);
      const outcome = scalingStatistics(y);
      if (outcome.ok) expect(Math.abs(outcome.statistics.breakthroughness)).toBeLessThanOrEqual(2 + 1e-9);
    }
  });

  it('refuses a smooth/emergent verdict at three sizes: a perfect step 10%, 10%, 90% is not called smooth', () => {
    const [analysis] = analyzeScaling(rows([0.1, 0.1, 0.9]));
    expect(analysis!.verdict).toBeNull();
    expect(analysis!.notes.join('\n')).toMatch(/cannot exceed 2.*at least 4 sizes/);
  });

  it('still says flat and inverse at three sizes, which need no shape', () => {
    expect(analyzeScaling(rows([0.02, 0.03, 0.05]))[0]!.verdict).toBe('flat');
    expect(analyzeScaling(rows([0.9, 0.5, 0.1]))[0]!.verdict).toBe('inverse');
  });

  it('at five sizes the same step is emergent and a line is smooth', () => {
    expect(analyzeScaling(rows([0.1, 0.1, 0.1, 0.1, 0.9]))[0]!.verdict).toBe('emergent');
    expect(analyzeScaling(rows([0.1, 0.3, 0.5, 0.7, 0.9]))[0]!.verdict).toBe('smooth');
  });
});

describe('token edit distance of an answer (Schaeffer et al. 2023)', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance([...'kitten'], [...'sitting'])).toBe(3);
    expect(editDistance([], [...'abc'])).toBe(3);
  });

  it('is a similarity in [0, 1] that credits near misses exact match calls wrong', () => {
    expect(answerEditSimilarity('123', '123')).toBe(1);
    expect(answerEditSimilarity('124', '123')).toBeCloseTo(2 / 3, 12);
    expect(answerEditSimilarity('9', '123')).toBe(0);
    expect(answerEditSimilarity(null, '123')).toBe(0);
    expect(answerEditSimilarity('( 3 + 4 )', '(3+4)')).toBe(1);
  });
});
