import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/engine/backend.js';
import { configForSize, LlamaModel, parameterShapes, tokenNll, type LlamaConfig } from '../../src/engine/model.js';
import { initialLoraWeights, type LoraConfig } from '../../src/engine/lora.js';
import { OnnxLlama, type HostBatch } from '../../src/engine/onnx/session.js';
import { createRng } from '../../src/util/random.js';

/** Random weights (norm gains away from 1, so their gradients matter) and a padded, weighted batch. */
function setup(config: LlamaConfig, seed: number): { weights: Map<string, Float32Array>; batch: HostBatch } {
  const rng = createRng(`onnx-test:${seed}`);
  const weights = new Map<string, Float32Array>();
  for (const { name, shape } of parameterShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = shape.length === 1 ? 0.5 + rng.next() : (rng.next() - 0.5) * 0.3;
    weights.set(name, data);
  }
  const [B, T] = [3, 8];
  const tokens = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const w = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const length = T - 2 * b; // later rows are padded (token 0, weight 0)
    for (let t = 0; t < T; t++) {
      tokens[b * T + t] = t < length ? Math.floor(rng.next() * config.vocabSize) : 0;
      targets[b * T + t] = t < length ? Math.floor(rng.next() * config.vocabSize) : 0;
      w[b * T + t] = t < length && t >= 2 ? 0.2 + rng.next() : 0;
    }
  }
  return { weights, batch: { B, T, tokens, targets, weights: w } };
}

function tfjsGradients(config: LlamaConfig, weights: Map<string, Float32Array>, batch: HostBatch) {
  const model = new LlamaModel(config, weights);
  tf.engine().startScope();
  try {
    let nll: Float32Array = new Float32Array();
    const { value, grads } = tf.variableGrads(() => {
      const perToken = tokenNll(model.logits(tf.tensor2d(batch.tokens, [batch.B, batch.T], 'int32')), tf.tensor1d(batch.targets, 'int32'));
      nll = perToken.dataSync() as Float32Array;
      return tf.sum(tf.mul(perToken, tf.tensor1d(batch.weights))) as tf.Scalar;
    }, [...model.params.values()]);
    const byName = new Map([...model.params].map(([name, p]) => [name, grads[p.name]!.dataSync() as Float32Array]));
    return { loss: value.dataSync()[0] as number, nll, grads: byName };
  } finally {
    tf.engine().endScope();
    model.dispose();
  }
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('ONNX training graph', () => {
  for (const [label, tied, nKvHeads] of [
    ['tied head, grouped-query attention', true, 2],
    ['untied head, one kv head per query head', false, 4],
  ] as const) {
    it(`gives tfjs's loss, per-token nll and gradients (${label})`, async () => {
      await initBackend();
      const config: LlamaConfig = { ...configForSize('tiny', 96, 16), dim: 32, hiddenDim: 48, nHeads: 4, nKvHeads, tiedEmbeddings: tied };
      const { weights, batch } = setup(config, tied ? 1 : 2);
      const expected = tfjsGradients(config, weights, batch);
      const onnx = await OnnxLlama.create(config, 1);
      const got = await onnx.step(weights, batch);
      const scored = await onnx.score(weights, batch);
      await onnx.release();
      expect(got.loss).toBeCloseTo(expected.loss, 4);
      expect(maxAbs(got.nll.map((v, i) => v - expected.nll[i]!))).toBeLessThan(1e-4);
      expect(maxAbs(scored.nll.map((v, i) => v - expected.nll[i]!))).toBeLessThan(1e-4);
      expect([...got.grads.keys()]).toEqual(parameterShapes(config).map((p) => p.name));
      for (const [name, g] of got.grads) {
        const want = expected.grads.get(name)!;
        const scale = Math.max(maxAbs(want), 1e-3);
        expect(maxAbs(g.map((v, i) => v - want[i]!)) / scale, name).toBeLessThan(1e-4);
      }
    });
  }

  for (const [label, tied, lora] of [
    ['tied head', true, undefined],
    ['untied head', false, undefined],
    ['LoRA', true, { rank: 4, alpha: 8, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }],
  ] as Array<[string, boolean, LoraConfig | undefined]>) {
    it(`runs the head over the scored positions alone with the same loss and gradients (${label})`, async () => {
      const config: LlamaConfig = { ...configForSize('tiny', 96, 16), dim: 32, hiddenDim: 48, nHeads: 4, nKvHeads: 2, tiedEmbeddings: tied };
      const { weights, batch } = setup(config, 3);
      const params = lora ? new Map([...weights, ...initialLoraWeights(config, lora, 1)]) : weights;
      if (lora) for (const [name, w] of params) if (name.endsWith('lora_B.weight')) w.forEach((_, i) => (w[i] = Math.sin(i) * 0.05));
      const scored = batch.weights.map((w) => (w !== 0 ? 1 : 0));
      const onnx = await OnnxLlama.create(config, 1, lora);
      const all = await onnx.step(params, batch);
      const some = await onnx.step(params, { ...batch, scored });
      await onnx.release();
      expect(scored.filter((s) => s === 0).length).toBeGreaterThan(4);
      expect(some.loss).toBeCloseTo(all.loss, 5);
      scored.forEach((s, i) => expect(some.nll[i]).toBeCloseTo(s ? all.nll[i]! : 0, 5));
      expect([...some.grads.keys()]).toEqual([...all.grads.keys()]);
      for (const [name, g] of some.grads) {
        const want = all.grads.get(name)!;
        expect(maxAbs(want), name).toBeGreaterThan(0);
        expect(maxAbs(g.map((v, i) => v - want[i]!)) / maxAbs(want), name).toBeLessThan(1e-5);
      }
    });
  }
});
