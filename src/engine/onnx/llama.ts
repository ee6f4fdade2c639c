/**
 * The model of ../config.ts as ONNX graphs: the forward pass, and the forward and backward pass of a training
 * step in one graph, with the backward written out layer by layer (llm.c style). Same parameters (names and
 * [out, in] shapes of `parameterShapes`), same arithmetic as ../model.ts: interleaved-pair rotary positions
 * (frequencies from `inverseFrequencies`, so Llama 3 scaling included), grouped-query attention, SwiGLU,
 * RMSNorm with eps (ORT's fused SimplifiedLayerNormalization), tied or untied head, additive causal mask; and the pretrained families' extras: q/k/v
 * biases (qwen2), RMSNorm over each head of q and k before the rotation (qwen3), a head size apart from
 * dim / heads.
 *
 * Inputs: every parameter, tokens and targets int64 [B, T], token weights float [B, T], and the tables
 * `rotaryTables` / `causalMask` compute in JS: cos and sin [T, headDim] and the mask [T, T]. B and T are
 * dynamic, so one session serves every batch shape.
 *
 * Training: one more input, `rows` int64 [K], the positions the loss scores (the head runs over them alone).
 * Training outputs: `loss` = sum(nll * weight), `nll` [B*T] (0 outside `rows`), and every parameter's gradient
 * as `gradientOutputs` lists them (the embedding's looked-up rows are added by the caller).
 * Forward outputs: `nll` [B*T] and `argmax` [B*T] (the predicted next token).
 *
 * With LoRA (../lora.ts) every adapted projection adds (alpha / r) dropout(x) A^T B^T to x W^T; the adapters
 * are more inputs, and the training graph's only gradients are theirs: the base weights are frozen, so the
 * backward pass carries the input gradients through them but computes none of theirs (no weight products,
 * no embedding scatter, no norm gains). Dropout (training graph only) draws its keep mask inside the graph
 * from the int64 input `dropout_seed` by a counter-based hash (splitmix64 of the element's index and a key per
 * module), so a step's masks are a function of the seed the loop passes: resuming replays them exactly.
 *
 * Activations are [N, dim] (N = B * T) between layers, so projections are single 2-D products (Gemm, the
 * weight transposed in the product, never copied), one per weight: stacking q/k/v or gate/up into one
 * product measured no faster here (its concat and split copies cost what the larger product saves). The
 * input gradient of several projections of one input is summed inside the products (Gemm's C input).
 * Grouped-query attention stacks the `group` query heads that share a kv head along time, [B, kvHeads,
 * group * T, headDim], against k and v [B, kvHeads, T, headDim] (no copies of k/v; the k and v gradients sum
 * over the group inside their products; measured 1-2% faster than broadcasting a group axis).
 */
import { hasQkNorm, hasQkvBias, headDimOf, inverseFrequencies, parameterShapes, type LlamaConfig } from '../config.js';
import { loraModules, loraScale, loraShapes, trainableShapes, type LoraConfig, type LoraModule, type LoraTarget } from '../lora.js';
import { ELEM, FloatAttr, Graph } from './graph.js';

