/**
 * The PEFT adapter the engine writes, against the PyTorch reference of the Hugging Face models
 * (test/engine/reference/hf_reference.py with an adapter folder: each adapted weight W + (alpha / r) B A, read
 * from adapter_model.safetensors by PEFT's names, in the Hugging Face rotary layout as stored). For each
 * architecture, the engine's adapter-applied logits equal PyTorch's within 1e-3 and the adapters' gradients
 * (brought back to the Hugging Face layout by the same converter) agree with PyTorch autograd. So the file's
 * names, shapes, scaling and q/k row order are what PEFT means.
 *
 * Skipped, saying so, when /usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseModel } from '../../src/engine/base.js';
import { initialLoraWeights, loraConfig, loraShapes, type LoraConfig } from '../../src/engine/lora.js';
import { readPeftAdapter, writePeftAdapter } from '../../src/engine/loraFiles.js';
import { OnnxLlama } from '../../src/engine/onnx/session.js';
import { convertRotaryLayout } from '../../src/engine/rotaryLayout.js';
import { createRng } from '../../src/util/random.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';
import {
  expectGradientsMatch,
  hasTorch,
  maxAbsDiff,
  referenceBatch,
  runReference,
  writeReferenceInput,
  type ReferenceOutput,
} from './reference/hfReference.js';

if (!hasTorch) console.warn('loraHfReference.test.ts: SKIPPED, python3-torch is not installed (apt-get install python3-torch)');

const MODELS = ['SmolLM2-135M', 'Llama-3.2-1B', 'Qwen2.5-0.5B', 'Qwen3-0.6B'];
const LORA: LoraConfig = loraConfig({ rank: 4, alpha: 8, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });

const batchFor = (vocabSize: number, seed: string) => referenceBatch(vocabSize, seed, 16, 3);

describe.skipIf(!hasTorch)(`the PEFT adapter against a PyTorch reference${hasTorch ? '' : ' (SKIPPED: python3-torch is not installed)'}`, () => {
  let dir: string;
  const measured: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apprentice-lora-hfref-'));
    const jobs: string[][] = [];
    for (const name of MODELS) {
      const folder = join(dir, name);
      const { config } = await writeHfModel(
        folder,
        REDUCED_MODELS.find((m) => m.name === name)!,
      );
      const rng = createRng(`peft:${name}`);
      const adapters = initialLoraWeights(config, LORA, 9);
      for (const { name: n } of loraShapes(config, LORA))
        if (n.includes('lora_B'))
          adapters.set(
            n,
            adapters.get(n)!.map(() => (rng.next() - 0.5) * 0.3),
          );
      await writePeftAdapter(join(dir, `${name}-adapter`), config, LORA, adapters, folder);
      const input = await writeReferenceInput(dir, name, batchFor(config.vocabSize, name));
      jobs.push([folder, input, join(dir, `${name}.out.json`), join(dir, `${name}-adapter`)]);
    }
    await runReference(dir, jobs);
  }, 300_000);
  afterAll(async () => {
    console.log(`engine + PEFT adapter vs PyTorch (max |logit diff|, max relative adapter-gradient diff):\n${measured.join('\n')}`);
    await rm(dir, { recursive: true, force: true });
  });

  for (const name of MODELS) {
    it(`${name}: adapter-applied logits and adapter gradients`, async () => {
      const base = await loadBaseModel(join(dir, name));
      const { config } = base;
      const { lora, adapters } = await readPeftAdapter(join(dir, `${name}-adapter`), config);
      expect(lora).toEqual(LORA);
      const batch = batchFor(config.vocabSize, name);
      const reference = JSON.parse(await readFile(join(dir, `${name}.out.json`), 'utf8')) as ReferenceOutput;
      const onnx = await OnnxLlama.create(config, 1, lora);
      try {
        const feeds = new Map([...base.weights, ...adapters]);
        const logits = await onnx.logits(feeds, batch.tokens, batch.B, batch.T);
        const maxDiff = maxAbsDiff(logits, reference.logits);
        expect(maxDiff).toBeLessThanOrEqual(1e-3);
        const step = await onnx.step(feeds, batch);
        expect(Math.abs(step.loss - reference.loss) / reference.loss).toBeLessThan(1e-5);
        const worst = expectGradientsMatch(convertRotaryLayout(step.grads, config, 'interleaved', 'half'), reference, 'base_model.model.');
        measured.push(`  ${name}: ${maxDiff.toExponential(2)}, ${worst.toExponential(2)}`);
      } finally {
        await onnx.release();
      }
    });
  }
});
