/**
 * LoRA in the ONNX training graph: the adapters' gradients against central finite differences of the loss the
 * graph computes (with and without dropout, whose masks are a function of the seed fed), the chain rule through
 * the merged weight (dL/dB = s G A^T, dL/dA = s B^T G with G the full fine-tuning gradient at W + s B A), and
 * the frozen base: the graph's only gradient outputs are the adapters' and the optimizer holds moments for
 * them alone.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parameterShapes, parseHfConfig, type LlamaConfig } from '../../src/engine/config.js';
import { countLoraParameters, initialLoraWeights, loraConfig, loraModules, loraScale, loraShapes, mergeLora, type LoraConfig } from '../../src/engine/lora.js';
import { trainingGraph } from '../../src/engine/onnx/llama.js';
import { OnnxLlama, type HostBatch } from '../../src/engine/onnx/session.js';
import { OnnxTrainer } from '../../src/engine/onnx/trainer.js';
import { createRng } from '../../src/util/random.js';
import { randomHfWeights, reducedConfigJson, REDUCED_MODELS } from '../support/hfModels.js';

function configOf(name: string): LlamaConfig {
  const model = REDUCED_MODELS.find((m) => m.name === name)!;
  return parseHfConfig({ ...reducedConfigJson(model), vocab_size: 64, num_hidden_layers: 2 }, name);
}

function batchFor(config: LlamaConfig, seed: string): HostBatch {
  const rng = createRng(seed);
  const [B, T] = [2, 8];
  const tokens = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * config.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * config.vocabSize));
  const weights = Float32Array.from({ length: B * T }, (_, i) => (i % T >= 2 ? 0.2 + rng.next() : 0));
  return { B, T, tokens, targets, weights };
}

/** Adapters with B away from zero (at PEFT's init B = 0 and A's gradient vanishes). */
function adaptersFor(config: LlamaConfig, lora: LoraConfig, seed: string): Map<string, Float32Array> {
  const rng = createRng(seed);
  const adapters = initialLoraWeights(config, lora, 1);
  for (const { name } of loraShapes(config, lora)) {
    if (name.includes('lora_B'))
      adapters.set(
        name,
        adapters.get(name)!.map(() => (rng.next() - 0.5) * 0.4),
      );
  }
  return adapters;
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('LoRA gradients', () => {
  for (const [model, dropout] of [
    ['SmolLM2-135M', 0],
    ['Qwen2.5-0.5B', 0],
    ['Qwen3-0.6B', 0.3],
  ] as const) {
    it(`match finite differences of the loss (${model}, dropout ${dropout})`, async () => {
      const config = configOf(model);
      const lora = loraConfig({ rank: 3, alpha: 6, dropout });
      const weights = randomHfWeights(config, `${model}:base`);
      const adapters = adaptersFor(config, lora, `${model}:adapters`);
      const batch = { ...batchFor(config, model), dropoutSeed: 12345 };
      const onnx = await OnnxLlama.create(config, 1, lora);
      const feeds = (a: Map<string, Float32Array>) => new Map([...weights, ...a]);
      const lossAt = async (a: Map<string, Float32Array>) => (await onnx.step(feeds(a), batch)).loss;
      const { grads } = await onnx.step(feeds(adapters), batch);
      expect([...grads.keys()]).toEqual(loraShapes(config, lora).map((s) => s.name));
      // Directional derivative along a random direction, one adapter tensor at a time.
      const rng = createRng(`${model}:direction`);
      const eps = 1e-2;
      let checked = 0;
      for (const { name } of loraShapes(config, lora)) {
        const g = grads.get(name)!;
        const d = g.map(() => rng.next() - 0.5);
        const analytic = g.reduce((s, v, i) => s + v * d[i]!, 0);
        const shifted = (sign: number) => new Map([...adapters, [name, adapters.get(name)!.map((v, i) => v + sign * eps * d[i]!)]]);
        const numeric = ((await lossAt(shifted(1))) - (await lossAt(shifted(-1)))) / (2 * eps);
        expect(Math.abs(numeric - analytic), `${name}: numeric ${numeric}, analytic ${analytic}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(analytic));
        if (Math.abs(analytic) > 1e-2) checked++;
      }
      // Most directions carry a real signal, so the check is not vacuous.
      expect(checked).toBeGreaterThan(loraShapes(config, lora).length / 2);
      await onnx.release();
    });
  }

  it('dropout masks are a function of the seed, and change the loss', async () => {
    const config = configOf('SmolLM2-135M');
    const lora = loraConfig({ rank: 4, alpha: 4, dropout: 0.5 });
    const weights = randomHfWeights(config, 'dropout:base');
    const feeds = new Map([...weights, ...adaptersFor(config, lora, 'dropout:adapters')]);
    const batch = batchFor(config, 'dropout');
    const onnx = await OnnxLlama.create(config, 1, lora);
    const [a, b, c] = [
      await onnx.step(feeds, { ...batch, dropoutSeed: 7 }),
      await onnx.step(feeds, { ...batch, dropoutSeed: 7 }),
      await onnx.step(feeds, { ...batch, dropoutSeed: 8 }),
    ];
    expect(a.loss).toBe(b.loss);
    expect(a.loss).not.toBe(c.loss);
    // Scoring has no dropout: the same as the training loss of a run without dropout.
    const plain = await OnnxLlama.create(config, 1, { ...lora, dropout: 0 });
    const undropped = await plain.step(feeds, batch);
    const scored = await onnx.score(feeds, batch);
    expect(maxAbs(scored.nll.map((v, i) => v - undropped.nll[i]!))).toBeLessThan(1e-6);
    await Promise.all([onnx.release(), plain.release()]);
  });

  it('equal the full fine-tuning gradient at the merged weights, by the chain rule', async () => {
    const config = configOf('Llama-3.2-1B');
    const lora = loraConfig({ rank: 2, alpha: 5, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
    const weights = randomHfWeights(config, 'chain:base');
    const adapters = adaptersFor(config, lora, 'chain:adapters');
    const batch = batchFor(config, 'chain');
    const [withLora, full] = [await OnnxLlama.create(config, 1, lora), await OnnxLlama.create(config, 1)];
    const l = await withLora.step(new Map([...weights, ...adapters]), batch);
    const f = await full.step(mergeLora(weights, adapters, config, lora), batch);
    expect(Math.abs(l.loss - f.loss)).toBeLessThan(1e-4 * Math.abs(f.loss));
    const s = loraScale(lora);
    const r = lora.rank;
    for (const m of loraModules(config, lora)) {
      const G = f.grads.get(m.weight)!; // [out, in]
      const A = adapters.get(m.a)!;
      const B = adapters.get(m.b)!;
      const dB = new Float64Array(m.out * r);
      const dA = new Float64Array(r * m.in);
      for (let o = 0; o < m.out; o++) {
        for (let i = 0; i < m.in; i++) {
          const gi = G[o * m.in + i]!;
          for (let k = 0; k < r; k++) {
            dB[o * r + k]! += s * gi * A[k * m.in + i]!;
            dA[k * m.in + i]! += s * B[o * r + k]! * gi;
          }
        }
      }
      for (const [name, want] of [
        [m.b, dB],
        [m.a, dA],
      ] as const) {
        const got = l.grads.get(name)!;
        const scale = Math.max(maxAbs(want), 1e-6);
        expect(maxAbs(got.map((v, i) => v - want[i]!)) / scale, name).toBeLessThan(1e-3);
      }
    }
    await Promise.all([withLora.release(), full.release()]);
  });

  it('leaves the base frozen: no gradient outputs and no optimizer state for it', async () => {
    const config = configOf('Qwen2.5-0.5B');
    const lora = loraConfig({ rank: 4, targets: ['q', 'v'] });
    const session = await ort.InferenceSession.create(trainingGraph(config, lora));
    const gradients = session.outputNames.filter((n) => n.startsWith('grad.'));
    expect(gradients).toEqual(loraShapes(config, lora).map((s) => `grad.${s.name}`));
    expect(gradients.some((n) => /proj\.weight$|norm|embed|bias/.test(n))).toBe(false);
    await session.release();
    const weights = randomHfWeights(config, 'frozen:base');
    const before = new Map([...weights].map(([n, w]) => [n, Float32Array.from(w)]));
    const trainer = await OnnxTrainer.create(config, weights, { beta1: 0.9, beta2: 0.95, weightDecay: 0.1 }, 1, {
      config: lora,
      adapters: initialLoraWeights(config, lora, 0),
    });
    expect(trainer.optimizerStateSize).toBe(2 * countLoraParameters(config, lora));
    expect([...trainer.params.keys()]).toEqual(loraShapes(config, lora).map((s) => s.name));
    const full = parameterShapes(config).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    expect(trainer.optimizerStateSize).toBeLessThan(full / 10);
    const batch = batchFor(config, 'frozen');
    await trainer.accumulate(batch);
    await trainer.update(1e-2, 1, 1);
    await trainer.accumulate(batch);
    await trainer.update(1e-2, 2, 1);
    for (const [name, w] of weights) expect(w, name).toEqual(before.get(name));
    // B moved off zero: the adapters did train.
    expect(maxAbs(trainer.params.get('model.layers.0.self_attn.q_proj.lora_B.weight')!)).toBeGreaterThan(0);
    await trainer.release();
  });
});
