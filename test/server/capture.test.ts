/**
 * Capture: traffic through `serve --store` (in front of a loopback OpenAI-compatible teacher, through a real
 * ModelHub) becomes an annotations folder whose records equal the requests and responses; no key appears in
 * any file the server writes; duplicates collapse; the held-out split is a seeded hash of the conversation.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingData } from '../../src/distill/builders.js';
import { fromStore, isHeldOut } from '../../src/distill/fromStore.js';
import { readAnnotations } from '../../src/distill/store.js';
import { ModelHub } from '../../src/models/hub.js';
import { CaptureStore } from '../../src/runs/captureStore.js';
import { captureTo, type Capture } from '../../src/server/capture/index.js';
import { startApiServer, type RunningServer } from '../../src/server/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';

const UPSTREAM_KEY = 'sk-upstream-TEST-4f8a9c2e1b7d6a5f';
const SERVER_KEY = 'server-key-7c1e9a3b5d2f4e6a';

let teacher: FakeOpenAIServer;
let hub: ModelHub;
let server: RunningServer;
let capture: Capture;
let dir: string;
let client: OpenAI;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apprentice-capture-'));
  teacher = await startFakeOpenAIServer({ thread: false });
  hub = new ModelHub({ cachePath: 'none', apiKey: UPSTREAM_KEY, warn: () => {} });
  const model = await hub.model(`openai:teacher-model@${teacher.url}`);
  capture = captureTo(join(dir, 'store'));
  server = await startApiServer({ model, name: 'teacher', port: 0, serverKey: SERVER_KEY, capture: capture.sink });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: SERVER_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  capture?.close();
  await hub?.close();
  await teacher?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve --store: capture, then distill from-store', () => {
  it('stores every exchange with its metadata, and the stored conversations become equal annotation records', async () => {
    const support = { app: 'support' };
    const asked: Array<{ messages: Array<{ role: 'system' | 'user'; content: string }>; answer: string }> = [];
    for (const question of ['How do I reset my password?', 'Where is my invoice?', 'Can I change my plan?']) {
      const messages = [
        { role: 'system' as const, content: 'You are a support agent.' },
        { role: 'user' as const, content: question },
      ];
      const completion = await client.chat.completions.create({ model: 'teacher', messages, temperature: 0, metadata: support, store: true });
      asked.push({ messages, answer: completion.choices[0]!.message.content! });
    }
    // A streamed exchange is stored whole.
    const streamedMessages = [{ role: 'user' as const, content: 'Is streaming captured too?' }];
    const stream = client.chat.completions.stream({ model: 'teacher', messages: streamedMessages, temperature: 0, metadata: support });
    asked.push({ messages: streamedMessages as never, answer: (await stream.finalChatCompletion()).choices[0]!.message.content! });
    // The same conversation again (a duplicate), and traffic of another app.
    await client.chat.completions.create({ model: 'teacher', messages: asked[0]!.messages, temperature: 0, metadata: support });
    await client.chat.completions.create({ model: 'teacher', messages: [{ role: 'user', content: 'unrelated' }], temperature: 0, metadata: { app: 'other' } });
    // The legacy completions API has no metadata field in the SDK's types; this server takes it there too.
    const completion = await client.completions.create({
      model: 'teacher',
      prompt: 'Once upon a time',
      max_tokens: 5,
      temperature: 0,
      metadata: support,
    } as OpenAI.CompletionCreateParamsNonStreaming);

    const store = CaptureStore.open(join(dir, 'store'));
    const stored = store.read();
    store.close();
    expect(stored.length).toBeGreaterThanOrEqual(6);
    expect(stored.filter((exchange) => exchange.metadata.app === 'support').length).toBeGreaterThanOrEqual(5);
    expect(stored.find((exchange) => exchange.streamed)?.response.choices).toBeDefined();

    const out = join(dir, 'annotations');
    // No test split: every conversation is annotated (test conversations live only in the folder's dataset).
    const result = fromStore({ store: join(dir, 'store'), out, filter: { where: { app: 'support' } }, heldOut: 0.5, test: 0, seed: 3 });
    const annotations = readAnnotations(out);
    const records = Object.values(annotations.splits).flat();
    const chats = records.filter((record) => Array.isArray(record.prompt));
    // Four distinct support conversations (the duplicate collapsed), none of the other app's.
    expect(chats).toHaveLength(4);
    for (const { messages, answer } of asked) {
      const record = chats.find((r) => JSON.stringify(r.prompt) === JSON.stringify(messages));
      expect(record, messages.at(-1)!.content).toBeDefined();
      expect(record!.output).toBe(answer);
      expect(record!.samples.map((sample) => sample.output)).toEqual([answer]);
    }
    expect(records.some((record) => JSON.stringify(record.prompt).includes('unrelated'))).toBe(false);
    const prompted = records.find((record) => record.prompt === 'Once upon a time');
    expect(prompted?.output).toBe(completion.choices[0]!.text);
    expect(result.conversations).toBe(records.length);
    // The builders take the folder.
    const built = buildTrainingData(annotations.manifest.task, records, { method: 'standard-distill' });
    expect(built.rows.length).toBeGreaterThan(0);

    // No key in any file the server wrote (the store and its journal files).
    const files = readdirSync(join(dir, 'store')).map((name) => join(dir, 'store', name));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file);
      expect(bytes.includes(UPSTREAM_KEY), file).toBe(false);
      expect(bytes.includes(SERVER_KEY), file).toBe(false);
    }
    for (const file of readdirSync(out, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())) {
      const text = readFileSync(join(file.parentPath, file.name), 'utf8');
      expect(text.includes(UPSTREAM_KEY) || text.includes(SERVER_KEY)).toBe(false);
    }
  });

  it("serves a remote model's embeddings through its provider", async () => {
    const { fakeEmbedding } = await import('../support/fakeOpenAIServer.js');
    const response = await client.embeddings.create({ model: 'teacher', input: ['alpha', 'beta'], encoding_format: 'float' });
    expect(response.data.map((item) => item.embedding)).toEqual([fakeEmbedding('alpha'), fakeEmbedding('beta')]);
  });

  it('refuses store: true when the server stores nothing', async () => {
    const plain = await startApiServer({ model: await hub.model(`openai:teacher-model@${teacher.url}`), name: 'teacher', port: 0 });
    try {
      const bare = new OpenAI({ baseURL: `${plain.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      await expect(bare.chat.completions.create({ model: 'teacher', messages: [{ role: 'user', content: 'x' }], store: true })).rejects.toMatchObject({
        status: 400,
        param: 'store',
      });
    } finally {
      await plain.close();
    }
  });

  it('holds out by a seeded hash of the conversation: stable, seed-dependent, near the asked share', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `conversation ${i}`);
    const held = keys.filter((key) => isHeldOut(key, 0, 0.1));
    expect(held.length / keys.length).toBeGreaterThan(0.08);
    expect(held.length / keys.length).toBeLessThan(0.12);
    expect(keys.filter((key) => isHeldOut(key, 0, 0.1))).toEqual(held);
    expect(keys.filter((key) => isHeldOut(key, 1, 0.1))).not.toEqual(held);
  });
});
