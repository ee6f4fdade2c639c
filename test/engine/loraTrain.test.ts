/**
 * LoRA fine-tuning runs (`lora` in train(), `--lora-*` in the CLI) on a pretrained-layout base (SmolLM2-135M's
 * config, reduced; random weights; the engine's BPE as its tokenizer.json): validation loss falls, the state
 * holds the adapters alone, a killed run resumes bit for bit, the checkpoint is a PEFT adapter naming its base
 * by digest and loads merged (its logits are the adapter-applied ones), `builtin:` answers as the merged model
 * does, and the exports write the merged model (gguf, hf) or the adapter (peft, lora-gguf).
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseModel } from '../../src/engine/base.js';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { exportGguf, exportHf, exportLoraGguf, exportPeft } from '../../src/engine/export.js';
import { parseGguf } from '../../src/engine/formats/gguf.js';
import { readSafetensors } from '../../src/engine/formats/safetensors.js';
import { loraShapes, mergeLora } from '../../src/engine/lora.js';
import { readPeftAdapter } from '../../src/engine/loraFiles.js';
import { OnnxLlama } from '../../src/engine/onnx/session.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import { tokenizerFiles } from '../../src/engine/tokenizers/files.js';
import { train, type TrainOptions } from '../../src/engine/train.js';
import { createBuiltinModel } from '../../src/models/providers/builtin.js';
import { InputError } from '../../src/util/errors.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';
import { toyExamples, trainKilledAt } from './toy.js';

let dir: string;
const data = toyExamples(120);
const base = () => join(dir, 'smollm2-base');
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-lora-train-'));
  await writeHfModel(
    base(),
    REDUCED_MODELS.find((m) => m.name === 'SmolLM2-135M')!,
  );
  const tokenizer = trainTokenizer(
    data.map((e) => `${e.prompt}${e.completion}`),
    { vocabSize: 300, minFrequency: 2 },
  );
  for (const file of tokenizerFiles(tokenizer)) await writeFile(join(base(), file.name), file.text);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (out: string, overrides: Partial<TrainOptions> = {}): TrainOptions => ({
  train: data.slice(0, 100),
  validation: data.slice(100),
  outDir: join(dir, out),
  base: base(),
  contextLength: 32,
  steps: 12,
  batchSize: 8,
  microBatchSize: 4,
  learningRate: 1e-2,
  evalEvery: 4,
  seed: 5,
  threads: 1,
  lora: { rank: 4, alpha: 8, dropout: 0.1, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
  ...overrides,
});

describe('LoRA fine-tuning runs', () => {
  it('lower the validation loss, keep only adapters in the state, and resume bit for bit', async () => {
    const evals: number[] = [];
    const whole = await train(
      options('whole', {
        onEvent: (e) => {
          if (e.type === 'eval') evals.push(e.validationLoss);
        },
      }),
    );
    expect(evals[evals.length - 1]!).toBeLessThan(evals[0]!);
    expect(whole.trainableParameters).toBeLessThan(whole.parameters / 5);
    expect(whole.peakMemoryBytes).toBeGreaterThan(10 * 2 ** 20);
    const files = await readdir(join(dir, 'whole'));
    expect(files).toEqual(expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors', 'config.json', 'tokenizer.json']));
    expect(files).not.toContain('model.safetensors');
    const state = JSON.parse(await readFile(join(dir, 'whole', 'training', 'state.json'), 'utf8')) as { files: { model: string; optimizer: string } };
    const saved = await readSafetensors(join(dir, 'whole', 'training', state.files.model));
    const moments = await readSafetensors(join(dir, 'whole', 'training', state.files.optimizer));
    expect([...saved.tensors.keys()].every((n) => /\.lora_[AB]\.weight$/.test(n))).toBe(true);
    expect(saved.tensors.size).toBe(loraShapes(whole.config, { rank: 4, alpha: 8, dropout: 0.1, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }).length);
    expect(moments.tensors.size).toBe(2 * saved.tensors.size);

    await trainKilledAt(options('killed'), 9);
    const resumed = await train(options('killed'));
    expect(resumed.resumedFrom).toBe(8);
    const bytes = (run: string) => readFile(join(dir, run, 'adapter_model.safetensors'));
    expect(Buffer.compare(await bytes('whole'), await bytes('killed'))).toBe(0);
    // Another dropout (or rank) is another run.
    await expect(train(options('killed', { lora: { rank: 4, alpha: 8, dropout: 0.2 } }))).rejects.toThrow(/different data or options/);
  }, 240_000);

  it('saves the adapter with its base by digest, and loads merged: the merged logits are the adapter-applied ones', async () => {
    const checkpoint = await loadCheckpoint(join(dir, 'whole'));
    const config = JSON.parse(await readFile(join(dir, 'whole', 'config.json'), 'utf8')) as { apprentice: { lora: Record<string, unknown> } };
    expect(config.apprentice.lora).toMatchObject({ rank: 4, alpha: 8, dropout: 0.1, base: base(), baseDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const lora = checkpoint.lora!;
    const baseWeights = (await loadBaseModel(base())).weights;
    expect(checkpoint.weights).toEqual(mergeLora(baseWeights, lora.adapters, checkpoint.config, lora.config));
    // The adapter trained: B is no longer zero, so merged differs from the base.
    expect(checkpoint.weights.get('model.layers.0.self_attn.q_proj.weight')).not.toEqual(baseWeights.get('model.layers.0.self_attn.q_proj.weight'));

    const tokens = Int32Array.from({ length: 2 * 12 }, (_, i) => (i * 37 + 11) % checkpoint.config.vocabSize);
    const adapted = await OnnxLlama.create(checkpoint.config, 1, lora.config);
    const merged = await OnnxLlama.create(checkpoint.config, 1);
    const a = await adapted.logits(new Map([...baseWeights, ...lora.adapters]), tokens, 2, 12);
    const m = await merged.logits(checkpoint.weights, tokens, 2, 12);
    await Promise.all([adapted.release(), merged.release()]);
    const diff = a.reduce((d, v, i) => Math.max(d, Math.abs(v - m[i]!)), 0);
    expect(diff).toBeLessThan(1e-4);
  });

  it('refuses to load the adapter onto a base whose weights changed', async () => {
    const copy = join(dir, 'moved');
    await cp(join(dir, 'whole'), copy, { recursive: true, filter: (source) => !source.startsWith(join(dir, 'whole', 'training')) });
    const configPath = join(copy, 'config.json');
    const json = JSON.parse(await readFile(configPath, 'utf8')) as { apprentice: { lora: { baseDigest: string } } };
    json.apprentice.lora.baseDigest = '0'.repeat(64);
    await writeFile(configPath, JSON.stringify(json));
    const error = await loadCheckpoint(copy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(String((error as Error).message)).toMatch(/other weights/);
    expect((error as InputError).field).toBe('apprentice.lora.baseDigest');
  });

  it('exports the merged model (hf, gguf) and the adapter alone (peft, lora-gguf)', async () => {
    const checkpoint = await loadCheckpoint(join(dir, 'whole'));
    const hf = await exportHf(join(dir, 'whole'), join(dir, 'export-hf'));
    expect(hf.files).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']));
    const reloaded = await loadCheckpoint(join(dir, 'export-hf'));
    expect(reloaded.lora).toBeUndefined();
    expect(reloaded.weights).toEqual(checkpoint.weights);

    const gguf = await exportGguf(join(dir, 'whole'), join(dir, 'merged.gguf'));
    expect(gguf.parameters).toBe([...checkpoint.weights.values()].reduce((n, w) => n + w.length, 0));

    const peft = await exportPeft(join(dir, 'whole'), join(dir, 'export-peft'));
    expect(peft.files).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const adapterConfig = JSON.parse(await readFile(join(dir, 'export-peft', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(adapterConfig).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 4,
      lora_alpha: 8,
      base_model_name_or_path: base(),
      target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    });
    const peftTensors = await readSafetensors(join(dir, 'export-peft', 'adapter_model.safetensors'));
    expect(peftTensors.tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')?.shape).toEqual([4, checkpoint.config.dim]);
    expect((await readPeftAdapter(join(dir, 'export-peft'), checkpoint.config)).adapters).toEqual(checkpoint.lora!.adapters);

    const loraGguf = await exportLoraGguf(join(dir, 'whole'), join(dir, 'adapter.gguf'));
    expect(loraGguf.parameters).toBe(peft.parameters);
    const parsed = parseGguf(new Uint8Array(await readFile(join(dir, 'adapter.gguf'))));
    const meta = (key: string) => (parsed.metadata.get(key) as { value: unknown } | undefined)?.value;
    expect([meta('general.type'), meta('adapter.type'), meta('adapter.lora.alpha'), meta('general.architecture')]).toEqual(['adapter', 'lora', 8, 'llama']);
    const names = parsed.tensors.map((t) => t.name);
    expect(names).toContain('blk.0.attn_q.weight.lora_a');
    expect(names).toContain('blk.1.ffn_down.weight.lora_b');

    await expect(exportPeft(join(dir, 'export-hf'), join(dir, 'nope'))).rejects.toThrow(/not a LoRA run/);
  });

  it('runs as builtin: with the adapter merged, answering as the merged model does', async () => {
    const viaLora = await createBuiltinModel({ spec: 'builtin:lora', dir: join(dir, 'whole') });
    const viaMerged = await createBuiltinModel({ spec: 'builtin:merged', dir: join(dir, 'export-hf') });
    try {
      const prompt = data[3]!.prompt;
      const [a, b] = [await viaLora.generate({ prompt, maxTokens: 6 }), await viaMerged.generate({ prompt, maxTokens: 6 })];
      expect(a.completions[0]!.text).toBe(b.completions[0]!.text);
      const [la, lb] = [
        await viaLora.logprob({ prompt, continuation: data[3]!.completion }),
        await viaMerged.logprob({ prompt, continuation: data[3]!.completion }),
      ];
      expect(Math.abs(la.logprob - lb.logprob)).toBeLessThan(1e-3);
    } finally {
      await viaLora.close?.();
      await viaMerged.close?.();
    }
  }, 120_000);

  it('refuses LoRA without a base or on the tfjs backend', async () => {
    await expect(train(options('nobase', { base: undefined }))).rejects.toThrow(/give --base/);
    await expect(train(options('tfjs', { backend: 'tfjs' }))).rejects.toThrow(/onnx backend only/);
    await expect(train(options('badtarget', { lora: { rank: 2, targets: ['qkv'] } }))).rejects.toThrow(/unknown LoRA target/);
  });
});
