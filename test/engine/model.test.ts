import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, linear, matMul, tf } from '../../src/engine/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/engine/checkpoint.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/engine/formats/safetensors.js';
import type { LlamaConfig } from '../../src/engine/formats/llamaGguf.js';
import { countParameters, configForSize, LlamaModel, parameterShapes, tokenNll } from '../../src/engine/model.js';
import { referenceForward, tinyTokenizer, tinyWeights } from '../support/tinyGguf.js';

/** GGUF tensor name -> Hugging Face name. */
function hfName(gguf: string): string {
  const table: Record<string, string> = {
    'token_embd.weight': 'model.embed_tokens.weight',
    'output_norm.weight': 'model.norm.weight',
    'output.weight': 'lm_head.weight',
    attn_norm: 'input_layernorm',
    attn_q: 'self_attn.q_proj',
    attn_k: 'self_attn.k_proj',
    attn_v: 'self_attn.v_proj',
    attn_output: 'self_attn.o_proj',
    ffn_norm: 'post_attention_layernorm',
    ffn_gate: 'mlp.gate_proj',
    ffn_up: 'mlp.up_proj',
    ffn_down: 'mlp.down_proj',
  };
  if (table[gguf]) return table[gguf];
  const m = /^blk\.(\d+)\.(\w+)\.weight$/.exec(gguf);
  if (!m || !table[m[2] as string]) throw new Error(`unexpected ${gguf}`);
  return `model.layers.${m[1]}.${table[m[2] as string]}.weight`;
}

function tinyConfig(overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  return {
    vocabSize: tinyTokenizer().vocabSize,
    dim: 32,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    hiddenDim: 64,
    normEps: 1e-5,
    ropeTheta: 10000,
    contextLength: 64,
    tiedEmbeddings: false,
    ...overrides,
  };
}

beforeAll(async () => {
  expect(await initBackend()).toBe('wasm');
});

