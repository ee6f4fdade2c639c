/**
 * Streamed generations through the whole ModelHub stack (fan-out, usage, cache, budget, meter, retry,
 * limiter, timeout), with a scripted streaming provider.
 */
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { ModelHub, type ModelHubOptions } from '../../src/models/hub.js';
import { StreamInterruptedError } from '../../src/models/middleware/wrap.js';
import type { CallOptions, GenerateRequest, GenerateResponse, GenerateStreamEvent, LanguageModel } from '../../src/models/types.js';

interface Script {
  /** Thrown before any text, per attempt (undefined = no failure). */
  failBefore?: (attempt: number) => ModelError | undefined;
  /** Thrown after this many pieces. */
  failAfter?: number;
  pieces?: string[];
  delayMs?: number;
}

function streamingProvider(script: Script = {}) {
  const state = { attempts: 0, signals: [] as AbortSignal[], streamCalls: 0, generateCalls: 0 };
  const pieces = script.pieces ?? ['Hel', 'lo', ', ', 'world'];
  const response = (): GenerateResponse => ({
    completions: [{ text: pieces.join(''), finishReason: 'stop' }],
    usage: { promptTokens: 4, completionTokens: pieces.length },
  });
  const model: LanguageModel = {
    spec: 'openai:fake',
    provider: 'openai',
    modelName: 'fake',
    capabilities: { generate: true, logprob: false, embed: false, nativeN: false },
    generate: async () => {
      state.generateCalls++;
      return response();
    },
    logprob: () => Promise.reject(new ModelError('unsupported', 'no')),
    embed: () => Promise.reject(new ModelError('unsupported', 'no')),
    async *generateStream(_request: GenerateRequest, options?: CallOptions): AsyncGenerator<GenerateStreamEvent> {
      state.streamCalls++;
      const attempt = ++state.attempts;
      if (options?.signal) state.signals.push(options.signal);
      const before = script.failBefore?.(attempt);
      if (before) throw before;
      for (const [i, text] of pieces.entries()) {
        if (script.failAfter === i) throw new ModelError('server', 'the connection dropped mid-stream', { status: 500 });
        await new Promise((resolve) => setTimeout(resolve, script.delayMs ?? 1));
        if (options?.signal?.aborted) throw new ModelError('aborted', 'aborted');
        yield { type: 'text', text };
      }
      yield { type: 'done', response: response() };
    },
  };
  return { model, state };
}

function hubWith(provider: LanguageModel, options: ModelHubOptions = {}) {
  return new ModelHub({
    cachePath: ':memory:',
    warn: () => {},
    sleep: async () => {},
    random: () => 0,
    providers: { openai: () => provider },
    ...options,
  });
}

async function collect(stream: AsyncIterable<GenerateStreamEvent>) {
  const texts: string[] = [];
  let done: GenerateResponse | undefined;
  for await (const event of stream) {
    if (event.type === 'text') texts.push(event.text);
    else done = event.response;
  }
  return { texts, done };
}

const REQUEST: GenerateRequest = { messages: [{ role: 'user', content: 'hi' }], maxTokens: 8 };

