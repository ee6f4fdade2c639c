/**
 * The Llama's training step and forward pass on ONNX Runtime (native CPU kernels, the prebuilt binaries of
 * onnxruntime-node): one session per graph, dynamic batch and sequence length, parameters fed from and
 * gradients returned as Float32Arrays (the optimizer runs in JS, ./trainer.ts). With LoRA the parameters
 * fed are the base weights and the adapters, and the gradients returned the adapters' alone.
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { headDimOf, parameterShapes, type LlamaConfig } from '../config.js';
import { loraShapes, trainableShapes, type LoraConfig } from '../lora.js';
import { causalMask, forwardGraph, gradientOutputs, logitsGraph, rotaryTables, trainingGraph } from './llama.js';

/** Threads for ORT's intra-op pool: the option, else env APPRENTICE_THREADS, else the available cores. */
export function onnxThreads(threads?: number): number {
  const fromEnv = Number(process.env.APPRENTICE_THREADS);
  const wanted = threads ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism());
  return Math.max(1, Math.floor(wanted));
}

/** One batch as host arrays: token ids and targets [B, T], per-token loss weights [B, T]. */
export interface HostBatch {
  B: number;
  T: number;
  tokens: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
  /** Seeds the LoRA dropout masks of this batch (see ./llama.ts); default 0. */
  dropoutSeed?: number;
  /**
   * Per position: non-zero where the loss may score it (a completion token). The training graph computes the head
   * over these positions alone; the others get nll 0 and must have weight 0. Default: every position.
   */
  scored?: Float32Array;
}

/** The positions of a batch the training graph's head runs over (at least one, for a well-formed graph). */
function scoredRows({ B, T, scored }: HostBatch): BigInt64Array {
  if (!scored) return BigInt64Array.from({ length: B * T }, (_, i) => BigInt(i));
  const rows: bigint[] = [];
  scored.forEach((s, i) => {
    if (s !== 0) rows.push(BigInt(i));
  });
  return BigInt64Array.from(rows.length > 0 ? rows : [0n]);
}

export class OnnxLlama {
  /** Every parameter fed to the graphs (base weights, then adapters). */
  private readonly shapes: Array<{ name: string; shape: number[] }>;
  /** The parameters whose gradients a step returns. */
  readonly trainable: Array<{ name: string; shape: number[] }>;
  private readonly tables = new Map<number, Record<'cos' | 'sin' | 'mask', ort.Tensor>>();
  private forwardSession: Promise<ort.InferenceSession> | undefined;
  private logitsSession: Promise<ort.InferenceSession> | undefined;

  private constructor(
    readonly config: LlamaConfig,
    readonly threads: number,
    private readonly trainSession: ort.InferenceSession,
    readonly lora: LoraConfig | undefined,
  ) {
    this.shapes = [...parameterShapes(config), ...(lora ? loraShapes(config, lora) : [])];
    this.trainable = trainableShapes(config, lora);
  }

  static async create(config: LlamaConfig, threads?: number, lora?: LoraConfig): Promise<OnnxLlama> {
    const n = onnxThreads(threads);
    return new OnnxLlama(config, n, await ort.InferenceSession.create(trainingGraph(config, lora), sessionOptions(n)), lora);
  }

  private feeds(params: ReadonlyMap<string, Float32Array>, batch: HostBatch): Record<string, ort.Tensor> {
    const { B, T } = batch;
    let tables = this.tables.get(T);
    if (!tables) {
      const { cos, sin } = rotaryTables(this.config, T);
      const hd = headDimOf(this.config);
      tables = {
        cos: new ort.Tensor('float32', cos, [T, hd]),
        sin: new ort.Tensor('float32', sin, [T, hd]),
        mask: new ort.Tensor('float32', causalMask(T), [T, T]),
      };
      this.tables.set(T, tables);
    }
    const feeds: Record<string, ort.Tensor> = {
      ...tables,
      tokens: new ort.Tensor(
        'int64',
        BigInt64Array.from(batch.tokens, (v) => BigInt(v)),
        [B, T],
      ),
      targets: new ort.Tensor(
        'int64',
        BigInt64Array.from(batch.targets, (v) => BigInt(v)),
        [B, T],
      ),
    };
    for (const { name, shape } of this.shapes) {
      const data = params.get(name);
      if (!data) throw new Error(`model weights: ${name} is missing`);
      feeds[name] = new ort.Tensor('float32', data, shape);
    }
    return feeds;
  }