describe('the tfjs Llama', () => {
  for (const variant of [
    { nKvHeads: 2, tiedEmbeddings: false },
    { nKvHeads: 4, tiedEmbeddings: true },
    { nKvHeads: 1, tiedEmbeddings: false },
  ]) {
    it(`computes the reference forward pass (kv heads ${variant.nKvHeads}, tied ${variant.tiedEmbeddings})`, () => {
      const config = tinyConfig(variant);
      const ggufWeights = tinyWeights(config, 7);
      const model = new LlamaModel(config, new Map([...ggufWeights].map(([n, d]) => [hfName(n), d])));
      const ids = tinyTokenizer().encode('The answer is 42. Tom has 12 apples and gives 5 to Anna.');
      const ours = model.logitsFor(ids);
      const ref = referenceForward(config, ggufWeights, ids);
      let maxDiff = 0;
      let maxAbs = 0;
      ref.logits.forEach((row, t) =>
        row.forEach((v, i) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - (ours[t]?.[i] as number)));
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }),
      );
      expect(maxAbs).toBeGreaterThan(1);
      expect(maxDiff).toBeLessThan(1e-4 * Math.max(1, maxAbs));
      // A batch of two gives each row the same logits as alone.
      const batch = tf.tidy(() => model.logits(tf.tensor2d([ids.slice(0, 8), ids.slice(8, 16)], [2, 8], 'int32')).arraySync() as number[][]);
      const alone = model.logitsFor(ids.slice(8, 16));
      expect(Math.max(...alone.flatMap((row, t) => [...row].map((v, i) => Math.abs(v - (batch[8 + t]?.[i] as number)))))).toBeLessThan(1e-4);
      model.dispose();
    });
  }

  it('has the parameter counts of its named sizes', () => {
    expect(countParameters(configForSize('small', 1024))).toBe(869_504);
    expect(countParameters(configForSize('base', 2048))).toBeGreaterThan(4.5e6);
    expect(countParameters(configForSize('tiny', 512))).toBeLessThan(0.25e6);
  });

  it('gets gradients that match finite differences (embedding gather, matMul, attention, fused loss)', () => {
    const config = tinyConfig({ dim: 16, nHeads: 2, nKvHeads: 1, hiddenDim: 24, vocabSize: 40, tiedEmbeddings: true });
    const model = LlamaModel.create(config, 3);
    // Larger weights than the init so that the loss is sensitive to every parameter.
    for (const v of model.params.values()) if (v.rank === 2) v.assign(tf.mul(v, 4));
    const tokens = tf.tensor2d(
      [
        [1, 5, 9, 5, 30, 2],
        [7, 7, 3, 39, 0, 11],
      ],
      [2, 6],
      'int32',
    );
    const targets = tf.tensor1d([5, 9, 5, 30, 2, 1, 7, 3, 39, 0, 11, 4], 'int32');
    const lossOf = (): tf.Scalar => tf.mul(tf.sum(tokenNll(model.logits(tokens), targets)), 1 / 12) as tf.Scalar;
    const { grads } = tf.variableGrads(lossOf);
    const names = [
      'model.embed_tokens.weight',
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.0.self_attn.k_proj.weight',
      'model.layers.0.self_attn.v_proj.weight',
      'model.layers.0.mlp.gate_proj.weight',
      'model.layers.0.mlp.up_proj.weight',
      'model.layers.0.mlp.down_proj.weight',
      'model.norm.weight',
    ];
    for (const name of names) {
      const v = model.params.get(name) as tf.Variable;
      const g = grads[v.name]?.dataSync() as Float32Array;
      const base = v.dataSync().slice();
      // The three largest gradient entries, by central differences.
      const idx = [...g.keys()].sort((a, b) => Math.abs(g[b] as number) - Math.abs(g[a] as number)).slice(0, 3);
      for (const i of idx) {
        const eps = 3e-3;
        const at = (delta: number): number => {
          const w = base.slice();
          w[i] = (w[i] as number) + delta;
          v.assign(tf.tensor(w, v.shape));
          return tf.tidy(() => lossOf().dataSync()[0] as number);
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(numeric - (g[i] as number)), `${name}[${i}] numeric ${numeric} analytic ${g[i]}`).toBeLessThan(0.03 * Math.abs(g[i] as number) + 1e-3);
      }
    }
    tf.dispose([tokens, targets, ...Object.values(grads)]);
    model.dispose();
  });

  it('runs stacked projections (linear + split) like separate x @ W^T, with the same gradients', () => {
    const x = tf.randomNormal([6, 5], 0, 1, 'float32', 4);
    const ws = [
      [3, 5],
      [2, 5],
      [4, 5],
    ].map((shape, i) => tf.randomNormal(shape, 0, 1, 'float32', 10 + i));
    const close = (a: tf.Tensor, b: tf.Tensor) => expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    // A loss that weighs the pieces differently and leaves the last one unused (its gradient is zero).
    const ours = (...t: tf.Tensor[]) => {
      const [a, b] = tf.split(linear(t[0]!, ...t.slice(1)), [3, 2, 4], 1);
      return tf.add(tf.sum(tf.square(a!)), tf.sum(tf.mul(b!, 3)));
    };
    const reference = (...t: tf.Tensor[]) => {
      const [a, b] = t.slice(1, 3).map((w) => tf.matMul(t[0]!, tf.transpose(w)));
      return tf.add(tf.sum(tf.square(a!)), tf.sum(tf.mul(b!, 3)));
    };
    close(ours(x, ...ws), reference(x, ...ws));
    const g = tf.grads(ours)([x, ...ws]);
    const r = tf.grads(reference)([x, ws[0]!, ws[1]!]);
    for (let i = 0; i < 3; i++) close(g[i]!, r[i]!);
    close(g[3]!, tf.zerosLike(ws[2]!));
    expect(() => linear(x, tf.zeros([3, 4]))).toThrow(/linear/);
  });

  it('splits along the last axis and transposes matrices with the engine kernels exactly as defined', () => {
    const x = tf.randomNormal([6, 9], 0, 1, 'float32', 21);
    const xs = x.arraySync() as number[][];
    const pieces = tf.split(x, [2, 4, 3], 1).map((t) => t.arraySync() as number[][]);
    expect(pieces).toEqual([xs.map((r) => r.slice(0, 2)), xs.map((r) => r.slice(2, 6)), xs.map((r) => r.slice(6))]);
    expect(tf.split(x, 3, 0).map((t) => t.arraySync())).toEqual([xs.slice(0, 2), xs.slice(2, 4), xs.slice(4)]);
    const big = tf.randomNormal([70, 45], 0, 1, 'float32', 22);
    const bs = big.arraySync() as number[][];
    expect(tf.transpose(big).arraySync()).toEqual(bs[0]!.map((_, j) => bs.map((r) => r[j])));
    const cube = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 23);
    const cs = cube.arraySync() as number[][][];
    expect(tf.transpose(cube, [0, 2, 1]).arraySync()).toEqual(cs.map((m) => m[0]!.map((_, j) => m.map((r) => r[j]))));
  });

  it('runs batched and broadcast products like tf.matMul, with the same gradients', () => {
    const a = tf.randomNormal([5, 7, 3], 0, 1, 'float32', 1);
    const b = tf.randomNormal([5, 3, 4], 0, 1, 'float32', 2);
    const b1 = tf.randomNormal([1, 3, 4], 0, 1, 'float32', 3);
    const close = (x: tf.Tensor, y: tf.Tensor) => expect(tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]).toBeLessThan(1e-5);
    close(matMul(a, b), tf.matMul(a, b));
    close(matMul(a, b1), tf.matMul(a, b1));
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMul(x, y))))([a, b1]);
    const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b1]);
    close(ours[0] as tf.Tensor, theirs[0] as tf.Tensor);
    close(ours[1] as tf.Tensor, theirs[1] as tf.Tensor);
  });
});

