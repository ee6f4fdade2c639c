/**
 * The engine against llama.cpp (node-llama-cpp, F32 KV cache, flash attention off) on the GGUF the engine
 * exports: for each architecture (llama, qwen2, qwen3; tied and untied; with and without Llama 3 rope scaling,
 * written as rope_freqs), the same Hugging Face folders as test/engine/hfReference.test.ts, loaded by the
 * engine, exported with llama.cpp's architecture, tensor names and rotary layout, then fed the same token ids.
 * The next-token log-probabilities agree within 1e-3 at every position and greedy decoding gives the same tokens.
 * (The vocabulary is the engine's BPE padded to the model's: token ids go in directly.)
 */
import { join } from 'node:path';
import type { Token } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { loadBaseModel } from '../../src/engine/base.js';
import { writeLlamaGguf } from '../../src/engine/formats/llamaGguf.js';
import { OnnxLlama } from '../../src/engine/onnx/session.js';
import { createRng } from '../../src/util/random.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';
import { F32_CONTEXT, referenceTokenizer, useLlamaCppWorkspace } from '../support/llamaCppWorkspace.js';
import { logSoftmax } from '../support/tinyGguf.js';

const workspace = useLlamaCppWorkspace('apprentice-llamacpp-ref-', 'engine vs llama.cpp (max |log-probability diff|)');
const tokenizer = referenceTokenizer();

describe('the engine against llama.cpp on its exported GGUF', () => {
  for (const model of REDUCED_MODELS) {
    it(`${model.name}: next-token log-probabilities and greedy tokens`, async () => {
      const folder = join(workspace.dir, model.name);
      await writeHfModel(folder, model);
      const base = await loadBaseModel(folder);
      const { config } = base;
      const ggufPath = join(workspace.dir, `${model.name}.gguf`);
      await writeLlamaGguf(ggufPath, { config, weights: base.weights, tokenizer, rotary: 'interleaved', addBos: false });

      const rng = createRng(`llama.cpp:${model.name}`);
      const ids = Array.from({ length: 20 }, () => Math.floor(rng.next() * config.vocabSize));
      const onnx = await OnnxLlama.create(config, 1);
      const native = await workspace.llama.loadModel({ modelPath: ggufPath });
      const context = await native.createContext(F32_CONTEXT);
      try {
        const V = config.vocabSize;
        const ask = { generateNext: { probabilities: true, options: { temperature: 0 } } } as const;
        const sequence = context.getSequence();
        const outputs = await sequence.controlledEvaluate(ids.map((t) => [t as Token, ask] as const) as never);
        const logits = await onnx.logits(base.weights, Int32Array.from(ids), 1, ids.length);
        let maxDiff = 0;
        outputs.forEach((output, pos) => {
          const expected = logSoftmax(logits.subarray(pos * V, (pos + 1) * V));
          const probabilities = output?.next.probabilities;
          expect(probabilities?.size).toBe(V);
          for (const [token, p] of probabilities ?? []) if (p > 1e-30) maxDiff = Math.max(maxDiff, Math.abs(Math.log(p) - expected[token]!));
        });
        expect(maxDiff).toBeLessThanOrEqual(1e-3);
        workspace.measured.push(`  ${model.name}: ${maxDiff.toExponential(2)}`);

        // Greedy: 8 more tokens, llama.cpp through its KV cache, the engine re-running the whole sequence.
        const argmax = (row: ArrayLike<number>) => {
          let best = 0;
          for (let v = 1; v < row.length; v++) if (row[v]! > row[best]!) best = v;
          return best;
        };
        const seq = [...ids];
        const theirs: number[] = [];
        let last = outputs[outputs.length - 1];
        for (let i = 0; i < 8; i++) {
          let best = -1;
          let bestP = -1;
          for (const [token, p] of last?.next.probabilities ?? []) if (p > bestP) [best, bestP] = [Number(token), p];
          theirs.push(best);
          last = (await sequence.controlledEvaluate([[best as Token, ask]] as never))[0];
        }
        const ours: number[] = [];
        for (let i = 0; i < 8; i++) {
          const all = await onnx.logits(base.weights, Int32Array.from(seq), 1, seq.length);
          const next = argmax(all.subarray((seq.length - 1) * V, seq.length * V));
          ours.push(next);
          seq.push(next);
        }
        expect(theirs).toEqual(ours);
      } finally {
        await context.dispose();
        await native.dispose();
        await onnx.release();
      }
    });
  }
});
