import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { backendOf, ModelHub, registerProvider } from '../../src/models/hub.js';
import { parseModelSpec } from '../../src/models/spec.js';
import type { CallRecord, GenerateRequest } from '../../src/models/types.js';
import { InputError } from '../../src/util/errors.js';
import { defaultAnswer, delay, FakeModel } from './fakes.js';

const cacheFile = () => join(mkdtempSync(join(tmpdir(), 'apprentice-hub-')), 'cache.sqlite');
const ask = (content: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: 'user', content }],
  maxTokens: 8,
  ...extra,
});

function hubWith(provider: FakeModel, options: ConstructorParameters<typeof ModelHub>[0] = {}) {
  return new ModelHub({ cachePath: ':memory:', warn: () => {}, providers: { openai: () => provider }, ...options });
}

describe('ModelHub', () => {
  it('wraps each spec once and prices real calls', async () => {
    const provider = new FakeModel();
    const hub = hubWith(provider);
    const model = await hub.model('openai:gpt-4o-mini');
    expect(await hub.model(' openai:gpt-4o-mini ')).toBe(model);
    const answer = await model.generate(ask('hi'));
    // gpt-4o-mini: $0.15 / $0.60 per 1M; 10 prompt + 5 completion tokens.
    expect(answer.meta).toMatchObject({ cached: false, attempts: 1 });
    expect(answer.meta!.costUsd).toBeCloseTo((10 * 0.15 + 5 * 0.6) / 1e6, 15);
    await hub.close();
    expect(provider.closed).toBe(true);
    await expect(hub.model('openai:gpt-4o-mini')).rejects.toThrow(/closed/);
  });

  it('shares its SQLite cache across hubs (a resumed run makes no repeated call)', async () => {
    const path = cacheFile();
    const first = new FakeModel();
    const hubA = hubWith(first, { cachePath: path });
    const a = await hubA.model('openai:gpt-4o-mini');
    const original = await a.generate(ask('q', { temperature: 0.7, sampleIndex: 3 }));
    await hubA.close();

    const second = new FakeModel();
    const hubB = hubWith(second, { cachePath: path });
    const b = await hubB.model('openai:gpt-4o-mini');
    const resumed = await b.generate(ask('q', { temperature: 0.7, sampleIndex: 3 }));
    expect(second.calls).toHaveLength(0);
    expect(resumed.completions).toEqual(original.completions);
    expect(resumed.meta).toMatchObject({ cached: true, costUsd: 0, attempts: 0 });
    expect(hubB.usage.snapshot().overall).toMatchObject({ calls: 1, cached: 1, costUsd: 0 });
    await hubB.close();
  });

  it('keeps failures out of the cache, so the next run retries them', async () => {
    const path = cacheFile();
    const failing = new FakeModel({
      behaviour: () => {
        throw new ModelError('bad_request', 'HTTP 400: context too long', { status: 400 });
      },
    });
    const hubA = hubWith(failing, { cachePath: path });
    await expect((await hubA.model('openai:gpt-4o-mini')).generate(ask('q'))).rejects.toMatchObject({ kind: 'bad_request' });
    expect(hubA.usage.snapshot().overall).toMatchObject({ calls: 1, errors: 1, errorsByKind: { bad_request: 1 } });
    await hubA.close();

    const working = new FakeModel();
    const hubB = hubWith(working, { cachePath: path });
    const answer = await (await hubB.model('openai:gpt-4o-mini')).generate(ask('q'));
    expect(answer.meta?.cached).toBe(false);
    expect(working.calls).toHaveLength(1);
    await hubB.close();
  });

  it('does not cache with cachePath "none"', async () => {
    const provider = new FakeModel();
    const hub = hubWith(provider, { cachePath: 'none' });
    const model = await hub.model('openai:gpt-4o-mini');
    await model.generate(ask('q'));
    await model.generate(ask('q'));
    expect(provider.calls).toHaveLength(2);
    expect(hub.cachePath).toBe('none');
    await hub.close();
  });

  it('fans n > 1 out into n cached calls with distinct sample indices when the provider lacks native n', async () => {
    const provider = new FakeModel({ nativeN: false });
    const hub = hubWith(provider);
    const model = await hub.model('openai:gpt-4o-mini');
    const answer = await model.generate(ask('q', { temperature: 1, n: 3 }));
    expect(provider.calls.map((c) => (c.request as GenerateRequest).sampleIndex)).toEqual([0, 1, 2]);
    expect(provider.calls.every((c) => (c.request as GenerateRequest).n === 1)).toBe(true);
    expect(answer.completions.map((c) => c.text)).toEqual(['echo(q)#0.0', 'echo(q)#1.0', 'echo(q)#2.0']);
    expect(answer.usage).toEqual({ promptTokens: 30, completionTokens: 15 });

    const again = await model.generate(ask('q', { temperature: 1, n: 3 }));
    expect(again.meta).toMatchObject({ cached: true, costUsd: 0 });
    const single = await model.generate(ask('q', { temperature: 1 }));
    expect(single.meta?.cached).toBe(true);
    expect(provider.calls).toHaveLength(3);
    await hub.close();
  });

  it('sends n in one call to a provider with native n', async () => {
    const provider = new FakeModel({ nativeN: true });
    const hub = hubWith(provider);
    const answer = await (await hub.model('openai:gpt-4o-mini')).generate(ask('q', { temperature: 1, n: 4 }));
    expect(provider.calls).toHaveLength(1);
    expect(answer.completions).toHaveLength(4);
    await hub.close();
  });

  it('limits concurrency per endpoint across models on it', async () => {
    const inFlight = { now: 0, max: 0 };
    const slow = (modelName: string) =>
      new FakeModel({
        modelName,
        behaviour: async (call) => {
          inFlight.max = Math.max(inFlight.max, ++inFlight.now);
          await delay(5);
          inFlight.now--;
          return defaultAnswer(call);
        },
      });
    const models = { a: slow('a'), b: slow('b') };
    const hub = new ModelHub({
      cachePath: 'none',
      concurrency: 3,
      warn: () => {},
      providers: { openai: (spec) => models[spec.model as 'a' | 'b'] },
    });
    const a = await hub.model('openai:a@http://127.0.0.1:9/v1');
    const b = await hub.model('openai:b@http://127.0.0.1:9/v1');
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).generate(ask(`q${i}`))));
    expect(inFlight.max).toBe(3);
    expect(hub.limiterFor('openai http://127.0.0.1:9/v1').maxInFlight).toBe(3);
    await hub.close();
  });

  it('retries through the stack with injected sleep and reports calls to onCall', async () => {
    const records: CallRecord[] = [];
    const sleeps: number[] = [];
    const provider = new FakeModel({
      behaviour: (call, index) => {
        if (index === 0) throw new ModelError('rate_limit', 'HTTP 429', { status: 429, retryAfterSeconds: 2 });
        return defaultAnswer(call);
      },
    });
    let fakeNow = 0;
    const hub = hubWith(provider, {
      onCall: (r) => records.push(r),
      now: () => fakeNow,
      sleep: async (ms) => {
        sleeps.push(ms);
        fakeNow += ms;
      },
      random: () => 0,
    });
    const answer = await (await hub.model('openai:gpt-4o-mini')).generate(ask('q'));
    expect(answer.meta?.attempts).toBe(2);
    expect(sleeps[0]).toBe(2000);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ spec: 'openai:gpt-4o-mini', kind: 'generate', cached: false, attempts: 2 });
    expect(hub.usage.snapshot().overall.retries).toBe(1);
    await hub.close();
  });

  it('times out slow attempts and reports ModelError("timeout") after the retries', async () => {
    const provider = new FakeModel({ behaviour: () => new Promise(() => {}) });
    const hub = hubWith(provider, { timeoutMs: 20, maxRetries: 1, sleep: async () => {} });
    const error = await (await hub.model('openai:gpt-4o-mini')).generate(ask('q')).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(provider.calls).toHaveLength(2);
    expect(hub.usage.snapshot().overall).toMatchObject({ errors: 1, errorsByKind: { timeout: 1 }, retries: 1 });
    await hub.close();
  });

  it('enforces the budget across the hub', async () => {
    const provider = new FakeModel({ modelName: 'gpt-4o' });
    const hub = hubWith(provider, { budgetUsd: 0.00019 });
    const model = await hub.model('openai:gpt-4o');
    // gpt-4o: reserves 8 output tokens x $10/1M + 18 prompt tokens (bound) x $2.5/1M = $0.000125;
    // the first call really costs $0.000075, so a second would pass $0.00019.
    await model.generate(ask('q1'));
    await expect(model.generate(ask('q2'))).rejects.toMatchObject({ kind: 'budget' });
    expect(provider.calls).toHaveLength(1);
    expect(hub.budget!.spentUsd).toBeLessThanOrEqual(0.00019);
    await hub.close();
  });

  it('names a missing built-in checkpoint folder, and lets a registered factory take precedence', async () => {
    const hub = new ModelHub({ cachePath: ':memory:' });
    const error = await hub.model('builtin:runs/no-such-checkpoint').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('no-such-checkpoint');

    registerProvider('builtin', (spec) => new FakeModel({ spec: spec.spec, provider: 'builtin', modelName: spec.path }));
    const model = await hub.model('builtin:runs/no-such-checkpoint');
    const answer = await model.generate(ask('q'));
    expect(answer.meta?.costUsd).toBe(0);
    await hub.close();
  });

  it('rejects a bad spec with an InputError', async () => {
    const hub = new ModelHub({ cachePath: 'none' });
    await expect(hub.model('gpt-4o')).rejects.toBeInstanceOf(InputError);
    await hub.close();
  });
});