describe('checkpoints', () => {
  it('round-trips safetensors', () => {
    const tensors = new Map([
      ['a', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['b.c', { shape: [1], data: Float32Array.from([Math.PI]) }],
    ]);
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect([...back.tensors.keys()]).toEqual(['a', 'b.c']);
    expect([...(back.tensors.get('a')?.data ?? [])]).toEqual([1, 2, 3, 4, 5, -6.5]);
    expect(back.tensors.get('b.c')?.data[0]).toBeCloseTo(Math.PI, 6);
    expect(() => decodeSafetensors(bytes.subarray(0, 20), 'x.safetensors')).toThrow(/x\.safetensors/);
  });

  it('saves a Hugging Face Llama folder and loads the same model back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'apprentice-ckpt-'));
    try {
      const tokenizer = tinyTokenizer();
      const config = tinyConfig({ vocabSize: tokenizer.vocabSize + 3 });
      const model = LlamaModel.create(config, 11);
      const weights = model.weights();
      await saveCheckpoint(dir, { config, weights, tokenizer, info: { seed: 11 } });
      const hf = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
      expect(hf).toMatchObject({ model_type: 'llama', hidden_size: 32, num_key_value_heads: 2, tie_word_embeddings: false, apprentice: { seed: 11 } });
      const raw = decodeSafetensors(await readFile(join(dir, 'model.safetensors')));
      expect([...raw.tensors.keys()]).toEqual(parameterShapes(config).map((p) => p.name));
      // q_proj is stored in the rotate-half layout: rows 1 and 4 of head 0 (headDim 8) swap places.
      const q = weights.get('model.layers.0.self_attn.q_proj.weight') as Float32Array;
      const savedQ = raw.tensors.get('model.layers.0.self_attn.q_proj.weight')?.data as Float32Array;
      expect([...savedQ.subarray(4 * 32, 5 * 32)]).toEqual([...q.subarray(1 * 32, 2 * 32)]);
      const back = await loadCheckpoint(dir);
      expect(back.config).toEqual({ ...config, architecture: 'llama', headDim: 8 });
      expect(back.info).toEqual({ seed: 11, tokenizer: 'bpe' });
      expect(back.tokenizer.encode('Tom has 12 apples')).toEqual(tokenizer.encode('Tom has 12 apples'));
      for (const [name, data] of weights) expect([...(back.weights.get(name) ?? [])], name).toEqual([...data]);
      model.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
