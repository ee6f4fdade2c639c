/**
 * LoRA on a GGUF base (`train --base model.gguf --lora-rank ...`): a reduced SmolLM2-135M folder is written as a
 * GGUF with the project's own exporter; a LoRA run from the GGUF trains the same adapters, bit for bit, as the
 * same run from the folder; its checkpoint names the GGUF by digest (a changed GGUF is refused), loads merged,
 * exports the merged GGUF and the adapter alone; and llama.cpp (node-llama-cpp) with that adapter GGUF on the
 * base GGUF gives the merged GGUF's log-probabilities.
 */
import { appendFile, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseModel } from '../../src/engine/base.js';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { exportGguf, exportLoraGguf, exportPeft } from '../../src/engine/export.js';
import { mergeLora } from '../../src/engine/lora.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import { tokenizerFiles } from '../../src/engine/tokenizers/files.js';
import { train, type TrainOptions } from '../../src/engine/train.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';
import { F32_CONTEXT } from '../support/llamaCppWorkspace.js';
import { logProbabilities, maxDiff } from './llamaCppLogProbs.js';
import { toyExamples } from './toy.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

let dir: string;
const data = toyExamples(60);
const folder = () => join(dir, 'smollm2-base');
const ggufBase = () => join(dir, 'smollm2-base.gguf');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-lora-gguf-base-'));
  await writeHfModel(
    folder(),
    REDUCED_MODELS.find((m) => m.name === 'SmolLM2-135M')!,
  );
  const tokenizer = trainTokenizer(
    data.map((e) => `${e.prompt}${e.completion}`),
    { vocabSize: 300, minFrequency: 2 },
  );
  for (const file of tokenizerFiles(tokenizer)) await writeFile(join(folder(), file.name), file.text);
  await exportGguf(folder(), ggufBase(), { dtype: 'f32' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const options = (base: string, out: string): TrainOptions => ({
  train: data.slice(0, 48),
  validation: data.slice(48),
  outDir: join(dir, out),
  base,
  contextLength: 32,
  steps: 4,
  batchSize: 4,
  learningRate: 1e-2,
  evalEvery: 2,
  seed: 3,
  threads: 1,
  lora: { rank: 4, alpha: 8, dropout: 0.1, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
});

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('LoRA on a GGUF base', () => {
  it('trains the same adapters as from the Hugging Face folder, and the checkpoint names the GGUF by digest', async () => {
    const fromFolder: number[] = [];
    const fromGguf: number[] = [];
    await train({
      ...options(folder(), 'from-folder'),
      onEvent: (e) => {
        if (e.type === 'step') fromFolder.push(e.loss);
      },
    });
    const result = await train({
      ...options(ggufBase(), 'from-gguf'),
      onEvent: (e) => {
        if (e.type === 'step') fromGguf.push(e.loss);
      },
    });
    expect(fromGguf).toHaveLength(4);
    expect(fromGguf).toEqual(fromFolder);
    expect(result.trainableParameters).toBeLessThan(result.parameters / 5);
    const [a, b] = [await readFile(join(dir, 'from-folder', 'adapter_model.safetensors')), await readFile(join(dir, 'from-gguf', 'adapter_model.safetensors'))];
    expect(b.equals(a)).toBe(true);

    const config = JSON.parse(await readFile(join(dir, 'from-gguf', 'config.json'), 'utf8')) as { apprentice: { lora: Record<string, unknown> } };
    expect(config.apprentice.lora).toMatchObject({ rank: 4, base: ggufBase(), baseDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const trained = await loadCheckpoint(join(dir, 'from-gguf'));
    const twin = await loadCheckpoint(join(dir, 'from-folder'));
    const base = await loadBaseModel(ggufBase());
    expect(trained.weights).toEqual(mergeLora(base.weights, trained.lora!.adapters, trained.config, trained.lora!.config));
    for (const [name, w] of twin.weights) expect(bytes(trained.weights.get(name)!).equals(bytes(w)), name).toBe(true);
    const peft = await exportPeft(join(dir, 'from-gguf'), join(dir, 'peft'));
    expect(peft.parameters).toBe(result.trainableParameters);
  }, 240_000);

  it('llama.cpp: the adapter GGUF on the base GGUF gives the merged GGUF', async () => {
    const run = join(dir, 'from-gguf');
    const merged = join(dir, 'merged.gguf');
    const adapter = join(dir, 'adapter.gguf');
    await exportGguf(run, merged, { dtype: 'f32' });
    await exportLoraGguf(run, adapter);
    const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
    const { config, tokenizer } = await loadCheckpoint(run);
    const V = config.vocabSize;
    const ids = tokenizer.encode(`${data[50]!.prompt}${data[50]!.completion}`).slice(0, 24);
    const contextOptions = F32_CONTEXT;
    const baseModel = await llama.loadModel({ modelPath: ggufBase() });
    const mergedModel = await llama.loadModel({ modelPath: merged });
    const withAdapter = await baseModel.createContext({ ...contextOptions, lora: { adapters: [{ filePath: adapter }] } });
    const plain = await baseModel.createContext(contextOptions);
    const mergedContext = await mergedModel.createContext(contextOptions);
    try {
      const adapted = await logProbabilities(withAdapter, ids, V);
      const reference = await logProbabilities(mergedContext, ids, V);
      const unadapted = await logProbabilities(plain, ids, V);
      const [vsMerged, adapterEffect] = [maxDiff(adapted, reference), maxDiff(unadapted, reference)];
      console.log(
        `LoRA GGUF on the base GGUF vs merged GGUF: max |log-probability diff| ${vsMerged.toExponential(2)} (without the adapter ${adapterEffect.toFixed(4)})`,
      );
      expect(vsMerged).toBeLessThanOrEqual(1e-3);
      // Four steps moved the model: without the adapter the base is measurably elsewhere.
      expect(adapterEffect).toBeGreaterThan(10 * vsMerged);
    } finally {
      await Promise.all([withAdapter.dispose(), plain.dispose(), mergedContext.dispose()]);
      await Promise.all([baseModel.dispose(), mergedModel.dispose()]);
    }
  }, 120_000);

  it('refuses a GGUF base that changed since the adapter was trained', async () => {
    const moved = join(dir, 'moved');
    await train(options(ggufBase(), 'moved'));
    const copy = join(dir, 'copy.gguf');
    await copyFile(ggufBase(), copy);
    const config = JSON.parse(await readFile(join(moved, 'config.json'), 'utf8')) as { apprentice: { lora: { base: string } } };
    config.apprentice.lora.base = copy;
    await writeFile(join(moved, 'config.json'), JSON.stringify(config));
    await expect(loadCheckpoint(moved)).resolves.toBeDefined(); // the same bytes elsewhere are the same base
    await appendFile(copy, Buffer.alloc(32));
    await expect(loadCheckpoint(moved)).rejects.toThrow(/other weights than the one this LoRA adapter was trained on/);
  }, 120_000);
});