describe('backendOf', () => {
  it('identifies the backend without the API key, with defaults from the environment', () => {
    expect(backendOf(parseModelSpec('openai:gpt-4o'), {})).toEqual({
      identity: { provider: 'openai', model: 'gpt-4o', baseURL: 'https://api.openai.com/v1' },
      endpoint: 'openai https://api.openai.com/v1',
    });
    expect(backendOf(parseModelSpec('openai:m'), { OPENAI_BASE_URL: 'http://localhost:8000/v1/' }).identity?.baseURL).toBe('http://localhost:8000/v1');
    expect(backendOf(parseModelSpec('gguf:x.gguf'), {}).identity?.model).toMatch(/^\/.*x\.gguf$/);
    expect(backendOf(parseModelSpec('replay:calls.jsonl'), {}).identity).toBeUndefined();
  });

  it("fingerprints local weights, so a retrained model does not reuse the old model's cached answers", () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-weights-'));
    writeFileSync(join(dir, 'model.safetensors'), 'weights v1');
    const before = backendOf(parseModelSpec(`builtin:${dir}`), {}).identity?.weights;
    writeFileSync(join(dir, 'model.safetensors'), 'weights v2');
    const after = backendOf(parseModelSpec(`builtin:${dir}`), {}).identity?.weights;
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
    const gguf = join(dir, 'm.gguf');
    writeFileSync(gguf, 'x');
    expect(backendOf(parseModelSpec(`gguf:${gguf}`), {}).identity?.weights).toMatch(/^1:\d+$/);
  });
});
