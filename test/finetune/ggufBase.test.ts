/**
 * A GGUF file as a named base (`serve --fine-tuning --base <name>=<file.gguf>`): the GGUF is written by the
 * project's own exporter from a Qwen3-layout folder (reduced, random weights) whose tokenizer has a chat
 * template; jobs through the unmodified openai SDK fine-tune it in all its weights and with LoRA, train the
 * chat lines through the template rebuilt from the GGUF's metadata, and their ft: models (and the LoRA job's
 * checkpoints) answer.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { readGguf } from '../../src/engine/formats/gguf.js';
import { readGgufHeader } from '../../src/finetune/baseFormat.js';
import { CHAT_TEMPLATE, chatTrainingJsonl, pollUntilDone, startFineTuningServer, tempDir, writeChatGgufBase, type FineTuningTestServer } from './support.js';

const SYSTEM = 'Answer with one colour.';

let dir: Awaited<ReturnType<typeof tempDir>>;
let running: FineTuningTestServer;
let ggufPath: string;

beforeAll(async () => {
  dir = await tempDir();
  ggufPath = await writeChatGgufBase(dir.path);
  await writeFile(join(dir.path, 'broken.gguf'), 'not a GGUF file');
  running = await startFineTuningServer(join(dir.path, 'store'), { bases: { 'qwen-gguf': ggufPath, 'broken-gguf': join(dir.path, 'broken.gguf') } });
}, 60_000);
afterAll(async () => {
  await running?.close();
  await dir?.remove();
});

async function fineTune(client: OpenAI, hyperparameters: Record<string, number>, suffix: string) {
  const file = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' });
  const created = await client.fineTuning.jobs.create({
    model: 'qwen-gguf',
    training_file: file.id,
    seed: 1,
    suffix,
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 4, ...hyperparameters } as never } },
  });
  return pollUntilDone(() => client.fineTuning.jobs.retrieve(created.id));
}

describe("a GGUF base's header", () => {
  it('is read from growing prefixes of the file, as the whole file parses it', async () => {
    const whole = await readGguf(ggufPath, { readData: false });
    const header = await readGgufHeader(ggufPath, 64);
    expect(header.metadata).toEqual(whole.metadata);
    expect(header.tensors.map((t) => [t.name, t.fileOffset])).toEqual(whole.tensors.map((t) => [t.name, t.fileOffset]));
    await expect(readGgufHeader(join(dir.path, 'broken.gguf'), 4)).rejects.toThrow(/broken\.gguf.*bad magic/);
  });
});

describe('a GGUF base', () => {
  it('is listed as a base, fine-tuned in all its weights through its chat template, and its ft: model answers', async () => {
    const client = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toContain('qwen-gguf');
    const job = await fineTune(client, {}, 'full');
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    expect(job.fine_tuned_model).toBe(`ft:qwen-gguf:full:${job.id.slice('ftjob-'.length)}`);
    const trained = await loadCheckpoint(join(dir.path, 'store', 'jobs', job.id, 'model'));
    expect(trained.config.architecture).toBe('qwen3');
    expect(trained.lora).toBeUndefined();
    // The base's chat template, read from the GGUF, renders the rows (one system prompt for the file).
    expect(trained.info).toMatchObject({ base: ggufPath, learningRate: 1e-4, promptFormat: { type: 'chat', system: SYSTEM } });
    expect(trained.tokenizer.chatTemplate).toBe(CHAT_TEMPLATE);
    const chat = await client.chat.completions.create({
      model: job.fine_tuned_model!,
      messages: [{ role: 'user', content: 'What colour is thing 1?' }],
      max_tokens: 2,
      temperature: 0,
    });
    expect(chat.choices[0]!.message.role).toBe('assistant');
    expect(chat.model).toBe(job.fine_tuned_model);
  }, 120_000);

  it('trains LoRA adapters on it (the base GGUF stays the reference), served merged', async () => {
    const client = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
    const job = await fineTune(client, { lora_rank: 4, lora_alpha: 8 }, 'lora');
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    const trained = await loadCheckpoint(join(dir.path, 'store', 'jobs', job.id, 'model'));
    expect(trained.lora?.config).toMatchObject({ rank: 4, alpha: 8 });
    expect(trained.lora?.base).toBe(ggufPath);
    expect(trained.info).toMatchObject({ learningRate: 2e-4, promptFormat: { type: 'chat', system: SYSTEM } });
    const chat = await client.chat.completions.create({
      model: job.fine_tuned_model!,
      messages: [{ role: 'user', content: 'What colour is thing 1?' }],
      max_tokens: 2,
      temperature: 0,
    });
    expect(chat.choices[0]!.message.role).toBe('assistant');
    // Its checkpoints (6 steps, one each) are adapters too: the newest three are kept and served merged.
    const checkpoints = (await client.fineTuning.jobs.checkpoints.list(job.id)).data;
    expect(checkpoints.map((c) => c.step_number)).toEqual([6, 5, 4]);
    const atStep4 = await loadCheckpoint(join(dir.path, 'store', 'jobs', job.id, 'checkpoints', 'step-4'));
    expect(atStep4.lora?.base).toBe(ggufPath);
    const early = await client.chat.completions.create({
      model: checkpoints[2]!.fine_tuned_model_checkpoint,
      messages: [{ role: 'user', content: 'What colour is thing 1?' }],
      max_tokens: 2,
      temperature: 0,
    });
    expect(early.model).toBe(`${job.fine_tuned_model}:ckpt-step-4`);
  }, 120_000);

  it('fails a job whose chat lines the template cannot train (multi-turn), naming the line', async () => {
    const client = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
    const multiTurn = JSON.stringify({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'red' },
        { role: 'user', content: 'and?' },
        { role: 'assistant', content: 'blue' },
      ],
    });
    const file = await client.files.create({ file: await toFile(Buffer.from(`${chatTrainingJsonl(2)}${multiTurn}\n`), 'train.jsonl'), purpose: 'fine-tune' });
    const created = await client.fineTuning.jobs.create({ model: 'qwen-gguf', training_file: file.id });
    const job = await pollUntilDone(() => client.fineTuning.jobs.retrieve(created.id));
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'invalid_training_file', param: 'training_file' });
    expect(job.error?.message).toMatch(/line 3.*single-turn/);
  }, 60_000);

  it('fails a job on a file that is not a GGUF while validating, naming the base', async () => {
    const client = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
    const file = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl(2)), 'train.jsonl'), purpose: 'fine-tune' });
    const created = await client.fineTuning.jobs.create({ model: 'broken-gguf', training_file: file.id });
    const job = await pollUntilDone(() => client.fineTuning.jobs.retrieve(created.id));
    expect(job).toMatchObject({ status: 'failed', error: { code: 'invalid_base', param: 'model' } });
    expect(job.error?.message).toMatch(/^the base broken-gguf cannot be read: .*broken\.gguf.*not a GGUF file \(bad magic\)/);
  }, 60_000);
});