/** cos and sin per position and pair, each value twice (for x[2i] and x[2i+1]): [T, headDim] each. */
export function rotaryTables(config: LlamaConfig, T: number): { cos: Float32Array; sin: Float32Array } {
  const hd = headDimOf(config);
  const frequencies = inverseFrequencies(config);
  const cos = new Float32Array(T * hd);
  const sin = new Float32Array(T * hd);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < hd / 2; i++) {
      const angle = t * (frequencies[i] as number);
      cos[t * hd + 2 * i] = cos[t * hd + 2 * i + 1] = Math.cos(angle);
      sin[t * hd + 2 * i] = sin[t * hd + 2 * i + 1] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** Additive causal mask [T, T]: -1e9 above the diagonal (as the tfjs model). */
export function causalMask(T: number): Float32Array {
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
  return mask;
}

/** What the backward pass needs of one RMSNorm: its input and 1 / rms (the normalised input is x r). */
interface NormSaved {
  x: string;
  r: string;
  gain: string;
}

interface LayerSaved {
  /** Per-head q/k norms (qwen3). */
  normQ?: NormSaved;
  normK?: NormSaved;
  norm1: NormSaved;
  h: string;
  qg: string;
  k4: string;
  v4: string;
  p: string;
  merged: string;
  norm2: NormSaved;
  h2: string;
  g: string;
  sg: string;
  silu: string;
  u: string;
  a: string;
  /** The adapted projections of this layer. */
  lora: Map<LoraTarget, LoraSaved>;
}

/**
 * Rows to add to a parameter's gradient: `values` [M, dim] row m into row `ids` [M] (int64), in the order of m. The
 * training graph returns these instead of scattering them in (ScatterElements copied the whole [vocab, dim]
 * gradient to add ~2N rows); ./session.ts adds them in JS, in index order, so a frequent token's row sums
 * its updates in the same order every run.
 */
interface RowUpdates {
  ids: string;
  values: string;
}

/** What the backward pass needs of one adapted projection: its (dropped-out) input, scaled x A^T, the mask. */
interface LoraSaved {
  module: LoraModule;
  xd: string;
  u: string;
  mask?: string;
}

export interface GraphOptions {
  lora?: LoraConfig;
  /** Apply the LoRA dropout (the training graph); off for scoring. */
  training?: boolean;
}

const SPLITMIX = { gamma: 0x9e3779b97f4a7c15n, m1: 0xbf58476d1ce4e5b9n, m2: 0x94d049bb133111ebn } as const;

class LlamaGraph {
  readonly g: Graph;
  readonly hd: number;
  readonly group: number;
  private readonly shapes: { bthd: string; btkvhd: string; btkvghd: string; stackedScores: string; groupedScores: string };
  readonly tokens: string;
  readonly targets: string;
  private readonly cos: string;
  private readonly sin: string;
  private readonly cosQ: string;
  private readonly sinQ: string;
  /** -sin: the backward pass rotates by -angle. */
  private readonly sinBack: string;
  private readonly sinQBack: string;
  private readonly mask: string;
  private readonly lora: LoraConfig | undefined;
  /** The adapted modules by `${layer}.${target}`, with their number (the dropout masks' salt). */
  private readonly modules = new Map<string, { module: LoraModule; salt: number }>();
  private readonly dropoutKey: string | undefined;
  private readonly weightShapes = new Map<string, number[]>();

  constructor(
    readonly config: LlamaConfig,
    name: string,
    options: GraphOptions = {},
  ) {
    const { nHeads, nKvHeads } = config;
    this.g = new Graph(name);
    this.hd = headDimOf(config);
    this.group = nHeads / nKvHeads;
    for (const { name: p, shape } of parameterShapes(config)) {
      this.g.input(p, 'float32', shape);
      this.weightShapes.set(p, shape);
    }
    this.lora = options.lora;
    if (this.lora) {
      for (const { name: p, shape } of loraShapes(config, this.lora)) this.g.input(p, 'float32', shape);
      loraModules(config, this.lora).forEach((module, salt) => this.modules.set(`${module.layer}.${module.target}`, { module, salt }));
      if (options.training && this.lora.dropout > 0) {
        this.dropoutKey = this.g.op('Cast', [this.g.input('dropout_seed', 'int64', [])], { to: ELEM.uint64 });
      }
    }
    this.tokens = this.g.input('tokens', 'int64', ['B', 'T']);
    this.targets = this.g.input('targets', 'int64', ['B', 'T']);
    this.cos = this.g.input('cos', 'float32', ['T', this.hd]);
    this.sin = this.g.input('sin', 'float32', ['T', this.hd]);
    this.mask = this.g.input('mask', 'float32', ['T', 'T']);
    const g = this.g;
    const bt = g.op('Shape', [this.tokens]);
    const b = g.op('Slice', [bt, g.ints([0]), g.ints([1])]);
    const t = g.op('Slice', [bt, g.ints([1]), g.ints([2])]);
    this.shapes = {
      stackedScores: g.concat([b, g.ints([nKvHeads, -1]), t], 0),
      groupedScores: g.concat([b, g.ints([nKvHeads, this.group]), t, t], 0),
      bthd: g.concat([bt, g.ints([nHeads, this.hd])], 0),
      btkvhd: g.concat([bt, g.ints([nKvHeads, this.hd])], 0),
      btkvghd: g.concat([bt, g.ints([nKvHeads, this.group, this.hd])], 0),
    };
    // Tables broadcast over [B, T, heads, hd]; q's carry the attention scale 1/sqrt(hd).
    const cos = g.unsqueeze(this.cos, [1]);
    const sin = g.unsqueeze(this.sin, [1]);
    const scale = g.scalar(1 / Math.sqrt(this.hd));
    // rot(x) = (-x[2i+1], x[2i]) = swap(x) * (-1, 1): the signs ride on the sin tables.
    const signed = g.mul(
      sin,
      g.constant(
        'float32',
        Array.from({ length: this.hd }, (_, i) => (i % 2 ? 1 : -1)),
      ),
    );
    [this.cos, this.sin, this.cosQ, this.sinQ] = [cos, signed, g.mul(cos, scale), g.mul(signed, scale)];
    [this.sinBack, this.sinQBack] = [g.neg(this.sin), g.neg(this.sinQ)];
  }

  /**
   * Rotary positions: each pair rotated by its angle, x cos + swap(x) sin with sin signed (-s, s) per pair. Its
   * transpose (backward) is the rotation by -angle: the same with -sin.
   */
  private rope(x: string, cos: string, sin: string): string {
    const g = this.g;
    return g.add(g.mul(x, cos), g.mul(this.swapPairs(x), sin));
  }

  /** (x[2i], x[2i+1]) -> (x[2i+1], x[2i]) on the last axis of [B, T, heads, hd]. */
  private swapPairs(x: string): string {
    const g = this.g;
    const [even, odd] = g.split(g.reshape(x, g.ints([0, 0, 0, this.hd / 2, 2])), [1, 1], 4) as [string, string];
    return g.reshape(g.concat([odd, even], 4), g.ints([0, 0, 0, this.hd]));
  }

  /** A projection weight's [out, in]. */
  private shapeOf(weight: string): [number, number] {
    const shape = this.weightShapes.get(weight);
    if (!shape) throw new Error(`onnx graph: no parameter ${weight}`);
    return shape as [number, number];
  }

  /** True when the base weights train (no LoRA): their gradients are computed. */
  get fullFineTuning(): boolean {
    return this.lora === undefined;
  }

  /**
   * x W^T (+ bias), plus (alpha / r) dropout(x) A^T B^T when the module is adapted (the sum inside the second
   * product, Gemm's C input).
   */
  private project(x: string, layer: number, target: LoraTarget, weight: string, bias?: string): { y: string; lora?: LoraSaved } {
    const g = this.g;
    const y = g.gemm(x, weight, 0, 1, bias);
    const adapted = this.modules.get(`${layer}.${target}`);
    if (!adapted || !this.lora) return { y };
    const { module, salt } = adapted;
    const mask = this.dropoutKey === undefined ? undefined : this.dropoutMask(x, salt);
    const xd = mask === undefined ? x : g.mul(x, mask);
    const scale = loraScale(this.lora);
    const xa = g.gemm(xd, module.a, 0, 1);
    const u = scale === 1 ? xa : g.mul(xa, g.scalar(scale));
    return { y: g.gemm(u, module.b, 0, 1, y), lora: { module, xd, u, mask } };
  }

  /**
   * The input gradient of a projection, dy W (+ acc, summed in the product) plus the adapter's path, setting
   * the adapter's gradients (and the weight's and bias's when the base trains).
   */
  private projectBackward(dy: string, x: string, weight: string, grads: Map<string, string>, saved?: LoraSaved, acc?: string): string {
    const g = this.g;
    if (this.fullFineTuning) {
      const [out, inWidth] = this.shapeOf(weight);
      grads.set(weight, this.weightGradient(dy, x, out, inWidth));
    }
    const dx = g.gemm(dy, weight, 0, 0, acc);
    if (!saved || !this.lora) return dx;
    const { module, xd, u, mask } = saved;
    const scale = loraScale(this.lora);
    grads.set(module.b, g.gemm(dy, u, 1, 0)); // [out, r]
    const dyb = g.gemm(dy, module.b); // [N, r]
    const du = scale === 1 ? dyb : g.mul(dyb, g.scalar(scale));
    grads.set(module.a, g.gemm(du, xd, 1, 0)); // [r, in]
    return mask === undefined ? g.gemm(du, module.a, 0, 0, dx) : g.add(dx, g.mul(g.gemm(du, module.a), mask));
  }

  /**
   * A weight's gradient dy^T x [out, in] from dy [N, out] and x [N, in], N (positions) the short inner dimension.
   * MLAS runs such a product faster with the longer side along the output's columns: when out > in it is formed
   * as (x^T dy)^T, one transpose copy of the result, left [1, out, in] (`gradientShape`): reshaping it to 2-D
   * would copy it once more, since it is a graph output. Measured alone (CPU per product, alternating in one
   * process, loaded machine): [4864 x 896] (gate, up) 13% less, the head's [151,936 x 896] 15-20% less; [896 x
   * 4864] (down) ~40% more that way, so it keeps dy^T x. The transpose is a 3-D one, which ORT's
   * GemmTransposeFusion cannot fold back into the product (see `Graph.transposed`).
   */
  private weightGradient(dy: string, x: string, out: number, inWidth: number): string {
    const g = this.g;
    if (!transposedGradient([out, inWidth])) return g.gemm(g.transposed(dy, out), x);
    const product = g.gemm(g.transposed(x, inWidth), dy); // [in, out]
    return g.transpose(g.reshape(product, g.ints([1, inWidth, out])), [0, 2, 1]);
  }

  /** splitmix64's finaliser on uint64 values (wrapping arithmetic). */
  private splitmix(x: string): string {
    const g = this.g;
    const c = (v: bigint) => g.constant('uint64', [v], []);
    const shift = (v: string, n: bigint) => g.op('BitShift', [v, c(n)], { direction: 'RIGHT' });
    const xor = (a: string, b: string) => g.op('BitwiseXor', [a, b]);
    let z = g.add(x, c(SPLITMIX.gamma));
    z = g.mul(xor(z, shift(z, 30n)), c(SPLITMIX.m1));
    z = g.mul(xor(z, shift(z, 27n)), c(SPLITMIX.m2));
    return xor(z, shift(z, 31n));
  }

  /**
   * The dropout mask of module number `salt` over x's elements: keep / (1 - p), keep = [uniform >= p], the
   * uniform the top 24 bits of splitmix64(index + key), key = splitmix64(seed * 2^16 + salt).
   */
  private dropoutMask(x: string, salt: number): string {
    const g = this.g;
    const p = (this.lora as LoraConfig).dropout;
    const key = this.splitmix(g.add(g.mul(this.dropoutKey as string, g.constant('uint64', [65536n], [])), g.constant('uint64', [BigInt(salt)], [])));
    const shape = g.op('Shape', [x]);
    const count = g.op('ReduceProd', [shape], { keepdims: 0 });
    const index = g.op('Cast', [g.op('Range', [g.constant('int64', [0], []), count, g.constant('int64', [1], [])])], { to: ELEM.uint64 });
    const bits = g.op('BitShift', [this.splitmix(g.add(index, key)), g.constant('uint64', [40n], [])], { direction: 'RIGHT' });
    const uniform = g.mul(g.op('Cast', [bits], { to: ELEM.float32 }), g.scalar(2 ** -24));
    const keep = g.op('Cast', [g.op('GreaterOrEqual', [uniform, g.scalar(p)])], { to: ELEM.float32 });
    return g.reshape(g.mul(keep, g.scalar(1 / (1 - p))), shape);
  }

  /**
   * y = x r gain, r = 1 / sqrt(mean(x^2) + eps) over the last axis: one SimplifiedLayerNormalization node (ORT's
   * fused RMSNorm kernel), which also gives r [..., 1] for the backward pass.
   */
  private rmsNorm(x: string, gain: string): { y: string; saved: NormSaved } {
    const [y, r] = this.g.node('SimplifiedLayerNormalization', [x, gain], { axis: -1, epsilon: new FloatAttr(this.config.normEps) }, 2) as [string, string];
    return { y, saved: { x, r, gain } };
  }

  /**
   * dx = r (dxn - xn mean(dxn xn)), dxn = dy gain, xn = x r; dgain = sum over rows (every axis but the last) of
   * dy xn, set in `grads` under the gain's name when the base trains.
   */
  private rmsNormBackward(dy: string, { x, r, gain }: NormSaved, grads: Map<string, string>, rowAxes: number[] = [0]): string {
    const g = this.g;
    const xn = g.mul(x, r);
    const dxn = g.mul(dy, gain);
    const dot = g.reduceMean(g.mul(dxn, xn), [-1]);
    if (this.fullFineTuning) grads.set(gain, g.reduceSum(g.mul(dy, xn), rowAxes, 0));
    return g.mul(g.sub(dxn, g.mul(xn, dot)), r);
  }

  /** [B, KV, G, T, x] -> [B, KV, G * T, x] (a reshape), x = hd or T. */
  private stackGroups(x: string, last: 'hd' | 'T' = 'hd'): string {
    return this.g.reshape(x, last === 'hd' ? this.g.ints([0, 0, -1, this.hd]) : this.shapes.stackedScores);
  }

  /** [B, KV, G * T, x] -> [B, KV, G, T, x]. */
  private splitGroups(x: string, last: 'hd' | 'T' = 'hd'): string {
    return this.g.reshape(x, last === 'hd' ? this.g.ints([0, 0, this.group, -1, this.hd]) : this.shapes.groupedScores);
  }

  /**
   * Logits and what the backward pass needs: of every position [N, vocab], or with `rows` (int64 [K], positions
   * of the flattened batch) of those rows alone [K, vocab]; `hf` is then the head's input rows [K, dim].
   */
  forward(rows?: string): {
    logits: string;
    hf: string;
    hfAll: string;
    normF: NormSaved;
    layers: LayerSaved[];
    flatTokens: string;
    out: string;
    rows?: string;
  } {
    const g = this.g;
    const { nLayers, nKvHeads } = this.config;
    const hd = this.hd;
    const flatTokens = g.reshape(this.tokens, g.ints([-1]));
    let x = g.op('Gather', ['model.embed_tokens.weight', flatTokens], { axis: 0 });
    const layers: LayerSaved[] = [];
    for (let l = 0; l < nLayers; l++) {
      const p = `model.layers.${l}`;
      const { y: h, saved: norm1 } = this.rmsNorm(x, `${p}.input_layernorm.weight`);
      const bias = hasQkvBias(this.config);
      const lora = new Map<LoraTarget, LoraSaved>();
      const projected = (x: string, target: LoraTarget, weight: string, b?: string): string => {
        const { y, lora: saved } = this.project(x, l, target, weight, b);
        if (saved) lora.set(target, saved);
        return y;
      };
      const [q, k, v] = (['q', 'k', 'v'] as const).map((w) =>
        projected(h, w, `${p}.self_attn.${w}_proj.weight`, bias ? `${p}.self_attn.${w}_proj.bias` : undefined),
      ) as [string, string, string];
      let q4 = g.reshape(q, this.shapes.bthd);
      let k4r = g.reshape(k, this.shapes.btkvhd);
      let normQ: NormSaved | undefined;
      let normK: NormSaved | undefined;
      if (hasQkNorm(this.config)) {
        ({ y: q4, saved: normQ } = this.rmsNorm(q4, `${p}.self_attn.q_norm.weight`));
        ({ y: k4r, saved: normK } = this.rmsNorm(k4r, `${p}.self_attn.k_norm.weight`));
      }
      const qr = this.rope(q4, this.cosQ, this.sinQ);
      const kr = this.rope(k4r, this.cos, this.sin);
      // The G query heads of a kv head stacked along time: [B, KV, G * T, hd] against k, v [B, KV, T, hd].
      const qg = this.stackGroups(g.transpose(g.reshape(qr, g.ints([0, 0, nKvHeads, this.group, hd])), [0, 2, 3, 1, 4]));
      const k4 = g.transpose(kr, [0, 2, 1, 3]);
      const v4 = g.transpose(g.reshape(v, this.shapes.btkvhd), [0, 2, 1, 3]);
      const scores = this.stackGroups(g.add(this.splitGroups(g.matmul(qg, g.transpose(kr, [0, 2, 3, 1])), 'T'), this.mask), 'T');
      const pr = g.op('Softmax', [scores], { axis: -1 }); // [B, KV, G * T, T]
      const o = this.splitGroups(g.matmul(pr, v4)); // [B, KV, G, T, hd]
      const merged = g.reshape(g.transpose(o, [0, 3, 1, 2, 4]), g.ints([-1, this.config.nHeads * hd]));
      x = g.add(x, projected(merged, 'o', `${p}.self_attn.o_proj.weight`));
      const { y: h2, saved: norm2 } = this.rmsNorm(x, `${p}.post_attention_layernorm.weight`);
      const gate = projected(h2, 'gate', `${p}.mlp.gate_proj.weight`);
      const up = projected(h2, 'up', `${p}.mlp.up_proj.weight`);
      const sg = g.op('Sigmoid', [gate]);
      const silu = g.mul(gate, sg);
      const a = g.mul(silu, up);
      x = g.add(x, projected(a, 'down', `${p}.mlp.down_proj.weight`));
      layers.push({ normQ, normK, norm1, h, qg, k4, v4, p: pr, merged, norm2, h2, g: gate, sg, silu, u: up, a, lora });
    }
    const { y: hfAll, saved: normF } = this.rmsNorm(x, 'model.norm.weight');
    const hf = rows ? g.op('Gather', [hfAll, rows], { axis: 0 }) : hfAll;
    const out = this.config.tiedEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    return { logits: g.gemm(hf, out, 0, 1), hf, hfAll, normF, layers, flatTokens, out, ...(rows ? { rows } : {}) };
  }

  /** The targets [N] (or of `rows` [K]). */
  private flatTargets(rows?: string): string {
    const flat = this.g.reshape(this.targets, this.g.ints([-1]));
    return rows ? this.g.op('Gather', [flat, rows], { axis: 0 }) : flat;
  }

  /** log softmax and per-token nll [N] (or [K] of `rows`) for the targets. */
  nll(logits: string, rows?: string): { logProbs: string; targets: string; nll: string } {
    const g = this.g;
    const logProbs = g.op('LogSoftmax', [logits], { axis: 1 });
    const targets = g.unsqueeze(this.flatTargets(rows), [1]);
    const picked = g.op('GatherElements', [logProbs, targets], { axis: 1 });
    return { logProbs, targets, nll: g.reshape(g.neg(picked), g.ints([-1])) };
  }

  /**
   * The backward pass of loss = sum(rowWeights * nll): one gradient per parameter name. d loss / d logits is
   * (softmax - onehot(target)) * weight, never formed: the head's products take the softmax `probs` [N, vocab]
   * as it is, and the one-hot and the row weights act on [N, dim] operands (the output rows of the targets
   * gathered, the weight as a row scale), vocab / dim times less elementwise work than on [N, vocab].
   * The embedding's (and an untied head's) sparse part comes back as `rows`, for the caller to add.
   */
  backward(fwd: ReturnType<LlamaGraph['forward']>, probs: string, rowWeights: string): { grads: Map<string, string>; rows: Map<string, RowUpdates> } {
    const g = this.g;
    const { nLayers, nHeads, nKvHeads } = this.config;
    const hd = this.hd;
    const grads = new Map<string, string>();
    const rows = new Map<string, RowUpdates>();
    const flatTargets = this.flatTargets(fwd.rows);
    const targetRows = g.op('Gather', [fwd.out, flatTargets], { axis: 0 }); // [N or K, dim]
    let dHead = g.mul(g.sub(g.gemm(probs, fwd.out), targetRows), rowWeights);
    // Positions outside `rows` carry no loss: their gradient at the head's input is zero.
    if (fwd.rows) dHead = g.op('ScatterND', [zerosLike(g, fwd.hfAll), g.unsqueeze(fwd.rows, [1]), dHead]);
    let dx = this.rmsNormBackward(dHead, fwd.normF, grads);
    for (let l = nLayers - 1; l >= 0; l--) {
      const p = `model.layers.${l}`;
      const s = fwd.layers[l] as LayerSaved;
      // Feed-forward: x += down(silu(gate) * up).
      const da = this.projectBackward(dx, s.a, `${p}.mlp.down_proj.weight`, grads, s.lora.get('down'));
      const du = g.mul(da, s.silu);
      // d silu(x)/dx = s (1 + x (1 - s)) = s (1 + x - silu(x)), s = sigmoid(x).
      const dgate = g.mul(g.mul(da, s.u), g.mul(s.sg, g.sub(g.add(s.g, g.scalar(1)), s.silu)));
      const dgateIn = this.projectBackward(dgate, s.h2, `${p}.mlp.gate_proj.weight`, grads, s.lora.get('gate'));
      const dh2 = this.projectBackward(du, s.h2, `${p}.mlp.up_proj.weight`, grads, s.lora.get('up'), dgateIn);
      dx = g.add(dx, this.rmsNormBackward(dh2, s.norm2, grads));
      // Attention: x += o_proj(merge(softmax(q k^T + mask) v)).
      const dMerged = this.projectBackward(dx, s.merged, `${p}.self_attn.o_proj.weight`, grads, s.lora.get('o'));
      const dO = this.stackGroups(g.transpose(g.reshape(dMerged, this.shapes.btkvghd), [0, 2, 3, 1, 4])); // [B, KV, G * T, hd]
      const dP = g.matmul(dO, g.transpose(s.v4, [0, 1, 3, 2]));
      const dS = g.mul(s.p, g.sub(dP, g.reduceSum(g.mul(dP, s.p), [-1])));
      // k and v gradients sum over the stacked query heads inside the products.
      const dv4 = g.matmul(g.transpose(s.p, [0, 1, 3, 2]), dO); // [B, KV, T, hd]
      const dk4 = g.matmul(g.transpose(dS, [0, 1, 3, 2]), s.qg);
      const dqr = g.reshape(g.transpose(this.splitGroups(g.matmul(dS, s.k4)), [0, 3, 1, 2, 4]), this.shapes.bthd);
      const dkr = g.transpose(dk4, [0, 2, 1, 3]);
      const dv = g.reshape(g.transpose(dv4, [0, 2, 1, 3]), g.ints([-1, nKvHeads * hd]));
      let dq4 = this.rope(dqr, this.cosQ, this.sinQBack);
      let dk4r = this.rope(dkr, this.cos, this.sinBack);
      if (s.normQ && s.normK) {
        dq4 = this.rmsNormBackward(dq4, s.normQ, grads, [0, 1, 2]);
        dk4r = this.rmsNormBackward(dk4r, s.normK, grads, [0, 1, 2]);
      }
      const dq = g.reshape(dq4, g.ints([-1, nHeads * hd]));
      const dk = g.reshape(dk4r, g.ints([-1, nKvHeads * hd]));
      let dh: string | undefined;
      for (const [w, d] of [
        ['q', dq],
        ['k', dk],
        ['v', dv],
      ] as const) {
        if (hasQkvBias(this.config) && this.fullFineTuning) grads.set(`${p}.self_attn.${w}_proj.bias`, g.reduceSum(d, [0], 0));
        // dh = dq Wq + dk Wk + dv Wv, summed in the products
        dh = this.projectBackward(d, s.h, `${p}.self_attn.${w}_proj.weight`, grads, s.lora.get(w), dh);
      }
      dx = g.add(dx, this.rmsNormBackward(dh as string, s.norm1, grads));
    }
    if (!this.fullFineTuning) return { grads, rows };
    // The head's weight gradient probs^T (w h) [vocab, dim].
    const weighted = g.mul(fwd.hf, rowWeights);
    const dOut = this.weightGradient(probs, weighted, this.config.vocabSize, this.config.dim);
    // The rows of the looked-up tokens (and, for a tied head, each target's row of w h) are added by the caller.
    if (this.config.tiedEmbeddings) {
      grads.set('model.embed_tokens.weight', dOut);
      rows.set('model.embed_tokens.weight', { ids: g.concat([fwd.flatTokens, flatTargets], 0), values: g.concat([dx, g.neg(weighted)], 0) });
    } else {
      rows.set('model.embed_tokens.weight', { ids: fwd.flatTokens, values: dx });
      grads.set('lm_head.weight', dOut);
      rows.set('lm_head.weight', { ids: flatTargets, values: g.neg(weighted) });
    }
    return { grads, rows };
  }
}

/** A float zero tensor of the shape of `x`. */
function zerosLike(g: Graph, x: string): string {
  return g.op('ConstantOfShape', [g.op('Shape', [x])], {});
}

/**
 * The training step graph: loss, per-token nll and every parameter's gradient. The head (its two [positions x
 * dim x vocab] products and the log-softmax over the vocabulary) runs over the int64 input `rows` [K] alone: the
 * positions that carry loss (a chat example's prompt tokens carry none). `nll` is 0 at the other positions.
 */
export function trainingGraph(config: LlamaConfig, lora?: LoraConfig): Uint8Array {
  const m = new LlamaGraph(config, 'apprentice_llama_train', { lora, training: true });
  const g = m.g;
  const rows = g.input('rows', 'int64', ['K']);
  const weights = g.op('Gather', [g.reshape(g.input('weights', 'float32', ['B', 'T']), g.ints([-1, 1])), rows], { axis: 0 }); // [K, 1]
  const fwd = m.forward(rows);
  const { logProbs, nll: rowNll } = m.nll(fwd.logits, rows);
  g.output('loss', g.reduceSum(g.mul(rowNll, g.reshape(weights, g.ints([-1]))), [0], 0), 'float32', []);
  const nll = g.op('ScatterND', [g.reshape(zerosLike(g, fwd.flatTokens), g.ints([-1])), g.unsqueeze(rows, [1]), rowNll]);
  g.output('nll', nll, 'float32', ['N']);
  const { grads, rows: rowUpdates } = m.backward(fwd, g.op('Exp', [logProbs]), weights);
  const outputs = gradientOutputs(config, lora);
  for (const { name, shape } of outputs.dense) g.output(`grad.${name}`, grads.get(name) as string, 'float32', shape);
  for (const name of outputs.rows) {
    const { ids, values } = rowUpdates.get(name) as RowUpdates;
    g.output(`rows.${name}.ids`, ids, 'int64', ['M']);
    g.output(`rows.${name}.values`, values, 'float32', ['M', config.dim]);
  }
  return g.encode();
}

/**
 * The training graph's gradient outputs: `grad.<name>` for each of `dense` (of the shape given there), and for each of `rows` the row updates
 * `rows.<name>.ids` [M] and `rows.<name>.values` [M, dim] to add into that gradient in order (onto zeros for a
 * parameter that is not in `dense`: an untied model's embedding). Full fine-tuning only has rows.
 */
export function gradientOutputs(config: LlamaConfig, lora?: LoraConfig): { dense: Array<{ name: string; shape: number[] }>; rows: string[] } {
  const trainable = trainableShapes(config, lora);
  if (lora) return { dense: trainable, rows: [] };
  const rows = config.tiedEmbeddings ? ['model.embed_tokens.weight'] : ['model.embed_tokens.weight', 'lm_head.weight'];
  const dense = trainable.filter(({ name }) => config.tiedEmbeddings || name !== 'model.embed_tokens.weight');
  return { dense: dense.map(({ name, shape }) => ({ name, shape: transposedGradient(shape) ? [1, ...shape] : shape })), rows };
}

/**
 * A full fine-tuning weight gradient formed transposed (`weightGradient`): a matrix with more rows than columns,
 * returned [1, rows, cols] (the same values in the same order as [rows, cols]).
 */
function transposedGradient(shape: readonly number[]): boolean {
  return shape.length === 2 && (shape[0] as number) > (shape[1] as number);
}

/** The logits graph: next-token logits [B*T, vocab] (for checks against references and for small scoring jobs). */
export function logitsGraph(config: LlamaConfig, lora?: LoraConfig): Uint8Array {
  const m = new LlamaGraph(config, 'apprentice_llama_logits', { lora });
  m.g.output('logits', m.forward().logits, 'float32', ['N', config.vocabSize]);
  return m.g.encode();
}

/** The forward graph: per-token nll and the argmax prediction. */
export function forwardGraph(config: LlamaConfig, lora?: LoraConfig): Uint8Array {
  const m = new LlamaGraph(config, 'apprentice_llama_forward', { lora });
  const g = m.g;
  const fwd = m.forward();
  g.output('nll', m.nll(fwd.logits).nll, 'float32', ['N']);
  g.output('argmax', g.reshape(g.op('ArgMax', [fwd.logits], { axis: 1, keepdims: 0 }), g.ints([-1])), 'int64', ['N']);
  return g.encode();
}
