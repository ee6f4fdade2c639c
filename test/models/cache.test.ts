import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { withCache } from '../../src/models/middleware/cache.js';
import { CallCache, defaultCachePath } from '../../src/models/middleware/cacheStore.js';
import { withMeta } from '../../src/models/core/meta.js';
import type { GenerateRequest } from '../../src/models/types.js';
import { InputError } from '../../src/util/errors.js';
import { defaultAnswer, delay, FakeModel, settle } from './fakes.js';

const identity = { provider: 'openai', model: 'gpt-4o-mini', baseURL: 'http://127.0.0.1:1/v1' };
const request: GenerateRequest = { messages: [{ role: 'user', content: 'Q1' }], maxTokens: 8 };
const caches: CallCache[] = [];

function openCache(path = ':memory:'): CallCache {
  const cache = new CallCache(path);
  caches.push(cache);
  return cache;
}

afterEach(() => {
  for (const cache of caches.splice(0)) cache.close();
});

/** A fake provider whose responses carry meta the way the meter layer sets it. */
function pricedFake(): FakeModel {
  return new FakeModel({
    behaviour: (call) => withMeta(defaultAnswer(call), { cached: false, costUsd: 0.25, latencyMs: 40, attempts: 2 }),
  });
}

describe('cache middleware', () => {
  it('answers a repeated call from the cache at no cost, without calling the provider', async () => {
    const inner = pricedFake();
    const model = withCache(inner, { cache: openCache(), identity });
    const first = await model.generate(request);
    const second = await model.generate(request);
    expect(inner.calls).toHaveLength(1);
    expect(first.meta).toMatchObject({ cached: false, costUsd: 0.25, attempts: 2 });
    expect(second.meta).toMatchObject({ cached: true, costUsd: 0, attempts: 0 });
    expect(second.meta!.latencyMs).toBeLessThan(50);
    expect(second.completions).toEqual(first.completions);
    expect(second.usage).toEqual(first.usage);
  });

  it('keeps sample indices, temperatures and stop strings apart', async () => {
    const inner = pricedFake();
    const model = withCache(inner, { cache: openCache(), identity });
    const variants: GenerateRequest[] = [
      request,
      { ...request, sampleIndex: 1 },
      { ...request, sampleIndex: 2, temperature: 0.8 },
      { ...request, temperature: 0.8 },
      { ...request, stop: ['\n'] },
    ];
    for (const variant of variants) await model.generate(variant);
    for (const variant of variants) await model.generate(variant);
    expect(inner.calls).toHaveLength(variants.length);
    const again = await model.generate({ ...request, sampleIndex: 1 });
    expect(again.completions[0]!.text).toBe('echo(Q1)#1.0');
  });

  it('never caches a failure: the next call goes to the provider again', async () => {
    const inner = new FakeModel({
      behaviour: (call, index) => {
        if (index === 0) throw new ModelError('server', 'HTTP 500', { status: 500 });
        return defaultAnswer(call);
      },
    });
    const cache = openCache();
    const model = withCache(inner, { cache, identity });
    await expect(model.generate(request)).rejects.toMatchObject({ kind: 'server' });
    await settle();
    expect(cache.size()).toBe(0);
    const answer = await model.generate(request);
    expect(answer.completions[0]!.text).toBe('echo(Q1)#0.0');
    expect(inner.calls).toHaveLength(2);
  });

  it('shares one provider call among identical calls in flight', async () => {
    const inner = new FakeModel({
      behaviour: async (call) => {
        await delay(20);
        return defaultAnswer(call);
      },
    });
    const model = withCache(inner, { cache: openCache(), identity });
    const answers = await Promise.all([model.generate(request), model.generate(request), model.generate(request)]);
    expect(inner.calls).toHaveLength(1);
    expect(answers.map((a) => a.meta?.cached ?? false)).toEqual([false, true, true]);
    expect(new Set(answers.map((a) => a.completions[0]!.text)).size).toBe(1);
  });

  it('has an answer on disk before the caller sees it, for other processes and for a run killed right after', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'apprentice-cache-')), 'nested', 'cache.sqlite');
    const inner = pricedFake();
    const writer = openCache(path);
    const model = withCache(inner, { cache: writer, identity });
    await model.generate(request);

    const reader = openCache(path);
    const other = new FakeModel();
    const reopened = withCache(other, { cache: reader, identity });
    const answer = await reopened.generate(request);
    expect(other.calls).toHaveLength(0);
    expect(answer.meta?.cached).toBe(true);
    expect(reader.get('no such key')).toBeUndefined();
    expect(reader.size()).toBe(1);
  });

  it('stores the spec, cost and time of the original call, and flushes queued writes on close', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'apprentice-cache-')), 'cache.sqlite');
    const cache = new CallCache(path);
    const response = { completions: [{ text: 'x', finishReason: 'stop' as const }], usage: { promptTokens: 1, completionTokens: 1 } };
    cache.put('k', { spec: 'openai:m', kind: 'generate', response, costUsd: 0.5, createdAt: 1234 });
    cache.close();
    const reopened = openCache(path);
    expect(reopened.get('k')).toEqual({ spec: 'openai:m', kind: 'generate', response, costUsd: 0.5, createdAt: 1234 });
  });

  it('reports an unusable cache path as an InputError naming it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apprentice-cache-')), 'a-file');
    writeFileSync(file, 'not a directory');
    const path = join(file, 'cache.sqlite');
    expect(() => new CallCache(path)).toThrow(InputError);
    expect(() => new CallCache(path)).toThrow(new RegExp(`${path}.*--cache none`));
    expect(() => new CallCache(file)).toThrow(/cannot open the call cache/);
  });

  it('defaults to $APPRENTICE_CACHE, else ~/.cache/apprentice/cache.sqlite', () => {
    expect(defaultCachePath({ APPRENTICE_CACHE: '/tmp/x.sqlite' })).toBe('/tmp/x.sqlite');
    expect(defaultCachePath({})).toMatch(/\.cache\/apprentice\/cache\.sqlite$/);
  });

  it('is shared by two processes writing the same file at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-cache-'));
    const path = join(dir, 'shared.sqlite');
    const store = fileURLToPath(new URL('../../src/models/middleware/cacheStore.ts', import.meta.url));
    const script = join(dir, 'writer.mts');
    writeFileSync(
      script,
      `import { CallCache } from ${JSON.stringify(store)};
const [path, tag] = process.argv.slice(2);
const cache = new CallCache(path);
const response = { completions: [{ text: tag, finishReason: 'stop' }], usage: { promptTokens: 1, completionTokens: 1 } };
for (let i = 0; i < 300; i++) {
  cache.put(tag + i, { spec: 'openai:m', kind: 'generate', response, costUsd: 0, createdAt: Date.now() });
  cache.flush();
  if (!cache.get(tag + Math.floor(i / 2))) throw new Error('lost ' + tag + i);
}
cache.close();
`,
    );
    const run = promisify(execFile);
    await Promise.all(['a', 'b'].map((tag) => run(process.execPath, ['--import', 'tsx', script, path, tag], { cwd: process.cwd() })));
    const cache = openCache(path);
    expect(cache.size()).toBe(600);
    expect(cache.get('b299')?.response).toMatchObject({ completions: [{ text: 'b' }] });
  });
});
