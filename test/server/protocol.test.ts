/**
 * The whole protocol, exercised with the unmodified `openai` SDK against a served GGUF student written by
 * the project (test/support/tinyGguf.ts) through a real ModelHub: every route and field, streaming with
 * log-probabilities, JSON mode and a JSON-schema-constrained answer that parses, finish reasons, usage,
 * and refusals naming the field.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LanguageModel } from '../../src/models/types.js';
import { serveTinyGguf, type ServedTinyGguf } from '../support/servedTinyGguf.js';

let served: ServedTinyGguf;
let model: LanguageModel, client: OpenAI;

beforeAll(async () => {
  served = await serveTinyGguf({ seed: 7, hub: { concurrency: 2, warn: () => {} }, clientTimeoutMs: 60_000 });
  ({ model, client } = served);
}, 60_000);

afterAll(() => served?.close());

const MESSAGES = [{ role: 'user' as const, content: 'Tom has 12 apples and gives 5 to Anna.' }];

async function refusal(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error('the request was accepted');
}

describe('serve: the whole OpenAI protocol through the unmodified SDK', () => {
  it('returns logprobs with top_logprobs on chat, the chosen token among the top ones, sorted', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny',
      messages: MESSAGES,
      max_tokens: 6,
      temperature: 0,
      logprobs: true,
      top_logprobs: 3,
    });
    const choice = completion.choices[0]!;
    const content = choice.logprobs!.content!;
    expect(content.length).toBe(completion.usage!.completion_tokens);
    expect(content.map((entry) => entry.token).join('')).toBe(choice.message.content);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      // Greedy: the chosen token is the most likely one.
      expect(entry.top_logprobs[0]!.token).toBe(entry.token);
      expect(entry.top_logprobs[0]!.logprob).toBeCloseTo(entry.logprob, 4);
      const lps = entry.top_logprobs.map((top) => top.logprob);
      expect([...lps].sort((a, b) => b - a)).toEqual(lps);
    }
  });

  it('streams chat with logprobs: the concatenated stream equals the non-streamed answer', async () => {
    const request = { model: 'tiny', messages: MESSAGES, max_tokens: 6, temperature: 0, logprobs: true, top_logprobs: 2 } as const;
    const whole = await client.chat.completions.create(request);
    const stream = client.chat.completions.stream({ ...request, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(whole.choices[0]!.message.content);
    expect(final.choices[0]!.logprobs!.content!.map((e) => [e.token, e.logprob.toFixed(5)])).toEqual(
      whole.choices[0]!.logprobs!.content!.map((e) => [e.token, e.logprob.toFixed(5)]),
    );
    expect(final.choices[0]!.finish_reason).toBe(whole.choices[0]!.finish_reason);
    expect(final.usage).toEqual(whole.usage);
  });

  it('returns legacy logprobs on /v1/completions (tokens, token_logprobs, top_logprobs, text_offset), streamed too', async () => {
    const completion = await client.completions.create({ model: 'tiny', prompt: 'The quick brown fox', max_tokens: 5, temperature: 0, logprobs: 2 });
    const { logprobs, text } = completion.choices[0]!;
    expect(logprobs!.tokens).toHaveLength(completion.usage!.completion_tokens);
    // A token can hold part of a multi-byte character (shown as U+FFFD alone); whole characters join up to the text.
    const joined = logprobs!.tokens!.join('');
    if (!joined.includes('\ufffd')) expect(joined).toBe(text);
    expect(logprobs!.token_logprobs).toHaveLength(logprobs!.tokens!.length);
    expect(logprobs!.top_logprobs!.every((top) => Object.keys(top).length >= 1)).toBe(true);
    expect(logprobs!.text_offset![0]).toBe(0);
    const chunks = [];
    for await (const chunk of await client.completions.create({
      model: 'tiny',
      prompt: 'The quick brown fox',
      max_tokens: 5,
      temperature: 0,
      logprobs: 0,
      stream: true,
    }))
      chunks.push(chunk);
    const streamed = chunks.find((chunk) => chunk.choices[0]?.logprobs)!.choices[0]!.logprobs!;
    expect(streamed.tokens).toEqual(logprobs!.tokens);
    expect(streamed.token_logprobs!.map((lp) => lp.toFixed(4))).toEqual(logprobs!.token_logprobs!.map((lp) => lp.toFixed(4)));
  });

  it('answers JSON mode with a JSON object and a JSON-schema-constrained answer that parses and matches', async () => {
    const jsonMode = await client.chat.completions.create({
      model: 'tiny',
      messages: MESSAGES,
      max_tokens: 120,
      temperature: 0,
      response_format: { type: 'json_object' },
    });
    if (jsonMode.choices[0]!.finish_reason === 'stop') expect(typeof JSON.parse(jsonMode.choices[0]!.message.content!)).toBe('object');
    expect(jsonMode.choices[0]!.message.content!.trimStart().startsWith('{')).toBe(true);

    const schema = {
      type: 'object',
      properties: { answer: { type: 'string', enum: ['yes', 'no'] }, apples: { type: 'integer' } },
      required: ['answer', 'apples'],
      additionalProperties: false,
    };
    for (const stream of [false, true]) {
      const request = {
        model: 'tiny',
        messages: MESSAGES,
        max_tokens: 200,
        temperature: 0,
        seed: 1,
        response_format: { type: 'json_schema' as const, json_schema: { name: 'reply', schema, strict: true } },
      };
      const content = stream
        ? (await client.chat.completions.stream(request).finalChatCompletion()).choices[0]!.message.content!
        : (await client.chat.completions.create(request)).choices[0]!.message.content!;
      const parsed = JSON.parse(content) as { answer: string; apples: number };
      expect(Object.keys(parsed).sort()).toEqual(['answer', 'apples']);
      expect(['yes', 'no']).toContain(parsed.answer);
      // A number (node-llama-cpp's grammar for an integer lets an exponent through, so no isInteger here).
      expect(typeof parsed.apples).toBe('number');
    }
  });

  it("says 'length' at max tokens and 'stop' at a stop string, with usage counting what was generated", async () => {
    const long = await client.chat.completions.create({ model: 'tiny', messages: MESSAGES, max_tokens: 3, temperature: 0 });
    expect(long.choices[0]!.finish_reason).toBe('length');
    expect(long.usage!.completion_tokens).toBe(3);
    const free = await client.completions.create({ model: 'tiny', prompt: 'The quick brown fox', max_tokens: 20, temperature: 0 });
    const text = free.choices[0]!.text;
    const stop = text.slice(2, 4);
    expect(stop.length).toBe(2);
    const stopped = await client.completions.create({ model: 'tiny', prompt: 'The quick brown fox', max_tokens: 20, temperature: 0, stop: [stop] });
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    expect(stopped.choices[0]!.text).toBe(text.slice(0, text.indexOf(stop)));
  });

  it("says 'stop' when the model ends its answer (end of sequence) before max tokens", async () => {
    // The grammar ends the answer once the JSON is complete: generation stops at end of sequence.
    const done = await client.chat.completions.create({
      model: 'tiny',
      messages: MESSAGES,
      max_tokens: 200,
      temperature: 0,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'b', schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false } },
      },
    });
    expect(done.choices[0]!.finish_reason).toBe('stop');
    expect(done.usage!.completion_tokens).toBeLessThan(200);
  });

  it('gives n choices, streamed too, and the same answer again for the same seed', async () => {
    const request = { model: 'tiny', messages: MESSAGES, max_tokens: 5, temperature: 1, seed: 11, n: 3 } as const;
    const first = await client.chat.completions.create(request);
    expect(first.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const again = await client.chat.completions.create(request);
    expect(again.choices.map((c) => c.message.content)).toEqual(first.choices.map((c) => c.message.content));
    const texts = ['', '', ''];
    for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
      for (const choice of chunk.choices) texts[choice.index] += choice.delta.content ?? '';
    }
    expect(texts).toEqual(first.choices.map((c) => c.message.content));
    const completions = await client.completions.create({ model: 'tiny', prompt: 'Anna had 7', max_tokens: 4, temperature: 1, seed: 3, n: 2 });
    expect(completions.choices).toHaveLength(2);
  });

  it('serves /v1/embeddings as floats and base64, one vector per input', async () => {
    const floats = await client.embeddings.create({ model: 'tiny', input: ['The quick brown fox', 'Anna had 7 pencils'], encoding_format: 'float' });
    expect(floats.data).toHaveLength(2);
    const direct = await model.embed({ texts: ['The quick brown fox'] });
    expect(floats.data[0]!.embedding).toHaveLength(direct.vectors[0]!.length);
    expect(floats.data[0]!.embedding[0]).toBeCloseTo(direct.vectors[0]![0]!, 5);
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
    // The SDK asks for base64 by default and decodes it.
    const decoded = await client.embeddings.create({ model: 'tiny', input: 'The quick brown fox' });
    expect(decoded.data[0]!.embedding[3]).toBeCloseTo(direct.vectors[0]![3]!, 5);
  });

  it('refuses what it cannot honour with a 400 naming the field, never ignoring it', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }, 'tools'],
      [{ tool_choice: 'auto' }, 'tool_choice'],
      [{ presence_penalty: 0.5 }, 'presence_penalty'],
      [{ logit_bias: { '12': 5 } }, 'logit_bias'],
      [{ audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
      [{ top_logprobs: 2 }, 'top_logprobs'],
      [{ store: true }, 'store'],
      [{ response_format: { type: 'xml' } }, 'response_format.type'],
      [{ frobnicate: 1 }, 'frobnicate'],
    ];
    for (const [extra, param] of cases) {
      const error = await refusal(() => client.chat.completions.create({ model: 'tiny', messages: MESSAGES, max_tokens: 2, ...extra } as never));
      expect(error.status, JSON.stringify(extra)).toBe(400);
      expect((error.error as { param: string }).param, JSON.stringify(extra)).toBe(param);
    }
    const bestOf = await refusal(() => client.completions.create({ model: 'tiny', prompt: 'x', best_of: 3 }));
    expect((bestOf.error as { param: string }).param).toBe('best_of');
    const echoed = await refusal(() => client.completions.create({ model: 'tiny', prompt: 'x', echo: true, logprobs: 1 }));
    expect((echoed.error as { param: string }).param).toBe('echo');
    const dims = await refusal(() => client.embeddings.create({ model: 'tiny', input: 'x', dimensions: 8 }));
    expect((dims.error as { param: string }).param).toBe('dimensions');
  });

  it('forwards a setting the model did not honour as a warning (field and header), not silence', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'tiny', messages: MESSAGES, max_tokens: 3, temperature: 0.7, seed: 2, logprobs: true })
      .withResponse();
    expect(response.headers.get('x-apprentice-warnings')).toMatch(/logprobs/);
    expect((data as unknown as { warnings: Array<{ setting: string }> }).warnings.map((w) => w.setting)).toEqual(['logprobs']);
  });
});
