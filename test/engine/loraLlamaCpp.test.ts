/**
 * The llama.cpp LoRA adapter GGUF the engine writes (loraFiles.ts), proven with llama.cpp itself
 * (node-llama-cpp, F32 KV cache, flash attention off): the base model's GGUF with the adapter loaded on the
 * context gives the same next-token log-probabilities as the merged model's GGUF and as the engine's
 * adapter-applied ONNX forward, within 1e-3 at every position. One case per rotary layout in llama.cpp:
 * llama (interleaved, q/k B rows as the engine keeps them) and qwen2 (rotate-half, B rows permuted; q/k/v
 * biases), and qwen3 (per-head q/k norms).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBaseModel } from '../../src/engine/base.js';
import { writeLlamaGguf } from '../../src/engine/formats/llamaGguf.js';
import { initialLoraWeights, loraConfig, loraShapes, mergeLora } from '../../src/engine/lora.js';
import { writeLoraGguf } from '../../src/engine/loraFiles.js';
import { OnnxLlama } from '../../src/engine/onnx/session.js';
import { createRng } from '../../src/util/random.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';
import { F32_CONTEXT, referenceTokenizer, useLlamaCppWorkspace } from '../support/llamaCppWorkspace.js';
import { logSoftmax } from '../support/tinyGguf.js';
import { logProbabilities, maxDiff } from './llamaCppLogProbs.js';

const workspace = useLlamaCppWorkspace('apprentice-lora-llamacpp-', 'llama.cpp base + LoRA GGUF vs merged GGUF and the engine (max |log-probability diff|)');
const tokenizer = referenceTokenizer();

describe('the llama.cpp LoRA GGUF on the base GGUF', () => {
  for (const name of ['SmolLM2-135M', 'Qwen2.5-0.5B', 'Qwen3-0.6B']) {
    it(`${name}: gives the merged model's log-probabilities`, async () => {
      const folder = join(workspace.dir, name);
      await writeHfModel(
        folder,
        REDUCED_MODELS.find((m) => m.name === name)!,
      );
      const base = await loadBaseModel(folder);
      const { config } = base;
      const lora = loraConfig({ rank: 4, alpha: 12, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
      const rng = createRng(`lora-llamacpp:${name}`);
      const adapters = initialLoraWeights(config, lora, 3);
      for (const { name: n } of loraShapes(config, lora))
        if (n.includes('lora_B'))
          adapters.set(
            n,
            adapters.get(n)!.map(() => (rng.next() - 0.5) * 0.3),
          );
      const merged = mergeLora(base.weights, adapters, config, lora);
      const paths = {
        base: join(workspace.dir, `${name}.gguf`),
        merged: join(workspace.dir, `${name}-merged.gguf`),
        adapter: join(workspace.dir, `${name}-lora.gguf`),
      };
      await writeLlamaGguf(paths.base, { config, weights: base.weights, tokenizer, rotary: 'interleaved', addBos: false });
      await writeLlamaGguf(paths.merged, { config, weights: merged, tokenizer, rotary: 'interleaved', addBos: false });
      await writeLoraGguf(paths.adapter, config, lora, adapters, name);

      const ids = Array.from({ length: 20 }, () => Math.floor(rng.next() * config.vocabSize));
      const V = config.vocabSize;
      const baseModel = await workspace.llama.loadModel({ modelPath: paths.base });
      const mergedModel = await workspace.llama.loadModel({ modelPath: paths.merged });
      const withAdapter = await baseModel.createContext({ ...F32_CONTEXT, lora: { adapters: [{ filePath: paths.adapter }] } });
      const plainBase = await baseModel.createContext(F32_CONTEXT);
      const mergedContext = await mergedModel.createContext(F32_CONTEXT);
      const onnx = await OnnxLlama.create(config, 1, lora);
      try {
        const adapted = await logProbabilities(withAdapter, ids, V);
        const reference = await logProbabilities(mergedContext, ids, V);
        const unadapted = await logProbabilities(plainBase, ids, V);
        const logits = await onnx.logits(new Map([...base.weights, ...adapters]), Int32Array.from(ids), 1, ids.length);
        const engine = ids.map((_, pos) => logSoftmax(logits.subarray(pos * V, (pos + 1) * V)));
        const [vsMerged, vsEngine, adapterEffect] = [maxDiff(adapted, reference), maxDiff(adapted, engine), maxDiff(unadapted, reference)];
        expect(vsMerged).toBeLessThanOrEqual(1e-3);
        expect(vsEngine).toBeLessThanOrEqual(1e-3);
        // The adapter matters: without it the base is far from the merged model (so the check is not vacuous).
        expect(adapterEffect).toBeGreaterThan(0.05);
        workspace.measured.push(
          `  ${name}: vs merged GGUF ${vsMerged.toExponential(2)}, vs engine ${vsEngine.toExponential(2)} (base without the adapter: ${adapterEffect.toFixed(3)})`,
        );
      } finally {
        await Promise.all([withAdapter.dispose(), plainBase.dispose(), mergedContext.dispose()]);
        await Promise.all([baseModel.dispose(), mergedModel.dispose()]);
        await onnx.release();
      }
    }, 120_000);
  }
});
