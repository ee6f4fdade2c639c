/**
 * The ONNX training graph's backward pass for the pretrained families' features (q/k/v biases, per-head q/k
 * norms, head size apart from dim / heads, Llama 3 rope scaling, untied head), checked against central finite
 * differences of the graph's own loss: for every parameter, along a random direction d,
 * (L(w + eps d) - L(w - eps d)) / 2 eps must equal <dL/dw, d>. (The tfjs model implements none of qwen2/qwen3;
 * test/engine/hfReference.test.ts also checks every gradient against PyTorch autograd when torch is installed.)
 */
import { describe, expect, it } from 'vitest';
import { parameterShapes, type LlamaConfig } from '../../src/engine/config.js';
import { OnnxLlama, type HostBatch } from '../../src/engine/onnx/session.js';
import { createRng } from '../../src/util/random.js';

const base = { vocabSize: 40, dim: 24, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 32, normEps: 1e-6, ropeTheta: 10000, contextLength: 64 };

export const FEATURE_CONFIGS: Array<[string, LlamaConfig]> = [
  ['qwen2: q/k/v biases, tied head', { ...base, architecture: 'qwen2', tiedEmbeddings: true }],
  ['qwen3: q/k norms, headDim 10 != dim / heads, untied head', { ...base, architecture: 'qwen3', headDim: 10, tiedEmbeddings: false }],
  [
    'llama: llama3 rope scaling, untied head',
    {
      ...base,
      architecture: 'llama',
      ropeTheta: 500000,
      tiedEmbeddings: false,
      ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContextLength: 8 },
    },
  ],
];

function randomWeights(config: LlamaConfig, seed: string): Map<string, Float32Array> {
  const rng = createRng(seed);
  return new Map(
    parameterShapes(config).map(({ name, shape }) => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = name.endsWith('norm.weight') ? 0.5 + rng.next() : (rng.next() - 0.5) * 0.6;
      return [name, data];
    }),
  );
}

function randomBatch(config: LlamaConfig, seed: string): HostBatch {
  const rng = createRng(seed);
  const [B, T] = [2, 12];
  const tokens = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * config.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * config.vocabSize));
  const weights = Float32Array.from({ length: B * T }, (_, i) => (i % T >= 3 ? 0.5 + rng.next() : 0));
  return { B, T, tokens, targets, weights };
}

describe('ONNX training graph, pretrained features', () => {
  for (const [label, config] of FEATURE_CONFIGS) {
    it(`gives the finite-difference gradient of every parameter (${label})`, async () => {
      const weights = randomWeights(config, `fd:${label}`);
      const batch = randomBatch(config, `fd-batch:${label}`);
      const onnx = await OnnxLlama.create(config, 1);
      try {
        const { grads } = await onnx.step(weights, batch);
        const rng = createRng(`direction:${label}`);
        const eps = 1e-2;
        for (const { name } of parameterShapes(config)) {
          const w = weights.get(name)!;
          const d = Float32Array.from(w, () => (rng.next() < 0.5 ? -1 : 1) / Math.sqrt(w.length));
          const g = grads.get(name)!;
          const analytic = g.reduce((s, gi, i) => s + gi * d[i]!, 0);
          const at = async (sign: number) => {
            const moved = new Map(weights);
            moved.set(
              name,
              Float32Array.from(w, (v, i) => v + sign * eps * d[i]!),
            );
            return (await onnx.step(moved, batch)).loss;
          };
          const numeric = ((await at(1)) - (await at(-1))) / (2 * eps);
          expect(Math.abs(numeric - analytic), `${name}: numeric ${numeric}, analytic ${analytic}`).toBeLessThan(1e-3 + 1e-2 * Math.abs(analytic));
        }
      } finally {
        await onnx.release();
      }
    });
  }
});
