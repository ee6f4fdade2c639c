/**
 * The OpenAI provider against a real loopback OpenAI-compatible server (no middleware): request
 * mapping, native n, stop strings, logprobs, continuation scoring via echo, embeddings, and every
 * failure mapped to the right ModelError kind.
 */
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { parseRetryAfter } from '../../src/models/providers/httpErrors.js';
import { createOpenAIModel, renderMessages } from '../../src/models/providers/openai.js';
import type { GenerateRequest, LanguageModel } from '../../src/models/types.js';
import { InputError } from '../../src/util/errors.js';
import {
  fakeEmbedding,
  fakeLogprob,
  startFakeOpenAIServer,
  type FakeOpenAIServer,
  type FakeOpenAIServerOptions,
  type Fault,
} from '../support/fakeOpenAIServer.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { modelErrorOf as failure } from '../support/modelError.js';

const defer = cleanupAfterEach();

async function setup(options: FakeOpenAIServerOptions = {}): Promise<{ server: FakeOpenAIServer; model: LanguageModel }> {
  const server = await startFakeOpenAIServer(options);
  defer(() => server.close());
  const model = createOpenAIModel({ spec: `openai:fake@${server.url}`, model: 'fake', baseURL: server.url, apiKey: 'sk-test', env: {} });
  return { server, model };
}

const ask = (content: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('OpenAI provider: generate', () => {
  it('sends the sampling parameters and reads text, finish reason and usage', async () => {
    const { server, model } = await setup();
    const answer = await model.generate({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
      temperature: 0,
      topP: 0.9,
      maxTokens: 32,
      seed: 7,
    });
    expect(answer.completions).toEqual([{ text: 'echo: hello there', finishReason: 'stop' }]);
    expect(answer.usage).toEqual({ promptTokens: 4, completionTokens: 3 });
    const body = server.requests[0]!.body;
    expect(server.requests[0]!.path).toBe('/v1/chat/completions');
    expect(body).toMatchObject({ model: 'fake', temperature: 0, top_p: 0.9, max_tokens: 32, seed: 7 });
    expect(body.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello there' },
    ]);
    expect(body).not.toHaveProperty('n');
    expect(body).not.toHaveProperty('stop');
    expect(body).not.toHaveProperty('logprobs');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test');
  });

  it('turns a raw prompt into one user message', async () => {
    const { server, model } = await setup();
    const answer = await model.generate({ prompt: 'raw text' });
    expect(answer.completions[0]!.text).toBe('echo: raw text');
    expect(server.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'raw text' }]);
  });

  it('returns n completions from one call, in index order', async () => {
    const { server, model } = await setup();
    expect(model.capabilities).toEqual({ generate: true, logprob: true, embed: true, nativeN: true });
    const answer = await model.generate(ask('pick', { n: 3, temperature: 0.8 }));
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.n).toBe(3);
    expect(answer.completions.map((c) => c.text)).toEqual(['echo: pick (sample 0)', 'echo: pick (sample 1)', 'echo: pick (sample 2)']);
    expect(answer.usage.completionTokens).toBe(12);
  });

  it('honours stop strings and max tokens', async () => {
    const { server, model } = await setup();
    const stopped = await model.generate(ask('one. two. three', { stop: ['.', 'xyz'] }));
    expect(server.requests[0]!.body.stop).toEqual(['.', 'xyz']);
    expect(stopped.completions[0]).toEqual({ text: 'echo: one', finishReason: 'stop' });
    const cut = await model.generate(ask('a b c d e f', { maxTokens: 3 }));
    expect(cut.completions[0]).toEqual({ text: 'echo: a b', finishReason: 'length' });
  });

  it('returns per-token logprobs when asked', async () => {
    const { server, model } = await setup();
    const answer = await model.generate(ask('tell me', { logprobs: true }));
    expect(server.requests[0]!.body.logprobs).toBe(true);
    expect(answer.completions[0]!.logprobs).toEqual(['echo:', ' tell', ' me'].map((token) => ({ token, logprob: fakeLogprob(token) })));
    const plain = await model.generate(ask('tell me'));
    expect(plain.completions[0]!.logprobs).toBeUndefined();
  });
});

