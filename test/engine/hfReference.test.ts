/**
 * The engine against an independent reference: for each architecture (llama, qwen2, qwen3; tied and untied;
 * with and without Llama 3 rope scaling), a Hugging Face folder with a named model's real config (reduced) and
 * random weights (F32, F16, BF16; one file or shards) is loaded by the engine (loadBaseModel, which moves q/k
 * into its own rotary layout) and run by the ONNX graphs, and by test/engine/reference/hf_reference.py, a
 * PyTorch float64 forward written from transformers' modelling code that reads the folder as stored. Logits
 * agree within 1e-3, the argmax (greedy) token at every position is the same, and every gradient of the
 * weighted loss agrees with PyTorch autograd (brought back to the Hugging Face layout by the same converter).
 *
 * Skipped, saying so, when /usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseModel } from '../../src/engine/base.js';
import { OnnxLlama } from '../../src/engine/onnx/session.js';
import { convertRotaryLayout } from '../../src/engine/rotaryLayout.js';
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

if (!hasTorch) console.warn('hfReference.test.ts: SKIPPED, python3-torch is not installed (apt-get install python3-torch)');

const batchFor = (vocabSize: number, seed: string) => referenceBatch(vocabSize, seed, 24, 4);

describe.skipIf(!hasTorch)(
  `the engine against a PyTorch reference of the Hugging Face models${hasTorch ? '' : ' (SKIPPED: python3-torch is not installed)'}`,
  () => {
    let dir: string;
    const measured: string[] = [];
    // Every folder and batch first, then one PyTorch process for all of them.
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'apprentice-hfref-'));
      const jobs: string[][] = [];
      for (const model of REDUCED_MODELS) {
        const folder = join(dir, model.name);
        const { config } = await writeHfModel(folder, model);
        const input = await writeReferenceInput(dir, model.name, batchFor(config.vocabSize, model.name));
        jobs.push([folder, input, join(dir, `${model.name}.out.json`)]);
      }
      await runReference(dir, jobs);
    }, 300_000);
    afterAll(async () => {
      console.log(`engine vs PyTorch (max |logit diff|, max relative gradient diff):\n${measured.join('\n')}`);
      await rm(dir, { recursive: true, force: true });
    });

    for (const model of REDUCED_MODELS) {
      const json = model.name;
      it(`${json} (${model.dtype}, ${model.shards === 1 ? 'one file' : `${model.shards} shards`}): logits, greedy tokens and gradients`, async () => {
        const base = await loadBaseModel(join(dir, json));
        const { config } = base;
        const batch = batchFor(config.vocabSize, json);
        const output = join(dir, `${json}.out.json`);
        const reference = JSON.parse(await readFile(output, 'utf8')) as ReferenceOutput;

        const onnx = await OnnxLlama.create(config, 1);
        try {
          const logits = await onnx.logits(base.weights, batch.tokens, batch.B, batch.T);
          const V = config.vocabSize;
          const maxDiff = maxAbsDiff(logits, reference.logits);
          expect(maxDiff).toBeLessThanOrEqual(1e-3);
          const argmax = (a: ArrayLike<number>, row: number) => {
            let best = 0;
            for (let v = 1; v < V; v++) if (a[row * V + v]! > a[row * V + best]!) best = v;
            return best;
          };
          const ours = Array.from({ length: batch.B * batch.T }, (_, r) => argmax(logits, r));
          const theirs = Array.from({ length: batch.B * batch.T }, (_, r) => argmax(reference.logits, r));
          expect(ours).toEqual(theirs);
          // The logits must be far from uniform for the comparison to mean something.
          expect(Math.max(...reference.logits) - Math.min(...reference.logits)).toBeGreaterThan(5);

          const step = await onnx.step(base.weights, batch);
          expect(Math.abs(step.loss - reference.loss) / reference.loss).toBeLessThan(1e-5);
          const worstGradient = expectGradientsMatch(convertRotaryLayout(step.grads, config, 'interleaved', 'half'), reference);
          measured.push(`  ${json}: ${maxDiff.toExponential(2)}, ${worstGradient.toExponential(2)}`);
        } finally {
          await onnx.release();
        }
      });
    }
  },
);
