/**
 * A pretrained base named at start (`serve --fine-tuning --base <name>=<folder>`): listed as a base, fine-tuned
 * in all its weights by a job (the pretrained learning rate) or with LoRA adapters, its ft: models served.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import { tokenizerFiles } from '../../src/engine/tokenizers/files.js';
import { FineTuningService } from '../../src/finetune/service.js';
import { ModelHub } from '../../src/models/hub.js';
import { startApiServer, type RunningServer } from '../../src/server/app.js';
import { fineTunedModelCatalog } from '../../src/server/fineTuning/models.js';
import { registerFineTuningRoutes } from '../../src/server/fineTuning/routes.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';
import { chatTrainingJsonl, pollUntilDone, tempDir } from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let server: RunningServer;
let service: FineTuningService;
let hub: ModelHub;
let base: string;

beforeAll(async () => {
  dir = await tempDir();
  base = join(dir.path, 'qwen3');
  await writeHfModel(base, { ...REDUCED_MODELS.find((m) => m.name === 'Qwen3-0.6B')!, dtype: 'F32' });
  const tokenizer = trainTokenizer(chatTrainingJsonl().split('\n'), { vocabSize: 300, minFrequency: 2 });
  for (const file of tokenizerFiles(tokenizer)) await writeFile(join(base, file.name), file.text);
  hub = new ModelHub({ cachePath: ':memory:' });
  service = new FineTuningService({ dir: join(dir.path, 'store'), bases: { qwen: base } });
  service.start();
  server = await startApiServer({
    catalog: fineTunedModelCatalog(service, (spec) => hub.model(spec)),
    extend: (app) => registerFineTuningRoutes(app, service),
  });
});
afterAll(async () => {
  await server?.close();
  await service?.close();
  await hub?.close();
  await dir?.remove();
});

describe('a named pretrained base', () => {
  it('is fine-tuned by a job and its ft: model answers', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toContain('qwen');
    const file = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' });
    const created = await client.fineTuning.jobs.create({ model: 'qwen', training_file: file.id, seed: 1, hyperparameters: { n_epochs: 2, batch_size: 4 } });
    const job = await pollUntilDone(() => client.fineTuning.jobs.retrieve(created.id));
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    const trained = await loadCheckpoint(join(dir.path, 'store', 'jobs', job.id, 'model'));
    expect(trained.config.architecture).toBe('qwen3');
    expect(trained.info).toMatchObject({ base, learningRate: 1e-4 });
    const chat = await client.chat.completions.create({
      model: job.fine_tuned_model!,
      messages: [{ role: 'user', content: 'What colour is thing 1?' }],
      max_tokens: 2,
      temperature: 0,
    });
    expect(chat.choices[0]!.message.role).toBe('assistant');
  }, 60_000);

  it('trains LoRA adapters on it with lora_rank (the extension), served merged', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const file = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' });
    const created = await client.fineTuning.jobs.create({
      model: 'qwen',
      training_file: file.id,
      seed: 1,
      suffix: 'lora',
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 4, lora_rank: 4, lora_alpha: 8 } as never } },
    });
    const job = await pollUntilDone(() => client.fineTuning.jobs.retrieve(created.id));
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    expect(job.hyperparameters).toMatchObject({ lora_rank: 4, lora_alpha: 8 });
    const trained = await loadCheckpoint(join(dir.path, 'store', 'jobs', job.id, 'model'));
    expect(trained.lora?.config).toMatchObject({ rank: 4, alpha: 8 });
    expect(trained.info).toMatchObject({ learningRate: 2e-4 });
    const chat = await client.chat.completions.create({
      model: job.fine_tuned_model!,
      messages: [{ role: 'user', content: 'What colour is thing 1?' }],
      max_tokens: 2,
      temperature: 0,
    });
    expect(chat.choices[0]!.message.role).toBe('assistant');
  }, 60_000);
});