describe('OpenAI provider: logprob of a continuation (echo)', () => {
  it('sums the continuation tokens of a raw prompt', async () => {
    const { server, model } = await setup();
    const result = await model.logprob({ prompt: 'The capital of France is', continuation: ' paris, of course' });
    expect(server.requests[0]!.path).toBe('/v1/completions');
    expect(server.requests[0]!.body).toMatchObject({ prompt: 'The capital of France is paris, of course', echo: true, logprobs: 1, max_tokens: 0 });
    expect(result.tokenCount).toBe(3);
    expect(result.logprob).toBeCloseTo(fakeLogprob(' paris,') + fakeLogprob(' of') + fakeLogprob(' course'), 10);
    expect(result.isGreedy).toBe(true);
    expect(result.usage.completionTokens).toBe(0);
  });

  it('reports a continuation the model would not choose greedily', async () => {
    const { model } = await setup();
    const result = await model.logprob({ prompt: 'The capital of France is', continuation: ' Paris' });
    expect(result).toMatchObject({ tokenCount: 1, isGreedy: false });
    expect(result.logprob).toBeCloseTo(fakeLogprob(' Paris'), 10);
  });

  it('renders chat messages as text and counts a token straddling the boundary', async () => {
    const { server, model } = await setup();
    const messages = [
      { role: 'system' as const, content: 'Answer yes or no.' },
      { role: 'user' as const, content: 'Is it?' },
    ];
    const result = await model.logprob({ messages, continuation: 'yes' });
    expect(server.requests[0]!.body.prompt).toBe(`${renderMessages(messages)}yes`);
    expect(renderMessages(messages)).toBe('System: Answer yes or no.\n\nUser: Is it?\n\nAssistant: ');
    // "Assistant: yes" tokenizes as "\n\nAssistant:" + " yes": the space belongs to the continuation's token.
    expect(result.tokenCount).toBe(1);
    expect(result.logprob).toBeCloseTo(fakeLogprob(' yes'), 10);
  });

  it('is unsupported when the server has no completions endpoint', async () => {
    const { model } = await setup({ completions: false });
    const error = await failure(model.logprob({ prompt: 'x', continuation: ' y' }));
    expect(error.kind).toBe('unsupported');
    expect(error.message).toMatch(/echo with logprobs/);
  });

  it('is unsupported when the server refuses echo with logprobs', async () => {
    const { model } = await setup({
      fault: () => ({ kind: 'status', status: 400, message: 'echo is not supported with logprobs' }),
    });
    const error = await failure(model.logprob({ prompt: 'x', continuation: ' y' }));
    expect(error.kind).toBe('unsupported');
    expect(error.message).toMatch(/echo is not supported/);
  });

  it('still reports retryable failures as such', async () => {
    const { model } = await setup({ fault: () => ({ kind: 'server' }) });
    expect((await failure(model.logprob({ prompt: 'x', continuation: ' y' }))).kind).toBe('server');
  });
});

