/**
 * Full fine-tuning of a pretrained-layout student (`base` in train()): a Hugging Face Qwen3 folder (Qwen3-0.6B's
 * config, reduced; random weights) with a tokenizer.json (here the engine's BPE written as Hugging Face files,
 * loaded through the Hugging Face tokenizer path) is fine-tuned; validation loss goes down, a killed run
 * resumes bit for bit, and the checkpoint is a Qwen3 folder with the base's tokenizer.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import { tokenizerFiles } from '../../src/engine/tokenizers/files.js';
import { train, type TrainOptions } from '../../src/engine/train.js';
import { InputError } from '../../src/util/errors.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';
import { toyExamples, trainKilledAt } from './toy.js';

let dir: string;
const data = toyExamples(120);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-base-train-'));
  const folder = join(dir, 'qwen3-base');
  await writeHfModel(folder, { ...REDUCED_MODELS.find((m) => m.name === 'Qwen3-0.6B')!, dtype: 'BF16' });
  const tokenizer = trainTokenizer(
    data.map((e) => `${e.prompt}${e.completion}`),
    { vocabSize: 300, minFrequency: 2 },
  );
  for (const file of tokenizerFiles(tokenizer)) await writeFile(join(folder, file.name), file.text);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (out: string, overrides: Partial<TrainOptions> = {}): TrainOptions => ({
  train: data.slice(0, 100),
  validation: data.slice(100),
  outDir: join(dir, out),
  base: join(dir, 'qwen3-base'),
  contextLength: 32,
  steps: 12,
  batchSize: 8,
  learningRate: 3e-3,
  evalEvery: 4,
  seed: 3,
  threads: 1,
  ...overrides,
});

describe('fine-tuning a pretrained base', () => {
  it('lowers the validation loss, resumes bit for bit and saves a Qwen3 folder with the base tokenizer', async () => {
    const evals: number[] = [];
    const whole = await train(
      options('whole', {
        onEvent: (e) => {
          if (e.type === 'eval') evals.push(e.validationLoss);
        },
      }),
    );
    expect(whole.config.architecture).toBe('qwen3');
    expect(evals[evals.length - 1]!).toBeLessThan(evals[0]!);
    await trainKilledAt(options('killed'), 9);
    const resumed = await train(options('killed'));
    expect(resumed.resumedFrom).toBe(8);
    expect(Buffer.compare(await readFile(join(dir, 'whole', 'model.safetensors')), await readFile(join(dir, 'killed', 'model.safetensors')))).toBe(0);
    const checkpoint = await loadCheckpoint(join(dir, 'whole'));
    expect(checkpoint.config).toMatchObject({ architecture: 'qwen3', headDim: 32, dim: 64 });
    expect(checkpoint.tokenizer.kind).toBe('hf');
    expect(checkpoint.info).toMatchObject({ base: join(dir, 'qwen3-base'), promptFormat: { type: 'raw' }, tokenizer: 'hf' });
    const tokenizerJson = async (folder: string) => JSON.parse(await readFile(join(dir, folder, 'tokenizer.json'), 'utf8')) as unknown;
    expect(await tokenizerJson('whole')).toEqual(await tokenizerJson('qwen3-base'));
  });

  it('refuses a missing base, size overrides, and a base with a warm start', async () => {
    await expect(train(options('gguf', { base: join(dir, 'x.gguf') }))).rejects.toThrow(/x\.gguf.*not a checkpoint folder/);
    await expect(train(options('sized', { size: 'tiny' }))).rejects.toThrow(InputError);
    await expect(train(options('both', { initFrom: join(dir, 'whole') }))).rejects.toThrow(/not both/);
  });
});
