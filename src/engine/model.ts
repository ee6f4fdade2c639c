/**
 * The student: a decoder-only Llama (Touvron et al., 2023) in tfjs, read top to bottom like llama2.c.
 *
 *   x = embed(tokens)
 *   for each layer:  x = x + Attention(RMSNorm(x))      rotary positions on q and k, grouped-query heads
 *                    x = x + FeedForward(RMSNorm(x))    SwiGLU: down(silu(gate(x)) * up(x))
 *   logits = RMSNorm(x) @ output^T                      output = the embedding when tied
 *
 * Rotary embedding rotates interleaved pairs (x[2i], x[2i+1]) of each head, as llama.cpp's `llama`
 * architecture does. Parameters are tf.Variables named as in Hugging Face Llama checkpoints and shaped as
 * there ([out, in] for linear layers); ./checkpoint.ts saves them.
 */
import { architectureOf, checkConfig, countParameters, headDimOf, inverseFrequencies, parameterShapes, type LlamaConfig } from './config.js';
import { linear, matMul, tf, transposeLast2 } from './backend.js';
import { createRng } from '../util/random.js';

export type { LlamaConfig };
export { checkConfig, configForSize, countParameters, parameterShapes } from './config.js';
export { isModelSize, MODEL_SIZES, type ModelSize } from './sizes.js';

/**
 * GPT-2 style initialisation: N(0, 0.02) matrices, residual output projections scaled by 1/sqrt(2 * layers),
 * unit norm gains. Seeded, so the same seed gives the same model everywhere.
 */
