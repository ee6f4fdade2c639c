/**
 * response_format against a served `builtin:` student (a checkpoint of the built-in engine, run as GGUF by
 * node-llama-cpp), through the unmodified `openai` SDK: JSON mode answers a JSON object and a JSON schema
 * constrains the answer (llama.cpp grammar sampling over the student's own vocabulary) to one that parses and
 * matches, streamed or not; a schema the grammar compiler cannot take is refused naming the field.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../src/engine/train.js';
import { ModelHub } from '../../src/models/hub.js';
import { startApiServer, type RunningServer } from '../../src/server/index.js';
import { toyExamples } from '../engine/toy.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

let dir: string;
let hub: ModelHub;
let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-builtin-json-'));
  const data = toyExamples(60);
  await train({
    train: data.slice(0, 50),
    validation: data.slice(50),
    outDir: join(dir, 'student'),
    size: 'tiny',
    contextLength: 128,
    steps: 6,
    batchSize: 8,
    learningRate: 3e-3,
    evalEvery: 6,
    seed: 1,
  });
  hub = new ModelHub({ cachePath: ':memory:', warn: () => {} });
  server = await startApiServer({ model: await hub.model(`builtin:${join(dir, 'student')}`), name: 'student', port: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await hub?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const MESSAGES = [{ role: 'user' as const, content: 'Q: tiger 3' }];

describe('response_format on a builtin: student', () => {
  it('answers JSON mode with a JSON object', async () => {
    const completion = await client.chat.completions.create({
      model: 'student',
      messages: MESSAGES,
      max_tokens: 60,
      temperature: 0,
      response_format: { type: 'json_object' },
    });
    const choice = completion.choices[0]!;
    expect(choice.message.content!.trimStart().startsWith('{')).toBe(true);
    // A grammar-constrained answer cut at max tokens is a prefix of JSON; a finished one parses.
    if (choice.finish_reason === 'stop') expect(typeof JSON.parse(choice.message.content!)).toBe('object');
  }, 120_000);

  it('constrains the answer to a JSON schema: it parses and matches, streamed or not', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string', enum: ['yes', 'no'] }, sure: { type: 'boolean' } },
      required: ['answer', 'sure'],
      additionalProperties: false,
    };
    for (const stream of [false, true]) {
      const request = {
        model: 'student',
        messages: MESSAGES,
        max_tokens: 60,
        temperature: 0,
        response_format: { type: 'json_schema' as const, json_schema: { name: 'reply', schema, strict: true } },
      };
      const completion = stream ? await client.chat.completions.stream(request).finalChatCompletion() : await client.chat.completions.create(request);
      const choice = completion.choices[0]!;
      // The value is complete and the grammar's trailing newlines are cut: a finished answer, not one run to max tokens.
      expect(choice.finish_reason, `stream: ${stream}`).toBe('stop');
      expect(choice.message.content).toBe(choice.message.content!.trim());
      const parsed = JSON.parse(choice.message.content!) as { answer: string; sure: boolean };
      expect(Object.keys(parsed).sort()).toEqual(['answer', 'sure']);
      expect(['yes', 'no']).toContain(parsed.answer);
      expect(typeof parsed.sure).toBe('boolean');
    }
  }, 120_000);

  it('refuses a schema the grammar compiler cannot take, naming the field', async () => {
    const error = await client.chat.completions
      .create({
        model: 'student',
        messages: MESSAGES,
        max_tokens: 10,
        // oneOf must be a list: node-llama-cpp's schema-to-grammar conversion fails on it.
        response_format: { type: 'json_schema', json_schema: { name: 'bad', schema: { oneOf: 3 } } },
      })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toMatch(/response_format\.json_schema/);
  }, 120_000);
});
