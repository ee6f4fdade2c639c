import { describe, expect, it } from 'vitest';
import { accuracyGate, regressionGate } from '../../src/eval/gates.js';

describe('CI gates', () => {
  it('accuracy gate: passes at the threshold, fails below it and when nothing was scored', () => {
    expect(accuracyGate({ accuracy: 0.8, scored: 10 }, 0.8).passed).toBe(true);
    expect(accuracyGate({ accuracy: 0.79, scored: 100 }, 0.8)).toMatchObject({
      passed: false,
      message: 'accuracy 79.0% on 100 scored examples is below 80.0%',
    });
    expect(accuracyGate({ accuracy: null, scored: 0 }, 0.1).passed).toBe(false);
  });

  it('regression gate: fails only when B is worse and the difference is significant at alpha', () => {
    const worse = { paired: 200, difference: { mean: -0.1, ci95: [-0.15, -0.05] as [number, number], pValue: 0.001 } };
    expect(regressionGate(worse, 0.05).passed).toBe(false);
    expect(regressionGate(worse, 0.0005).passed).toBe(true);
    expect(regressionGate({ ...worse, difference: { ...worse.difference, mean: 0.1 } }, 0.05).passed).toBe(true);
    expect(regressionGate({ ...worse, difference: { ...worse.difference, pValue: 0.2 } }, 0.05).passed).toBe(true);
    expect(regressionGate({ paired: 0, difference: null }, 0.05).passed).toBe(false);
  });
});