describe('streamed generation through the ModelHub stack', () => {
  it('passes the text on piece by piece, holds a limiter slot for the whole stream and is accounted', async () => {
    const { model: provider } = streamingProvider({ delayMs: 5 });
    const hub = hubWith(provider);
    const model = await hub.model('openai:fake');
    const limiter = hub.limiterFor('openai https://api.openai.com/v1');
    const inFlight: number[] = [];
    const texts: string[] = [];
    let done: GenerateResponse | undefined;
    for await (const event of model.generateStream!(REQUEST)) {
      inFlight.push(limiter.inFlight);
      if (event.type === 'text') texts.push(event.text);
      else done = event.response;
    }
    expect(texts).toEqual(['Hel', 'lo', ', ', 'world']);
    // While the provider is still generating, its call holds a slot (the last piece arrives with the end).
    expect(inFlight.slice(0, 3)).toEqual([1, 1, 1]);
    expect(limiter.inFlight).toBe(0);
    expect(done?.completions[0]?.text).toBe('Hello, world');
    expect(done?.meta).toMatchObject({ cached: false, attempts: 1 });
    expect(hub.usage.snapshot().overall).toMatchObject({ calls: 1, promptTokens: 4, completionTokens: 4, errors: 0 });
    await hub.close();
  });

  it('answers a repeated request from the cache, as one piece, for streamed and plain calls alike', async () => {
    const { model: provider, state } = streamingProvider();
    const hub = hubWith(provider);
    const model = await hub.model('openai:fake');
    await collect(model.generateStream!(REQUEST));
    const again = await collect(model.generateStream!(REQUEST));
    expect(again.texts).toEqual(['Hello, world']);
    expect(again.done?.meta?.cached).toBe(true);
    expect((await model.generate(REQUEST)).meta?.cached).toBe(true);
    expect(state.streamCalls).toBe(1);
    expect(state.generateCalls).toBe(0);
    await hub.close();
  });

  it('retries a stream that failed before any text, never one that failed after', async () => {
    const flaky = streamingProvider({ failBefore: (attempt) => (attempt === 1 ? new ModelError('rate_limit', '429') : undefined) });
    const hub = hubWith(flaky.model, { cachePath: 'none' });
    const result = await collect((await hub.model('openai:fake')).generateStream!(REQUEST));
    expect(result.texts.join('')).toBe('Hello, world');
    expect(result.done?.meta?.attempts).toBe(2);
    await hub.close();

    const broken = streamingProvider({ failAfter: 2 });
    const hub2 = hubWith(broken.model, { cachePath: 'none' });
    const texts: string[] = [];
    const error = await (async () => {
      try {
        for await (const event of (await hub2.model('openai:fake')).generateStream!(REQUEST)) {
          if (event.type === 'text') texts.push(event.text);
        }
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(texts).toEqual(['Hel', 'lo']);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({ kind: 'server', retryable: false });
    expect(broken.state.attempts).toBe(1);
    expect(hub2.usage.snapshot().overall.errorsByKind).toEqual({ server: 1 });
    await hub2.close();
  });

  it('aborts the provider when the consumer leaves early or the caller aborts', async () => {
    const { model: provider, state } = streamingProvider({ pieces: Array.from({ length: 50 }, (_, i) => `${i} `), delayMs: 2 });
    const hub = hubWith(provider, { cachePath: 'none' });
    const model = await hub.model('openai:fake');
    for await (const event of model.generateStream!(REQUEST)) {
      if (event.type === 'text') break;
    }
    await expect.poll(() => state.signals[0]?.aborted).toBe(true);
    await expect.poll(() => hub.usage.snapshot().overall.errorsByKind.aborted).toBe(1);

    const controller = new AbortController();
    const run = collect(model.generateStream!({ ...REQUEST, maxTokens: 9 }, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 10);
    await expect(run).rejects.toMatchObject({ kind: 'aborted' });
    expect(state.signals[1]?.aborted).toBe(true);
    expect(hub.limiterFor('openai https://api.openai.com/v1').inFlight).toBe(0);
    await hub.close();
  });

  it('refuses n > 1 and is absent when the provider cannot stream', async () => {
    const { model: provider } = streamingProvider();
    const hub = hubWith(provider);
    const model = await hub.model('openai:fake');
    await expect(collect(model.generateStream!({ ...REQUEST, n: 2 }))).rejects.toMatchObject({ kind: 'bad_request' });
    await hub.close();

    const { generateStream: _omit, ...plain } = provider;
    const hub2 = hubWith(plain as LanguageModel);
    expect((await hub2.model('openai:fake')).generateStream).toBeUndefined();
    await hub2.close();
  });
});
