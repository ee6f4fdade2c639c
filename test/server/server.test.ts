/**
 * The OpenAI-compatible server on loopback, called with the official `openai` SDK, in front of a tiny
 * GGUF model the test writes itself, through a real ModelHub (cache, limiter, accounting).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelHub } from '../../src/models/hub.js';
import type { LanguageModel } from '../../src/models/types.js';
import type { RunningServer } from '../../src/server/index.js';
import { serveTinyGguf, type ServedTinyGguf } from '../support/servedTinyGguf.js';

let served: ServedTinyGguf;
let hub: ModelHub, model: LanguageModel, server: RunningServer, client: OpenAI;

beforeAll(async () => {
  served = await serveTinyGguf({ seed: 42, hub: { concurrency: 4 }, clientTimeoutMs: 30_000 });
  ({ hub, model, server, client } = served);
}, 60_000);

afterAll(() => served?.close());

const MESSAGES = [
  { role: 'system' as const, content: 'You count apples.' },
  { role: 'user' as const, content: 'Tom has 12 apples and gives 5 to Anna.' },
];

async function post(path: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, type: response.headers.get('content-type'), json: (await response.json()) as { error: Record<string, unknown> } };
}

describe('apprentice serve: OpenAI-compatible API', () => {
  it('binds to loopback and lists the one model', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['tiny']);
    expect((await client.models.retrieve('tiny')).id).toBe('tiny');
  });

  it('answers a chat completion with what the model generates, and its usage', async () => {
    const completion = await client.chat.completions.create({ model: 'tiny', messages: MESSAGES, max_tokens: 8, temperature: 0 });
    const direct = await model.generate({ messages: MESSAGES, maxTokens: 8, temperature: 0 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('tiny');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: direct.completions[0]!.text });
    expect(completion.choices[0]!.finish_reason).toBe(direct.completions[0]!.finishReason === 'length' ? 'length' : 'stop');
    expect(completion.usage).toEqual({
      prompt_tokens: direct.usage.promptTokens,
      completion_tokens: direct.usage.completionTokens,
      total_tokens: direct.usage.promptTokens + direct.usage.completionTokens,
    });
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('streams a chat completion token by token: role first, the same text in pieces, finish reason, usage, [DONE]', async () => {
    const request = { model: 'tiny', messages: MESSAGES, max_tokens: 12, temperature: 0, seed: 7 };
    const whole = await client.chat.completions.create(request);
    const callsBefore = hub.usage.snapshot().overall.calls;
    const stream = await client.chat.completions.create({ ...request, max_tokens: 13, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const pieces = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).filter(Boolean);
    expect(pieces.length).toBeGreaterThan(3); // real token streaming, not one final chunk
    const text = pieces.join('');
    // 13 tokens greedy continue the 12-token answer.
    expect(text.startsWith(whole.choices[0]!.message.content!.replace(/\uFFFD+$/, ''))).toBe(true);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish!.choices[0]!.finish_reason).toBe('length');
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBe(13);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    // The streamed call went through the hub's accounting.
    expect(hub.usage.snapshot().overall.calls).toBe(callsBefore + 1);
  });

  it('streams the same text the non-streamed call returns', async () => {
    const request = { model: 'tiny', messages: [{ role: 'user' as const, content: 'The answer is' }], max_tokens: 10, temperature: 0 };
    const whole = await client.chat.completions.create({ ...request, max_tokens: 10, seed: 1 });
    const stream = await client.chat.completions.create({ ...request, seed: 2, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(whole.choices[0]!.message.content);
  });

  it('answers completions, streamed and not, with echo and several prompts', async () => {
    const plain = await client.completions.create({ model: 'tiny', prompt: 'The quick brown fox', max_tokens: 6, temperature: 0 });
    expect(plain.object).toBe('text_completion');
    const direct = await model.generate({ prompt: 'The quick brown fox', maxTokens: 6, temperature: 0 });
    expect(plain.choices[0]!.text).toBe(direct.completions[0]!.text);

    const echoed = await client.completions.create({ model: 'tiny', prompt: 'The quick brown fox', max_tokens: 6, temperature: 0, echo: true });
    expect(echoed.choices[0]!.text).toBe(`The quick brown fox${plain.choices[0]!.text}`);

    const several = await client.completions.create({ model: 'tiny', prompt: ['The quick brown fox', 'Anna had 7'], max_tokens: 4, temperature: 0 });
    expect(several.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(several.usage!.completion_tokens).toBe(8);

    const stream = await client.completions.create({ model: 'tiny', prompt: 'The quick brown fox', max_tokens: 7, temperature: 0, stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    const seven = await model.generate({ prompt: 'The quick brown fox', maxTokens: 7, temperature: 0 });
    expect(text).toBe(seven.completions[0]!.text);
    expect(finish).toBe('length');
  });

  it('serves concurrent requests, streamed and not, each with its own answer', async () => {
    const prompts = ['Tom has 12', 'Anna had 7 pencils', 'The answer is 42', 'A train travels', 'héllo wörld', "It's the fox"];
    const expected = await Promise.all(prompts.map((p) => model.generate({ messages: [{ role: 'user', content: p }], maxTokens: 6, temperature: 0 })));
    const answers = await Promise.all(
      prompts.map(async (p, i) => {
        const request = { model: 'tiny', messages: [{ role: 'user' as const, content: p }], max_tokens: 6, temperature: 0 };
        if (i % 2 === 0) return (await client.chat.completions.create(request)).choices[0]!.message.content;
        let text = '';
        for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) text += chunk.choices[0]?.delta.content ?? '';
        return text;
      }),
    );
    expect(answers).toEqual(expected.map((r) => r.completions[0]!.text));
  });

  it('rejects bad requests with 4xx JSON errors in the OpenAI format', async () => {
    const bad = async (body: Record<string, unknown>, path = '/chat/completions') => {
      try {
        await client.post(path, { body });
      } catch (error) {
        expect(error).toBeInstanceOf(OpenAI.APIError);
        return error as InstanceType<typeof OpenAI.APIError>;
      }
      throw new Error(`accepted ${JSON.stringify(body)}`);
    };
    const noMessages = await bad({ model: 'tiny' });
    expect(noMessages.status).toBe(400);
    expect(noMessages.error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    expect(noMessages.message).toMatch(/messages/);

    const hot = await bad({ model: 'tiny', messages: MESSAGES, temperature: 5 });
    expect(hot.status).toBe(400);
    expect(hot.error).toMatchObject({ param: 'temperature' });

    const role = await bad({ model: 'tiny', messages: [{ role: 'wizard', content: 'hi' }] });
    expect(role.status).toBe(400);
    expect((role.error as { param: string }).param).toBe('messages.0.role');

    const unknown = await bad({ model: 'gpt-5', messages: MESSAGES });
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'model_not_found', param: 'model' });

    const unknownField = await bad({ model: 'tiny', messages: MESSAGES, frobnicate: true });
    expect(unknownField.status).toBe(400);
    expect(unknownField.error).toMatchObject({ param: 'frobnicate', code: 'unknown_parameter' });

    const tools = await bad({ model: 'tiny', messages: MESSAGES, tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(tools.status).toBe(400);
    expect(tools.message).toMatch(/tools are not supported/);

    const noPrompt = await bad({ model: 'tiny' }, '/completions');
    expect(noPrompt.status).toBe(400);
    expect(noPrompt.error).toMatchObject({ param: 'prompt' });

    // Longer than the model's 256-token context: the model's bad_request, as a 400, also when streaming.
    const long = 'Tom has 12 apples and gives 5 to Anna. '.repeat(40);
    for (const stream of [false, true]) {
      const tooLong = await bad({ model: 'tiny', messages: [{ role: 'user', content: long }], stream });
      expect(tooLong.status).toBe(400);
      expect(tooLong.error).toMatchObject({ code: 'bad_request' });
      expect(tooLong.message).toMatch(/context/);
    }

    const notJson = await post('/v1/chat/completions', '{"model": "tiny", ');
    expect(notJson.status).toBe(400);
    expect(notJson.type).toMatch(/application\/json/);
    expect(notJson.json.error).toMatchObject({ type: 'invalid_request_error' });

    const wrongType = await post('/v1/chat/completions', 'model=tiny', 'text/plain');
    expect(wrongType.status).toBeGreaterThanOrEqual(400);
    expect(wrongType.status).toBeLessThan(500);
    expect(wrongType.json.error.message).toEqual(expect.any(String));

    const noRoute = await fetch(`${server.url}/v1/embeddings/nope`);
    expect(noRoute.status).toBe(404);
    expect(((await noRoute.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('aborts the generation when a client disconnects mid-stream, and keeps serving', async () => {
    const abortedBefore = hub.usage.snapshot().overall.errorsByKind.aborted ?? 0;
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Tell me a long story' }],
      max_tokens: 200,
      temperature: 0.9,
      seed: 3,
      stream: true,
    });
    let pieces = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces++;
      if (pieces === 2) break; // leaving the loop closes the connection
    }
    await expect.poll(() => hub.usage.snapshot().overall.errorsByKind.aborted ?? 0, { timeout: 10_000 }).toBe(abortedBefore + 1);

    const next = await client.chat.completions.create({ model: 'tiny', messages: MESSAGES, max_tokens: 4, temperature: 0 });
    expect(next.choices[0]!.message.content).toEqual(expect.any(String));
    expect(next.usage!.completion_tokens).toBeGreaterThan(0);
  });
});
