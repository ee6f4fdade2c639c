/** With a server key (`--server-key`, required off loopback), every fine-tuning route needs the bearer key. */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTrainingJsonl, startFineTuningServer, tempDir, type FineTuningTestServer } from './support.js';

const KEY = 'a-server-key-of-some-length';
let dir: Awaited<ReturnType<typeof tempDir>>;
let running: FineTuningTestServer;
beforeAll(async () => {
  dir = await tempDir();
  running = await startFineTuningServer(dir.path, { serverKey: KEY });
});
afterAll(async () => {
  await running?.close();
  await dir?.remove();
});

describe('the fine-tuning API behind a server key', () => {
  it('refuses every route without the key and answers with it', async () => {
    const anonymous = new OpenAI({ baseURL: running.baseURL, apiKey: 'wrong-key', maxRetries: 0 });
    const file = toFile(Buffer.from(chatTrainingJsonl(2)), 'train.jsonl');
    await expect(anonymous.files.create({ file: await file, purpose: 'fine-tune' })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    await expect(anonymous.files.list()).rejects.toMatchObject({ status: 401 });
    await expect(anonymous.fineTuning.jobs.list()).rejects.toMatchObject({ status: 401 });
    await expect(anonymous.fineTuning.jobs.create({ model: 'tiny', training_file: 'file-x' })).rejects.toMatchObject({ status: 401 });

    const client = new OpenAI({ baseURL: running.baseURL, apiKey: KEY, maxRetries: 0 });
    const uploaded = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl(2)), 'train.jsonl'), purpose: 'fine-tune' });
    expect((await client.files.list()).data.map((f) => f.id)).toEqual([uploaded.id]);
  });
});