describe('OpenAI provider: embed', () => {
  it('returns the vectors in input order (whatever order the server lists them in)', async () => {
    const { server, model } = await setup();
    const texts = ['first text', 'second', 'third one here'];
    const result = await model.embed({ texts });
    expect(server.requests[0]!.body).toMatchObject({ model: 'fake', input: texts, encoding_format: 'float' });
    expect(result.vectors).toEqual(texts.map(fakeEmbedding));
    expect(result.usage).toEqual({ promptTokens: 6, completionTokens: 0 });
  });

  it('answers an empty batch without a call', async () => {
    const { server, model } = await setup();
    expect((await model.embed({ texts: [] })).vectors).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('rejects a response without the embeddings', async () => {
    const { model } = await setup({ fault: () => ({ kind: 'missing_fields' }) });
    expect((await failure(model.embed({ texts: ['a'] }))).kind).toBe('bad_response');
  });
});

describe('OpenAI provider: failures', () => {
  const cases: Array<[string, Fault, Partial<ModelError>]> = [
    ['429 with retry-after-ms', { kind: 'rate_limit', retryAfterMs: 250 }, { kind: 'rate_limit', status: 429, retryAfterSeconds: 0.25 }],
    ['429 with Retry-After seconds', { kind: 'rate_limit', retryAfter: '7' }, { kind: 'rate_limit', status: 429, retryAfterSeconds: 7 }],
    ['500', { kind: 'server' }, { kind: 'server', status: 500 }],
    ['502', { kind: 'server', status: 502 }, { kind: 'server', status: 502 }],
    ['503 with Retry-After', { kind: 'unavailable', retryAfter: '3' }, { kind: 'server', status: 503, retryAfterSeconds: 3 }],
    ['401', { kind: 'status', status: 401, message: 'Incorrect API key' }, { kind: 'auth', status: 401 }],
    ['403', { kind: 'status', status: 403 }, { kind: 'auth', status: 403 }],
    ['400', { kind: 'status', status: 400, message: 'bad stop' }, { kind: 'bad_request', status: 400 }],
    ['404', { kind: 'status', status: 404, message: 'model not found' }, { kind: 'not_found', status: 404 }],
    ['non-JSON body', { kind: 'malformed' }, { kind: 'bad_response' }],
    ['JSON without choices', { kind: 'missing_fields' }, { kind: 'bad_response' }],
    ['connection reset', { kind: 'reset' }, { kind: 'network' }],
  ];
  it.each(cases)('maps %s', async (_name, fault, expected) => {
    const { server, model } = await setup({ fault: () => fault });
    const error = await failure(model.generate(ask('x')));
    expect(error).toMatchObject(expected);
    if (expected.retryAfterSeconds === undefined && expected.kind !== 'server') expect(error.retryAfterSeconds).toBeUndefined();
    // The SDK made exactly one attempt: retries are the middleware's job.
    expect(server.requests).toHaveLength(1);
  });

  it('reads Retry-After as an HTTP date', async () => {
    const date = new Date(Date.now() + 5000).toUTCString();
    const { model } = await setup({ fault: () => ({ kind: 'rate_limit', retryAfter: date }) });
    const error = await failure(model.generate(ask('x')));
    expect(error.kind).toBe('rate_limit');
    expect(error.retryAfterSeconds).toBeGreaterThan(3);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(5);
  });

  it('maps a refused connection to network', async () => {
    const { server, model } = await setup();
    await server.close();
    expect((await failure(model.generate(ask('x')))).kind).toBe('network');
  });

  it('maps a missing message content to bad_response', async () => {
    const { model } = await setup();
    const { parseChatResponse } = await import('../../src/models/providers/openai.js');
    expect(() => parseChatResponse({ choices: [{ index: 0, message: { role: 'assistant', content: null } }] }, {}, 'w')).toThrow(
      expect.objectContaining({ kind: 'bad_response' }),
    );
    expect(() => parseChatResponse({ choices: [{ index: 0, text: 'x' }] }, {}, 'w')).toThrow(expect.objectContaining({ kind: 'bad_response' }));
    expect(() => parseChatResponse({ choices: [{ index: 0, message: { content: 'a' } }] }, { n: 2 }, 'w')).toThrow(
      expect.objectContaining({ kind: 'bad_response' }),
    );
    expect(model).toBeDefined();
  });

  it('ends a hanging call as aborted when the caller aborts, or with the abort reason', async () => {
    const { server, model } = await setup({ fault: () => ({ kind: 'hang' }) });
    const controller = new AbortController();
    const pending = failure(model.generate(ask('x'), { signal: controller.signal }));
    await until(() => server.requests.length === 1);
    controller.abort();
    expect((await pending).kind).toBe('aborted');

    const timed = new AbortController();
    const pendingTimeout = failure(model.generate(ask('y'), { signal: timed.signal }));
    await until(() => server.requests.length === 2);
    timed.abort(new ModelError('timeout', 'too slow'));
    expect((await pendingTimeout).kind).toBe('timeout');
    // The client went away, so the server is no longer holding the requests.
    await until(() => server.inFlight === 0);
  });

  it('does not send a call whose signal is already aborted', async () => {
    const { server, model } = await setup();
    const error = await failure(model.generate(ask('x'), { signal: AbortSignal.abort() }));
    expect(error.kind).toBe('aborted');
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenAI provider: keys', () => {
  it('works against a base URL without any key', async () => {
    const server = await startFakeOpenAIServer();
    defer(() => server.close());
    const model = createOpenAIModel({ spec: 'openai:local', model: 'local', baseURL: server.url, env: {} });
    expect((await model.generate(ask('hi'))).completions[0]!.text).toBe('echo: hi');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer not-needed');
  });

  it('takes the key from OPENAI_API_KEY and the base URL from OPENAI_BASE_URL', async () => {
    const server = await startFakeOpenAIServer();
    defer(() => server.close());
    const model = createOpenAIModel({ spec: 'openai:m', model: 'm', env: { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: server.url } });
    await model.generate(ask('hi'));
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-env');
  });

  it('without a key or a base URL, says how to set the key', () => {
    expect(() => createOpenAIModel({ spec: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', env: {} })).toThrow(InputError);
    expect(() => createOpenAIModel({ spec: 'openai:gpt-4o-mini', model: 'gpt-4o-mini', env: {} })).toThrow(/OPENAI_API_KEY/);
  });
});

describe('parseRetryAfter', () => {
  it('reads milliseconds, seconds and HTTP dates, and ignores garbage', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter({ 'retry-after-ms': '1500', 'retry-after': '9' }, now)).toBe(1.5);
    expect(parseRetryAfter({ 'Retry-After': '12' }, now)).toBe(12);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }), now)).toBe(30);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:27:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });
});

/** Waits (polling) until `condition` holds; fails after a generous limit instead of guessing a sleep. */
async function until(condition: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
