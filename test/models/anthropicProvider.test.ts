/**
 * The Anthropic provider against a real loopback Messages API server: system prompt placement,
 * max_tokens default, stop sequences, error mapping, fan-out of n through the hub, and
 * unsupported logprob/embed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { ModelHub } from '../../src/models/hub.js';
import { createAnthropicModel, DEFAULT_ANTHROPIC_MAX_TOKENS } from '../../src/models/providers/anthropic.js';
import type { LanguageModel } from '../../src/models/types.js';
import { InputError } from '../../src/util/errors.js';
import { startFakeAnthropicServer, type FakeAnthropicServer, type FakeAnthropicServerOptions, type Fault } from '../support/fakeAnthropicServer.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { modelErrorOf as failure } from '../support/modelError.js';

afterEach(() => {
  vi.unstubAllEnvs();
});
const defer = cleanupAfterEach();

async function setup(options: FakeAnthropicServerOptions = {}): Promise<{ server: FakeAnthropicServer; model: LanguageModel }> {
  const server = await startFakeAnthropicServer(options);
  defer(() => server.close());
  const model = createAnthropicModel({
    spec: 'anthropic:claude-test',
    model: 'claude-test',
    env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.url },
  });
  return { server, model };
}

describe('Anthropic provider', () => {
  it('puts system messages in the system parameter and defaults max_tokens', async () => {
    const { server, model } = await setup();
    const answer = await model.generate({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'system', content: 'and kind' },
        { role: 'user', content: 'hello there' },
      ],
      temperature: 0.5,
      topP: 0.9,
    });
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token (older versions used x-api-key).
    expect(String(request.headers['x-api-key'] ?? request.headers.authorization)).toContain('sk-ant-test');
    expect(request.body).toMatchObject({
      model: 'claude-test',
      system: 'be brief\n\nand kind',
      max_tokens: DEFAULT_ANTHROPIC_MAX_TOKENS,
      temperature: 0.5,
      top_p: 0.9,
    });
    expect(request.body.messages).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'hello there' },
    ]);
    expect(request.body).not.toHaveProperty('stop_sequences');
    expect(answer.completions).toEqual([{ text: 'echo: hello there [system: be brief\n\nand kind]', finishReason: 'stop' }]);
    expect(answer.usage).toEqual({ promptTokens: 8, completionTokens: 8 });
  });

  it('turns a raw prompt into a user message and sends no system without one', async () => {
    const { server, model } = await setup();
    const answer = await model.generate({ prompt: 'raw', maxTokens: 5 });
    expect(server.requests[0]!.body).toMatchObject({ messages: [{ role: 'user', content: 'raw' }], max_tokens: 5 });
    expect(server.requests[0]!.body).not.toHaveProperty('system');
    expect(answer.completions[0]!.text).toBe('echo: raw');
  });

  it('stops at stop sequences and reports max_tokens as length', async () => {
    const { server, model } = await setup();
    const stopped = await model.generate({ messages: [{ role: 'user', content: 'one. two' }], stop: ['.'] });
    expect(server.requests[0]!.body.stop_sequences).toEqual(['.']);
    expect(stopped.completions[0]).toEqual({ text: 'echo: one', finishReason: 'stop' });
    const cut = await model.generate({ messages: [{ role: 'user', content: 'a b c d' }], maxTokens: 2 });
    expect(cut.completions[0]).toEqual({ text: 'echo: a', finishReason: 'length' });
  });

  it('has no native n: the hub fans n out into separate calls', async () => {
    const server = await startFakeAnthropicServer();
    defer(() => server.close());
    vi.stubEnv('ANTHROPIC_BASE_URL', server.url);
    const hub = new ModelHub({ cachePath: 'none', apiKey: 'sk-ant-test', warn: () => {} });
    defer(() => hub.close());
    const model = await hub.model('anthropic:claude-test');
    expect(model.capabilities.nativeN).toBe(false);
    const answer = await model.generate({ messages: [{ role: 'user', content: 'hi' }], n: 3, temperature: 1 });
    expect(answer.completions).toHaveLength(3);
    expect(server.requests).toHaveLength(3);
    expect(server.requests.every((r) => r.body.n === undefined)).toBe(true);
  });

  it('loops for n > 1 when called directly', async () => {
    const { server, model } = await setup();
    const answer = await model.generate({ messages: [{ role: 'user', content: 'hi' }], n: 2 });
    expect(answer.completions).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
    expect(answer.usage.completionTokens).toBe(4);
  });

  it('cannot score or embed', async () => {
    const { server, model } = await setup();
    expect(model.capabilities).toMatchObject({ logprob: false, embed: false });
    expect((await failure(model.logprob({ prompt: 'a', continuation: 'b' }))).kind).toBe('unsupported');
    expect((await failure(model.embed({ texts: ['a'] }))).kind).toBe('unsupported');
    expect(server.requests).toHaveLength(0);
  });

  it('needs a key, and says how to set it', () => {
    expect(() => createAnthropicModel({ spec: 'anthropic:x', model: 'x', env: {} })).toThrow(InputError);
    expect(() => createAnthropicModel({ spec: 'anthropic:x', model: 'x', env: {} })).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => createAnthropicModel({ spec: 'anthropic:x', model: 'x', apiKey: 'k', env: {} })).not.toThrow();
  });

  const cases: Array<[string, Fault, Partial<ModelError>]> = [
    ['429 with retry-after-ms', { kind: 'rate_limit', retryAfterMs: 1200 }, { kind: 'rate_limit', status: 429, retryAfterSeconds: 1.2 }],
    ['429 with Retry-After', { kind: 'rate_limit', retryAfter: '20' }, { kind: 'rate_limit', status: 429, retryAfterSeconds: 20 }],
    ['529 overloaded', { kind: 'server', status: 529 }, { kind: 'server', status: 529 }],
    ['503 with Retry-After', { kind: 'unavailable', retryAfter: '2' }, { kind: 'server', status: 503, retryAfterSeconds: 2 }],
    ['401', { kind: 'status', status: 401 }, { kind: 'auth', status: 401 }],
    ['403', { kind: 'status', status: 403 }, { kind: 'auth', status: 403 }],
    ['400', { kind: 'status', status: 400 }, { kind: 'bad_request', status: 400 }],
    ['non-JSON body', { kind: 'malformed' }, { kind: 'bad_response' }],
    ['JSON without content', { kind: 'missing_fields' }, { kind: 'bad_response' }],
    ['connection reset', { kind: 'reset' }, { kind: 'network' }],
  ];
  it.each(cases)('maps %s', async (_name, fault, expected) => {
    const { server, model } = await setup({ fault: () => fault });
    const error = await failure(model.generate({ messages: [{ role: 'user', content: 'x' }] }));
    expect(error).toMatchObject(expected);
    expect(server.requests).toHaveLength(1);
  });

  it('ends a hanging call with the abort reason', async () => {
    const { model } = await setup({ fault: () => ({ kind: 'hang' }) });
    const controller = new AbortController();
    const pending = failure(model.generate({ prompt: 'x' }, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new ModelError('timeout', 'too slow'));
    expect((await pending).kind).toBe('timeout');
  });
});