export function initialWeights(config: LlamaConfig, seed: number): Map<string, Float32Array> {
  const rng = createRng(`init:${seed}`);
  const gaussian = (): number => {
    const u = Math.max(rng.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const weights = new Map<string, Float32Array>();
  for (const { name, shape } of parameterShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (shape.length === 1) data.fill(name.endsWith('.bias') ? 0 : 1);
    else {
      const residual = /o_proj|down_proj/.test(name);
      const std = residual ? 0.02 / Math.sqrt(2 * config.nLayers) : 0.02;
      for (let i = 0; i < data.length; i++) data[i] = std * gaussian();
    }
    weights.set(name, data);
  }
  return weights;
}

/** The engine's Llama-style model on tfjs: its parameters and forward pass. */
export class LlamaModel {
  private static serial = 0;
  readonly config: LlamaConfig;
  readonly headDim: number;
  /** Hugging Face name -> trainable variable, in parameterShapes order. */
  readonly params: Map<string, tf.Variable>;
  private readonly rotaryTables = new Map<string, { cos: tf.Tensor; sin: tf.Tensor }>();
  private readonly masks = new Map<string, tf.Tensor>();
  private rotateHalfPairs: tf.Tensor | undefined;

  constructor(config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>) {
    checkConfig(config);
    if (architectureOf(config) !== 'llama' || headDimOf(config) !== config.dim / config.nHeads) {
      throw new Error(
        `the tfjs model implements the llama architecture with headDim = dim / nHeads only (this model: ${architectureOf(config)}, headDim ${headDimOf(config)}); train with --backend onnx`,
      );
    }
    this.config = config;
    this.headDim = config.dim / config.nHeads;
    this.params = new Map();
    LlamaModel.serial++;
    for (const { name, shape } of parameterShapes(config)) {
      const data = weights.get(name);
      if (!data) throw new Error(`model weights: ${name} is missing`);
      const size = shape.reduce((a, b) => a * b, 1);
      if (data.length !== size) throw new Error(`model weights: ${name} has ${data.length} values, expected [${shape.join(', ')}]`);
      // tfjs variable names are process-wide: prefix them with this model's serial number.
      this.params.set(name, tf.variable(tf.tensor(data, shape, 'float32'), true, `m${LlamaModel.serial}/${name}`));
    }
  }

  static create(config: LlamaConfig, seed: number): LlamaModel {
    return new LlamaModel(config, initialWeights(config, seed));
  }

  get parameterCount(): number {
    return countParameters(this.config);
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  /** Current weights as Float32Arrays (row-major, Hugging Face names and shapes). */
  weights(): Map<string, Float32Array> {
    return new Map([...this.params].map(([name, v]) => [name, v.dataSync() as Float32Array]));
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const t of this.rotaryTables.values()) tf.dispose([t.cos, t.sin]);
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
    this.rotateHalfPairs?.dispose();
    this.rotaryTables.clear();
  }

  /** cos/sin per position and pair (each value twice: for x[2i] and x[2i+1]), times `scale`. */
  private tables(T: number, scale: number): { cos: tf.Tensor; sin: tf.Tensor } {
    const key = `${T}:${scale}`;
    let tables = this.rotaryTables.get(key);
    if (!tables) {
      const hd = this.headDim;
      const cos = new Float32Array(T * hd);
      const sin = new Float32Array(T * hd);
      const frequencies = inverseFrequencies(this.config);
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < hd / 2; i++) {
          const angle = t * (frequencies[i] as number);
          cos[t * hd + 2 * i] = cos[t * hd + 2 * i + 1] = scale * Math.cos(angle);
          sin[t * hd + 2 * i] = sin[t * hd + 2 * i + 1] = scale * Math.sin(angle);
        }
      }
      tables = {
        cos: tf.keep(tf.tensor(cos, [1, T, 1, hd])),
        sin: tf.keep(tf.tensor(sin, [1, T, 1, hd])),
      };
      this.rotaryTables.set(key, tables);
    }
    return tables;
  }

  /** Additive causal mask [1, group * T, T] for `group` query heads stacked along time. */
  private causalMask(T: number, group: number): tf.Tensor {
    const key = `${T}x${group}`;
    let mask = this.masks.get(key);
    if (!mask) {
      const data = new Float32Array(group * T * T);
      for (let g = 0; g < group; g++) {
        for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) data[(g * T + i) * T + j] = -1e9;
      }
      mask = tf.keep(tf.tensor(data, [1, group * T, T]));
      this.masks.set(key, mask);
    }
    return mask;
  }

  /** x -> (-x[2i+1], x[2i]) pairwise, as a product with a fixed signed permutation matrix. */
  private rotatePairs(x: tf.Tensor): tf.Tensor {
    const hd = this.headDim;
    if (!this.rotateHalfPairs) {
      const r = new Float32Array(hd * hd);
      for (let i = 0; i < hd / 2; i++) {
        r[(2 * i + 1) * hd + 2 * i] = -1; // out[2i] = -x[2i+1]
        r[2 * i * hd + 2 * i + 1] = 1; // out[2i+1] = x[2i]
      }
      this.rotateHalfPairs = tf.keep(tf.tensor(r, [hd, hd]));
    }
    return tf.reshape(matMul(tf.reshape(x, [-1, hd]), this.rotateHalfPairs), x.shape);
  }

  /** Rotary positions on [B, T, heads, headDim], times `scale` (free: it is in the tables). */
  private rope(x: tf.Tensor, T: number, scale = 1): tf.Tensor {
    const { cos, sin } = this.tables(T, scale);
    return tf.add(tf.mul(x, cos), tf.mul(this.rotatePairs(x), sin));
  }

  private rmsNorm(x: tf.Tensor, gain: tf.Tensor): tf.Tensor {
    return rmsNorm(x, gain, this.config.normEps);
  }

  /** x [N, in] @ W^T for a [out, in] weight. */
  private linear(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    return linear(x, weight);
  }

  /** Final hidden states [B*T, dim] for int32 token ids [B, T]. */
  hidden(tokens: tf.Tensor): tf.Tensor {
    const [B, T] = tokens.shape as [number, number];
    const { dim, nLayers, nHeads, nKvHeads } = this.config;
    const hd = this.headDim;
    const group = nHeads / nKvHeads;
    const N = B * T;
    let x: tf.Tensor = tf.gather(this.p('model.embed_tokens.weight'), tf.reshape(tokens, [N]));
    for (let l = 0; l < nLayers; l++) {
      const p = `model.layers.${l}`;
      // Attention.
      const h = this.rmsNorm(x, this.p(`${p}.input_layernorm.weight`));
      // q, k and v in one product.
      const [q0, k0, v0] = tf.split(
        linear(h, this.p(`${p}.self_attn.q_proj.weight`), this.p(`${p}.self_attn.k_proj.weight`), this.p(`${p}.self_attn.v_proj.weight`)),
        [nHeads * hd, nKvHeads * hd, nKvHeads * hd],
        1,
      ) as [tf.Tensor, tf.Tensor, tf.Tensor];
      // The attention scale 1/sqrt(hd) rides on q's rotary tables (q is 4x smaller than the scores).
      const q = this.rope(tf.reshape(q0, [B, T, nHeads, hd]), T, 1 / Math.sqrt(hd));
      const k = this.rope(tf.reshape(k0, [B, T, nKvHeads, hd]), T);
      const v = tf.reshape(v0, [B, T, nKvHeads, hd]);
      // Grouped-query attention without copying k and v: the `group` query heads that share a kv head are
      // stacked along time, [B * kvHeads, group * T, hd], so one product per kv head scores them all.
      const qg = tf.reshape(tf.transpose(tf.reshape(q, [B, T, nKvHeads, group, hd]), [0, 2, 3, 1, 4]), [B * nKvHeads, group * T, hd]);
      const kh = tf.reshape(tf.transpose(k, [0, 2, 1, 3]), [B * nKvHeads, T, hd]);
      const vh = tf.reshape(tf.transpose(v, [0, 2, 1, 3]), [B * nKvHeads, T, hd]);
      const scores = tf.add(matMul(qg, transposeLast2(kh)), this.causalMask(T, group));
      const attn = matMul(tf.softmax(scores), vh); // [B * kvHeads, group * T, hd]
      const merged = tf.reshape(tf.transpose(tf.reshape(attn, [B, nKvHeads, group, T, hd]), [0, 3, 1, 2, 4]), [N, dim]);
      x = tf.add(x, this.linear(merged, this.p(`${p}.self_attn.o_proj.weight`)));
      // Feed-forward (SwiGLU).
      const h2 = this.rmsNorm(x, this.p(`${p}.post_attention_layernorm.weight`));
      const [gate, up] = tf.split(linear(h2, this.p(`${p}.mlp.gate_proj.weight`), this.p(`${p}.mlp.up_proj.weight`)), 2, 1) as [tf.Tensor, tf.Tensor];
      x = tf.add(x, this.linear(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up), this.p(`${p}.mlp.down_proj.weight`)));
    }
    return this.rmsNorm(x, this.p('model.norm.weight'));
  }

  /** Next-token logits [B*T, vocab] for int32 token ids [B, T]. */
  logits(tokens: tf.Tensor): tf.Tensor {
    const out = this.config.tiedEmbeddings ? this.p('model.embed_tokens.weight') : this.p('lm_head.weight');
    return this.linear(this.hidden(tokens), out);
  }

  /** Logits for one sequence as plain arrays (for checks and small scoring jobs). */
  logitsFor(ids: readonly number[]): Float32Array[] {
    const flat = tf.tidy(() => this.logits(tf.tensor2d([...ids], [1, ids.length], 'int32')).dataSync() as Float32Array);
    const V = this.config.vocabSize;
    return ids.map((_, t) => flat.slice(t * V, (t + 1) * V));
  }
}

