import { describe, expect, it } from 'vitest';
import { UsageTracker, type TrackedCall } from '../../src/models/usage.js';

const call = (overrides: Partial<TrackedCall>): TrackedCall => ({
  spec: 'openai:gpt-4o-mini',
  kind: 'generate',
  cached: false,
  usage: { promptTokens: 10, completionTokens: 5 },
  costUsd: 0.001,
  latencyMs: 20,
  attempts: 1,
  ...overrides,
});

describe('UsageTracker', () => {
  it('totals calls per spec and overall, with errors by kind and retries', () => {
    const tracker = new UsageTracker();
    tracker.record(call({}));
    tracker.record(call({ attempts: 3 }));
    tracker.record(call({ cached: true, costUsd: 0, attempts: 0 }));
    tracker.record(
      call({
        spec: 'anthropic:claude',
        usage: { promptTokens: 0, completionTokens: 0 },
        costUsd: 0,
        attempts: 5,
        error: 'timeout: slow',
        errorKind: 'timeout',
      }),
    );
    tracker.record(
      call({ spec: 'anthropic:claude', usage: { promptTokens: 0, completionTokens: 0 }, costUsd: 0, attempts: 1, error: 'auth: no', errorKind: 'auth' }),
    );

    const { overall, bySpec } = tracker.snapshot();
    expect(overall).toMatchObject({
      calls: 5,
      cached: 1,
      errors: 2,
      errorsByKind: { timeout: 1, auth: 1 },
      promptTokens: 30,
      completionTokens: 15,
      retries: 6,
    });
    expect(overall.costUsd).toBeCloseTo(0.002, 10);
    expect(bySpec['openai:gpt-4o-mini']).toMatchObject({ calls: 3, cached: 1, errors: 0, retries: 2 });
    expect(bySpec['anthropic:claude']).toMatchObject({ calls: 2, errors: 2, retries: 4 });
  });

  it('returns snapshots that do not change afterwards, and notifies listeners until unsubscribed', () => {
    const tracker = new UsageTracker();
    const seen: TrackedCall[] = [];
    const stop = tracker.onCall((record) => seen.push(record));
    tracker.onCall(() => {
      throw new Error('a broken progress bar');
    });
    tracker.record(call({ errorKind: 'server', error: 'server: 500' }));
    const before = tracker.snapshot();
    stop();
    tracker.record(call({}));
    expect(seen).toHaveLength(1);
    expect(before.overall.calls).toBe(1);
    expect(before.overall.errorsByKind).toEqual({ server: 1 });
    expect(tracker.snapshot().overall.calls).toBe(2);
  });
});
