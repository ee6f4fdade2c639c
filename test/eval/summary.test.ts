import { describe, expect, it } from 'vitest';
import type { ExampleRecord } from '../../src/eval/records.js';
import { wilsonInterval } from '../../src/eval/stats.js';
import { summarizeRecords } from '../../src/eval/summary.js';

function record(index: number, fields: Partial<ExampleRecord> = {}): ExampleRecord {
  return {
    index,
    id: `x-${index}`,
    prompt: null,
    output: 'a',
    extracted: 'a',
    gold: 'a',
    valid: true,
    correct: true,
    usage: { promptTokens: 10, completionTokens: 2 },
    costUsd: 0.001,
    latencyMs: 100 + index,
    cached: false,
    ...fields,
  };
}

describe('summarizeRecords', () => {
  it('scores answered examples only: invalid answers count as wrong, failed calls and missing examples are counted apart', () => {
    const records = [
      record(0),
      record(1, { correct: false, valid: false, extracted: null, invalidReason: 'no label' }),
      record(2, { correct: false, extracted: 'b' }),
      record(3, { correct: null, output: null, extracted: null, error: { kind: 'rate_limit', message: '429' }, costUsd: 0 }),
    ];
    const summary = summarizeRecords(records, 6);
    expect(summary).toMatchObject({ n: 6, scored: 3, correct: 1, invalid: 1, errors: 1, errorsByKind: { rate_limit: 1 }, missing: 2 });
    expect(summary.accuracy).toBeCloseTo(1 / 3, 12);
    expect(summary.usage).toEqual({ promptTokens: 40, completionTokens: 8, costUsd: 0.003 });
    expect(summary.costPerExampleUsd).toBeCloseTo(0.001, 12);
    expect(summary.costPerCorrectUsd).toBeCloseTo(0.003, 12);
  });

  it('gives accuracy the Wilson interval, which keeps its width at 0% and 100%', () => {
    const none = summarizeRecords(
      Array.from({ length: 40 }, (_, i) => record(i, { correct: false })),
      40,
    );
    expect(none.accuracy).toBe(0);
    expect(none.ci95).toEqual(wilsonInterval(0, 40));
    expect(none.ci95![1]).toBeGreaterThan(0.08);
    const all = summarizeRecords(
      Array.from({ length: 40 }, (_, i) => record(i)),
      40,
    );
    expect(all.ci95![0]).toBeLessThan(0.92);
    expect(all.ci95![1]).toBe(1);
  });

  it('has no accuracy or interval before anything is scored', () => {
    const summary = summarizeRecords([record(0, { correct: null, error: { kind: 'timeout', message: 'slow' } })], 1);
    expect(summary).toMatchObject({ scored: 0, accuracy: null, ci95: null, costPerExampleUsd: null, costPerCorrectUsd: null });
  });

  it('averages smooth scores with a seeded bootstrap interval, skipping lists and non-finite values', () => {
    const records = [0, 1, 2, 3].map((i) => record(i, { scores: { bleu: i / 4, optionLogprobs: [-1, -2], targetLogprob: i === 3 ? -Infinity : -i } }));
    const first = summarizeRecords(records, 4, 7);
    expect(first.metrics.bleu).toMatchObject({ mean: 0.375, n: 4 });
    expect(first.metrics.targetLogprob).toMatchObject({ mean: -1, n: 3 });
    expect(first.metrics.optionLogprobs).toBeUndefined();
    const [low, high] = first.metrics.bleu!.ci95;
    expect(low).toBeLessThanOrEqual(0.375);
    expect(high).toBeGreaterThanOrEqual(0.375);
    expect(summarizeRecords(records, 4, 7).metrics).toEqual(first.metrics);
  });

  it('takes latency from fresh answered calls only (not cached ones, not predictions scored without a call)', () => {
    const records = [record(0, { latencyMs: 10 }), record(1, { latencyMs: 30 }), record(2, { latencyMs: 999, cached: true }), record(3, { latencyMs: 0 })];
    const summary = summarizeRecords(records, 4);
    expect(summary.cachedCalls).toBe(1);
    expect(summary.latencyMs).toEqual({ mean: 20, p50: 10, p95: 30 });
  });
});
