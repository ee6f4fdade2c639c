import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { BudgetLedger, estimateMaxCostUsd, withBudget } from '../../src/models/middleware/budget.js';
import { withCache } from '../../src/models/middleware/cache.js';
import { CallCache } from '../../src/models/middleware/cacheStore.js';
import { withMeter } from '../../src/models/middleware/meter.js';
import { Pricer } from '../../src/models/pricing.js';
import type { GenerateRequest, GenerateResponse } from '../../src/models/types.js';
import { delay, FakeModel } from './fakes.js';

// $1 per 1M input tokens, $10 per 1M output tokens: easy arithmetic.
const pricer = new Pricer({ 'test-model': { input: 1, output: 10 } }, { warn: () => {} });
const request = (i: number): GenerateRequest => ({ prompt: `q${i}`.padEnd(100, '.'), maxTokens: 1000 });

/** Uses all of maxTokens and 100 prompt tokens, like a verbose model would. */
function verboseModel(latencyMs = 0): FakeModel {
  return new FakeModel({
    modelName: 'test-model',
    behaviour: async (call) => {
      if (latencyMs) await delay(latencyMs);
      const generate = call.request as GenerateRequest;
      return {
        completions: [{ text: 'x', finishReason: 'length' }],
        usage: { promptTokens: 100, completionTokens: generate.maxTokens ?? 0 },
      } satisfies GenerateResponse;
    },
  });
}

describe('budget middleware', () => {
  it('estimates the worst case: upper-bound prompt tokens and maxTokens x n at the output price', () => {
    const model = verboseModel();
    const single = estimateMaxCostUsd(pricer, model, 'generate', { prompt: 'abcd', maxTokens: 100 });
    const triple = estimateMaxCostUsd(pricer, model, 'generate', { prompt: 'abcd', maxTokens: 100, n: 3 });
    expect(single).toBeGreaterThanOrEqual((4 * 1 + 100 * 10) / 1e6);
    expect(triple - single).toBeCloseTo((200 * 10) / 1e6, 12);
  });

  it('refuses a call that could pass the budget, without sending it', async () => {
    const inner = verboseModel();
    const ledger = new BudgetLedger(0.025); // each call costs 0.0101, reserves a little more
    const model = withBudget(withMeter(inner, { pricer }), { ledger, pricer });
    await model.generate(request(1));
    await model.generate(request(2));
    const refused = await model.generate(request(3)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ModelError);
    expect(refused).toMatchObject({ kind: 'budget' });
    expect((refused as ModelError).message).toMatch(/budget of \$0\.0250 would be exceeded/);
    expect(inner.calls).toHaveLength(2);
    expect(ledger.spentUsd).toBeCloseTo(0.0202, 10);
    expect(ledger.reservedUsd).toBe(0);
  });

  it('never lets concurrent calls together exceed the budget', async () => {
    const inner = verboseModel(10);
    const ledger = new BudgetLedger(0.05);
    const model = withBudget(withMeter(inner, { pricer }), { ledger, pricer });
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => model.generate(request(i))));
    const sent = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected' && (r.reason as ModelError).kind === 'budget').length;
    expect(sent + refused).toBe(30);
    expect(sent).toBeGreaterThan(0);
    expect(inner.calls).toHaveLength(sent);
    expect(ledger.spentUsd).toBeLessThanOrEqual(0.05);
    expect(ledger.reservedUsd).toBe(0);
  });

  it('releases the reservation of a failed call', async () => {
    const inner = new FakeModel({
      modelName: 'test-model',
      behaviour: () => {
        throw new ModelError('server', 'HTTP 500');
      },
    });
    const ledger = new BudgetLedger(1);
    const model = withBudget(withMeter(inner, { pricer }), { ledger, pricer });
    await expect(model.generate(request(1))).rejects.toMatchObject({ kind: 'server' });
    expect(ledger.reservedUsd).toBe(0);
    expect(ledger.spentUsd).toBe(0);
  });

  it('lets cache hits through at no cost even when the budget is spent', async () => {
    const inner = verboseModel();
    const ledger = new BudgetLedger(0.015);
    const cache = new CallCache(':memory:');
    const identity = { provider: 'openai', model: 'test-model' };
    const model = withCache(withBudget(withMeter(inner, { pricer }), { ledger, pricer }), { cache, identity });
    await model.generate(request(1));
    await expect(model.generate(request(2))).rejects.toMatchObject({ kind: 'budget' });
    const hit = await model.generate(request(1));
    expect(hit.meta).toMatchObject({ cached: true, costUsd: 0 });
    expect(inner.calls).toHaveLength(1);
    cache.close();
  });
});