/**
 * RMSNorm over the last axis, x [N, d] * rsqrt(mean(x^2) + eps) * gain [d], with its gradient written out
 * (half the kernels of differentiating the ops one by one):
 *   xn = x r, r = (mean(x^2) + eps)^(-1/2);  dgain = sum_rows(dy xn);  dx = r (dxn - xn mean(dxn xn)), dxn = dy gain.
 */
export function rmsNorm(x: tf.Tensor, gain: tf.Tensor, eps: number): tf.Tensor {
  let f = rmsNormByEps.get(eps);
  if (!f) rmsNormByEps.set(eps, (f = rmsNormWithGrad(eps)));
  return f(x, gain) as tf.Tensor;
}

const rmsNormByEps = new Map<number, (x: tf.Tensor, gain: tf.Tensor) => tf.Tensor>();

const rmsNormWithGrad = (eps: number) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, gain, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const d = x.shape[x.rank - 1] as number;
    const r = tf.rsqrt(tf.add(tf.mul(tf.sum(tf.square(x), -1, true), 1 / d), eps));
    const xn = tf.mul(x, r);
    save([xn, r, gain]);
    return {
      value: tf.mul(xn, gain),
      gradFunc: (dy, saved) => {
        const [sxn, sr, sgain] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const g = dy as tf.Tensor;
        const dxn = tf.mul(g, sgain);
        const dot = tf.mul(tf.sum(tf.mul(dxn, sxn), -1, true), 1 / d);
        const dx = tf.mul(tf.sub(dxn, tf.mul(sxn, dot)), sr);
        const rows = [...Array(g.rank - 1).keys()];
        return [dx, tf.sum(tf.mul(g, sxn), rows)];
      },
    };
  }) as (x: tf.Tensor, gain: tf.Tensor) => tf.Tensor;

/**
 * Per-row negative log-likelihood -log softmax(logits)[target] for logits [N, V] and int32 targets [N],
 * with the fused gradient (softmax - onehot) * dy.
 */
export const tokenNll = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [l, t, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  const [N, V] = l.shape;
  // One exp over the logits: the softmax is kept for the gradient instead of recomputed.
  const shifted = tf.sub(l, tf.max(l, 1, true));
  const exp = tf.exp(shifted);
  const sumExp = tf.sum(exp, 1, true);
  const probs = tf.div(exp, sumExp);
  const flatIndex = tf.add(tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32')), t);
  const picked = tf.gather(tf.reshape(shifted, [N * V]), flatIndex);
  save([probs, t]);
  return {
    value: tf.sub(tf.reshape(tf.log(sumExp), [N]), picked),
    gradFunc: (dy, saved) => {
      const [sp, st] = saved as [tf.Tensor2D, tf.Tensor1D];
      const oneHot = tf.cast(tf.oneHot(st, V), 'float32'); // wasm's oneHot ignores a float32 dtype
      const grad = tf.mul(tf.sub(sp, oneHot), tf.reshape(dy as tf.Tensor, [N, 1]));
      return [grad, tf.zerosLike(st)];
    },
  };
});
