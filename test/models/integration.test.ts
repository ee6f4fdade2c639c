/**
 * The whole model layer against a real loopback OpenAI-compatible server, through the real
 * OpenAI provider: limits, Retry-After, timeouts, malformed answers, caching, record/replay.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelHub, type ModelHubOptions } from '../../src/models/hub.js';
import type { GenerateRequest } from '../../src/models/types.js';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIServerOptions } from '../support/fakeOpenAIServer.js';
import { cleanupAfterEach } from '../support/cleanup.js';

const ask = (content: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: 'user', content }],
  maxTokens: 16,
  ...extra,
});
const tempDir = () => mkdtempSync(join(tmpdir(), 'apprentice-integration-'));

const defer = cleanupAfterEach();

async function setup(serverOptions: FakeOpenAIServerOptions, hubOptions: ModelHubOptions = {}) {
  const server: FakeOpenAIServer = await startFakeOpenAIServer(serverOptions);
  defer(() => server.close());
  const hub = new ModelHub({ cachePath: join(tempDir(), 'cache.sqlite'), apiKey: 'test', warn: () => {}, ...hubOptions });
  defer(() => hub.close());
  const model = await hub.model(`openai:fake-model@${server.url}`);
  return { server, hub, model };
}

describe('model layer against a real OpenAI-compatible server', () => {
  it('keeps to the concurrency limit and answers repeats from the cache', async () => {
    const { server, hub, model } = await setup({ latencyMs: 20 }, { concurrency: 4 });
    const questions = Array.from({ length: 24 }, (_, i) => ask(`question ${i}`));
    const first = await Promise.all(questions.map((q) => model.generate(q)));
    expect(server.requests).toHaveLength(24);
    expect(server.maxInFlight).toBe(4);
    expect(first.every((a) => a.completions[0]!.text.length > 0 && a.meta?.cached === false)).toBe(true);

    const second = await Promise.all(questions.map((q) => model.generate(q)));
    expect(server.requests).toHaveLength(24);
    expect(second.map((a) => a.completions[0]!.text)).toEqual(first.map((a) => a.completions[0]!.text));
    expect(hub.usage.snapshot().overall).toMatchObject({ calls: 48, cached: 24, errors: 0 });
  });

  it('pauses the whole endpoint after a 429 with Retry-After', async () => {
    const { server, model } = await setup({ fault: (info) => (info.index === 0 ? { kind: 'rate_limit', retryAfterMs: 400 } : undefined) }, { concurrency: 8 });
    const first = model.generate(ask('first'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const later = [model.generate(ask('second')), model.generate(ask('third'))];
    const answers = await Promise.all([first, ...later]);
    expect(answers[0]!.meta?.attempts).toBe(2);
    const start = server.requests[0]!.receivedAt;
    const after = server.requests.slice(1).map((r) => r.receivedAt - start);
    expect(after).toHaveLength(3);
    // Calls made during the pause wait for it too, not only the one that was refused.
    expect(Math.min(...after)).toBeGreaterThanOrEqual(350);
  });

  it('times out a hanging request and retries it', async () => {
    const { server, model } = await setup({ fault: (info) => (info.index === 0 ? { kind: 'hang' } : undefined) }, { timeoutMs: 300, maxRetries: 2 });
    const answer = await model.generate(ask('slow'));
    expect(answer.meta?.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  it('retries malformed answers and reports persistent ones as bad_response, never as an answer', async () => {
    const { model, hub } = await setup(
      { fault: (info) => (info.body?.messages?.[0]?.content === 'broken' ? { kind: 'missing_fields' } : info.index === 0 ? { kind: 'malformed' } : undefined) },
      { maxRetries: 1, sleep: async () => {} },
    );
    expect((await model.generate(ask('fine'))).meta?.attempts).toBe(2);
    await expect(model.generate(ask('broken'))).rejects.toMatchObject({ kind: 'bad_response' });
    // The failure was not cached: asking again reaches the server again.
    await expect(model.generate(ask('broken'))).rejects.toMatchObject({ kind: 'bad_response' });
    expect(hub.usage.snapshot().overall.errorsByKind).toEqual({ bad_response: 2 });
  });

  it('records a run that replays offline after the server is gone', async () => {
    const recordPath = join(tempDir(), 'run.jsonl');
    const { server, model, hub } = await setup({}, { recordPath, cachePath: 'none' });
    const live = await Promise.all([model.generate(ask('a')), model.generate(ask('b', { temperature: 0.8, n: 2 }))]);
    await hub.close();
    await server.close();

    const offline = new ModelHub({ cachePath: 'none', warn: () => {} });
    defer(() => offline.close());
    const replay = await offline.model(`replay:${recordPath}`);
    const replayed = await Promise.all([replay.generate(ask('a')), replay.generate(ask('b', { temperature: 0.8, n: 2 }))]);
    expect(replayed.map((r) => r.completions)).toEqual(live.map((r) => r.completions));
    expect(offline.usage.snapshot().overall.costUsd).toBe(0);
  });
});
