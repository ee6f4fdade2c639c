/** How the server maps model failures to HTTP statuses, and streams a model that cannot stream. */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import type { GenerateRequest, LanguageModel } from '../../src/models/types.js';
import { startApiServer, toApiError, type RunningServer } from '../../src/server/index.js';
import { resolveServeTarget } from '../../src/server/target.js';
import { InputError } from '../../src/util/errors.js';

function scriptedModel(generate: (request: GenerateRequest) => Promise<string>): LanguageModel {
  return {
    spec: 'replay:fixed.jsonl',
    provider: 'replay',
    modelName: 'fixed',
    capabilities: { generate: true, logprob: false, embed: false, nativeN: false },
    generate: async (request) => ({
      completions: [{ text: await generate(request), finishReason: 'stop' }],
      usage: { promptTokens: 3, completionTokens: 2 },
    }),
    logprob: () => Promise.reject(new ModelError('unsupported', 'no')),
    embed: () => Promise.reject(new ModelError('unsupported', 'no')),
  };
}

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(model: LanguageModel) {
  server = await startApiServer({ model, name: 'fixed' });
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

describe('model failures as HTTP errors', () => {
  it.each([
    [new ModelError('rate_limit', 'slow down', { retryAfterSeconds: 7 }), 429, 'rate_limit'],
    [new ModelError('budget', 'budget of $1 would be exceeded'), 402, 'budget'],
    [new ModelError('timeout', 'no answer within 120000 ms'), 504, 'timeout'],
    [new ModelError('server', 'upstream 500'), 502, 'server'],
    [new ModelError('replay_miss', 'no recording for this request'), 400, 'replay_miss'],
  ])('%s -> %i', async (error, status, code) => {
    const client = await serve(scriptedModel(() => Promise.reject(error)));
    for (const stream of [false, true]) {
      const thrown = await client.chat.completions
        .create({ model: 'fixed', messages: [{ role: 'user', content: 'hi' }], stream })
        .then(async (result) => {
          if (stream) for await (const _chunk of result as AsyncIterable<unknown>) void _chunk;
        })
        .catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(OpenAI.APIError);
      const apiError = thrown as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status).toBe(status);
      expect(apiError.code).toBe(code);
      expect(apiError.message).toContain(error.message);
      if (status === 429) expect(apiError.headers?.get('retry-after')).toBe('7');
    }
  });

  it('maps input errors to 400 and unknown failures to 500 with a message', () => {
    expect(toApiError(new InputError('bad', { field: 'x' })).status).toBe(400);
    const internal = toApiError(new TypeError('oops'));
    expect(internal.status).toBe(500);
    expect(internal.body().error).toMatchObject({ type: 'server_error', message: 'internal error: oops' });
  });
});

describe('a model without token streaming', () => {
  it('is generated fully and sent as one chunk', async () => {
    const client = await serve(scriptedModel(async (request) => `you said ${request.messages?.[0]?.content}`));
    const chunks: string[] = [];
    const stream = await client.chat.completions.create({ model: 'fixed', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) chunks.push(content);
    }
    expect(chunks).toEqual(['you said hi']);
    // The model's spec is accepted as its id too.
    const plain = await client.chat.completions.create({ model: 'replay:fixed.jsonl', messages: [{ role: 'user', content: 'yo' }] });
    expect(plain.choices[0]!.message.content).toBe('you said yo');
  });
});

describe('serve targets', () => {
  it('takes specs as they are and names files and folders by their base name', () => {
    expect(resolveServeTarget('openai:qwen2.5@http://127.0.0.1:8000/v1')).toEqual({
      spec: 'openai:qwen2.5@http://127.0.0.1:8000/v1',
      name: 'qwen2.5',
    });
    expect(resolveServeTarget('gguf:models/tiny.gguf')).toEqual({ spec: 'gguf:models/tiny.gguf', name: 'tiny' });
    expect(resolveServeTarget('test/server')).toEqual({ spec: 'builtin:test/server', name: 'server' });
    expect(resolveServeTarget('test/server/errors.test.ts').spec).toBe('gguf:test/server/errors.test.ts');
    expect(() => resolveServeTarget('missing.gguf')).toThrow(/missing\.gguf.*not found/);
  });
});