  /**
   * Forward and backward of one batch: loss = sum(nll * weight), per-token nll, every trainable parameter's gradient,
   * and the seconds ONNX Runtime's run took (the rest of the call is building feeds and fetches).
   * Gradients are written into the arrays of `into` where it has them (reused between steps: no fresh memory to
   * fault in), else into new arrays.
   */
  async step(
    params: ReadonlyMap<string, Float32Array>,
    batch: HostBatch,
    into?: ReadonlyMap<string, Float32Array>,
  ): Promise<{ loss: number; nll: Float32Array; grads: Map<string, Float32Array>; runSeconds: number }> {
    const feeds = this.feeds(params, batch);
    feeds.weights = new ort.Tensor('float32', batch.weights, [batch.B, batch.T]);
    const rows = scoredRows(batch);
    feeds.rows = new ort.Tensor('int64', rows, [rows.length]);
    if (this.lora && this.lora.dropout > 0) feeds.dropout_seed = new ort.Tensor('int64', BigInt64Array.from([BigInt(batch.dropoutSeed ?? 0)]), []);
    const fetches: Record<string, ort.Tensor | null> = { loss: null, nll: null };
    const outputs = gradientOutputs(this.config, this.lora);
    for (const { name, shape } of outputs.dense) {
      const target = into?.get(name);
      fetches[`grad.${name}`] = target ? new ort.Tensor('float32', target, shape) : null;
    }
    for (const name of outputs.rows) fetches[`rows.${name}.ids`] = fetches[`rows.${name}.values`] = null;
    const started = performance.now();
    const out = await this.trainSession.run(feeds, fetches);
    const runSeconds = (performance.now() - started) / 1000;
    const dense = new Set(outputs.dense.map(({ name }) => name));
    const grads = new Map(
      this.trainable.map(({ name, shape }) => {
        if (dense.has(name)) return [name, into?.get(name) ?? ((out[`grad.${name}`] as ort.Tensor).data as Float32Array)];
        // Only row updates (an untied embedding): they are added onto zeros.
        const reused = into?.get(name);
        return [name, reused ? reused.fill(0) : new Float32Array(shape.reduce((a, b) => a * b, 1))];
      }),
    );
    for (const name of outputs.rows) {
      addRows(
        grads.get(name) as Float32Array,
        (out[`rows.${name}.ids`] as ort.Tensor).data as BigInt64Array,
        (out[`rows.${name}.values`] as ort.Tensor).data as Float32Array,
      );
    }
    return { loss: ((out.loss as ort.Tensor).data as Float32Array)[0] as number, nll: (out.nll as ort.Tensor).data as Float32Array, grads, runSeconds };
  }

  /** Per-token nll and whether the argmax prediction is the target. */
  async score(params: ReadonlyMap<string, Float32Array>, batch: HostBatch): Promise<{ nll: Float32Array; hits: Uint8Array }> {
    this.forwardSession ??= ort.InferenceSession.create(forwardGraph(this.config, this.lora), sessionOptions(this.threads));
    const out = await (await this.forwardSession).run(this.feeds(params, batch));
    const argmax = (out.argmax as ort.Tensor).data as BigInt64Array;
    const hits = new Uint8Array(argmax.length);
    for (let i = 0; i < hits.length; i++) hits[i] = Number(argmax[i]) === batch.targets[i] ? 1 : 0;
    return { nll: (out.nll as ort.Tensor).data as Float32Array, hits };
  }

  /** Next-token logits [B*T, vocab] of token ids [B, T]. */
  async logits(params: ReadonlyMap<string, Float32Array>, tokens: Int32Array, B: number, T: number): Promise<Float32Array> {
    this.logitsSession ??= ort.InferenceSession.create(logitsGraph(this.config, this.lora), sessionOptions(this.threads));
    const batch = { B, T, tokens, targets: new Int32Array(B * T), weights: new Float32Array(B * T) };
    const out = await (await this.logitsSession).run(this.feeds(params, batch));
    return (out.logits as ort.Tensor).data as Float32Array;
  }

  async release(): Promise<void> {
    if (process.env.APPRENTICE_ORT_PROFILE) this.trainSession.endProfiling();
    await this.trainSession.release();
    if (this.forwardSession) await (await this.forwardSession).release();
    if (this.logitsSession) await (await this.logitsSession).release();
  }
}

/**
 * Adds row m of `values` [M, width] into row `ids[m]` of `grad` [rows, width], for m in order: each float32 sum is
 * rounded as ONNX Runtime's own float32 add would round it, and a frequent token's row sums in the same order on
 * every run and thread count.
 */
function addRows(grad: Float32Array, ids: BigInt64Array, values: Float32Array): void {
  const width = values.length / Math.max(1, ids.length);
  for (let m = 0; m < ids.length; m++) {
    const row = Number(ids[m]) * width;
    const from = m * width;
    for (let j = 0; j < width; j++) grad[row + j] = (grad[row + j] as number) + (values[from + j] as number);
  }
}

/**
 * Idle pool threads sleep instead of spinning: on a machine shared with other work a spinning pool waits on
 * descheduled threads (measured here under load, small, 2 threads: 3,083 tokens/s spinning, 5,764 not).
 * APPRENTICE_ORT_PROFILE=<prefix> turns on ONNX Runtime's per-node profile (bench/engine/roofline.ts --profile):
 * each session writes <prefix>_<date>.json when released.
 */
export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  const profile = process.env.APPRENTICE_ORT_PROFILE;
  return {
    ...(profile ? { enableProfiling: true, profileFilePrefix: profile } : {}),
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: process.env.APPRENTICE_ORT_SPIN === '1' ? '1' : '0' } } },
  };
}
