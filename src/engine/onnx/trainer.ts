/**
 * The ONNX Runtime side of ../train.ts: parameters, summed gradients and AdamW moments are Float32Arrays in
 * JS; each micro-batch is one run of the training graph (./llama.ts), and the optimizer step (global-norm
 * clipping, AdamW with decoupled weight decay on matrices) runs over the arrays on worker threads (./adamw.ts).
 *
 * With LoRA the trainable parameters are the adapters: the base weights are fed to the graph as they are
 * (never copied, never updated) and have no gradients and no moments.
 */
import type { LlamaConfig } from '../config.js';
import type { LoraConfig } from '../lora.js';
import { AdamW } from './adamw.js';
import { OnnxLlama, type HostBatch } from './session.js';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  weightDecay: number;
  eps?: number;
}

export class OnnxTrainer {
  private readonly grads = new Map<string, Float32Array>();
  /** The last step's gradient arrays, which the next step's first micro-batch writes into. */
  private spare = new Map<string, Float32Array>();
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private readonly matrices = new Set<string>();
  /** What the graph is fed: the frozen weights and the trainable ones (the same arrays). */
  private readonly feeds: Map<string, Float32Array>;
  private readonly optimizer: AdamW;

  private constructor(
    private readonly onnx: OnnxLlama,
    /** The trainable parameters (every weight, or the LoRA adapters): name -> values, replaced by each update's. */
    readonly params: Map<string, Float32Array>,
    adam: Required<AdamWOptions>,
    frozen: ReadonlyMap<string, Float32Array>,
  ) {
    this.feeds = new Map([...frozen, ...params]);
    this.optimizer = new AdamW(adam, onnx.threads);
    for (const { name, shape } of onnx.trainable) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = params.get(name);
      if (!data) throw new Error(`model weights: ${name} is missing`);
      if (data.length !== size) throw new Error(`model weights: ${name} has ${data.length} values, expected [${shape.join(', ')}]`);
      this.m.set(name, new Float32Array(size));
      this.v.set(name, new Float32Array(size));
      if (shape.length >= 2) this.matrices.add(name);
    }
  }

  /**
   * A trainer over copies of `weights`; with `lora`, a trainer of copies of `adapters` on the frozen `weights`
   * (used as they are).
   */
  static async create(
    config: LlamaConfig,
    weights: ReadonlyMap<string, Float32Array>,
    adam: AdamWOptions,
    threads?: number,
    lora?: { config: LoraConfig; adapters: ReadonlyMap<string, Float32Array> },
  ): Promise<OnnxTrainer> {
    const onnx = await OnnxLlama.create(config, threads, lora?.config);
    const source = lora ? lora.adapters : weights;
    const params = new Map(onnx.trainable.map(({ name }) => [name, Float32Array.from(source.get(name) ?? [])]));
    return new OnnxTrainer(onnx, params, { eps: 1e-8, ...adam }, lora ? weights : new Map());
  }

  /** Values of optimizer state held: the two AdamW moments of every trainable parameter. */
  get optimizerStateSize(): number {
    let n = 0;
    for (const m of this.m.values()) n += m.length;
    for (const v of this.v.values()) n += v.length;
    return n;
  }

  get threads(): number {
    return this.onnx.threads;
  }

  /**
   * Forward and backward of one micro-batch; its gradients are added to the ones summed since the last update.
   * `runSeconds`: the part of the call spent in ONNX Runtime's run of the graph.
   */
  async accumulate(batch: HostBatch): Promise<{ loss: number; nll: Float32Array; runSeconds: number }> {
    const { loss, nll, grads, runSeconds } = await this.onnx.step(this.feeds, batch, this.grads.size === 0 ? this.spare : undefined);
    for (const [name, g] of grads) {
      const sum = this.grads.get(name);
      if (!sum) this.grads.set(name, g);
      else for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (g[i] as number);
    }
    return { loss, nll, runSeconds };
  }

  score(batch: HostBatch): Promise<{ nll: Float32Array; hits: Uint8Array }> {
    return this.onnx.score(this.feeds, batch);
  }

  /**
   * Clips the summed gradients to a global norm of `clipNorm` (0 = off), applies one AdamW step (`step` counts
   * from 1, for the bias correction) and clears them. Returns the norm before clipping.
   */
  async update(learningRate: number, step: number, clipNorm: number): Promise<number> {
    const parameters = new Map(
      [...this.params].flatMap(([name, p]) => {
        const g = this.grads.get(name);
        const m = this.m.get(name) as Float32Array;
        const v = this.v.get(name) as Float32Array;
        return g ? [[name, { p, g, m, v, decay: this.matrices.has(name) }] as const] : [];
      }),
    );
    this.grads.clear();
    const { norm, updated } = await this.optimizer.step(parameters, learningRate, step, clipNorm);
    // The arrays come back from the optimizer's workers as new objects.
    this.spare = new Map([...updated].map(([name, { g }]) => [name, g]));
    for (const [name, { p, m, v }] of updated) {
      this.params.set(name, p);
      this.feeds.set(name, p);
      this.m.set(name, m);
      this.v.set(name, v);
    }
    return norm;
  }

  /** The AdamW moments of a parameter (live arrays: writing them restores a saved state). */
  moments(name: string): { m: Float32Array; v: Float32Array } {
    const m = this.m.get(name);
    const v = this.v.get(name);
    if (!m || !v) throw new Error(`no parameter ${name}`);
    return { m, v };
  }

  async release(): Promise<void> {
    await this.optimizer.release();
    await this.onnx.release();
  }
}
