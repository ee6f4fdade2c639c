/**
 * The optimizer step of ./trainer.ts: global-norm clipping and AdamW (decoupled weight decay on matrices) over the
 * trainable parameters, on worker threads when there is enough to do. The arithmetic is a WebAssembly SIMD kernel
 * (./adamwKernel.ts: float64 lanes, the arrays streamed through its memory in cache-sized chunks); a plain JS loop
 * before it took ~15 ns per value, 40% of a full fine-tuning step at SmolLM2-135M's shape (134.5M values).
 *
 * Each parameter's arrays (weights, gradient, two moments) are moved to a worker (ArrayBuffer transfer, no copy:
 * ONNX Runtime refuses SharedArrayBuffer-backed feeds, so the weights cannot live in shared memory) and moved
 * back updated; the caller gets the returned arrays. Every value is computed by the same kernel whether it runs
 * in a worker or inline, and the global norm adds per-parameter sums of squares in the parameters' order, so the
 * result does not depend on the thread count or on how the parameters were spread over the workers (exact resume).
 * The update gives the bits of the JS loop it replaced; the sums of squares differ from that loop's in the last
 * bits (eight float64 partial sums instead of one running sum), hence so do the norm and, when clipping, the step.
 */
import { Worker } from 'node:worker_threads';
import { adamwUpdate, instantiateKernel, KERNEL_CHUNK, kernelBytes, sumOfSquares, type Kernel, type StepConstants } from './adamwKernel.js';

export interface AdamWHyperparameters {
  beta1: number;
  beta2: number;
  weightDecay: number;
  eps: number;
}

/** One trainable parameter for a step; `g` is consumed (it may be detached afterwards). */
export interface AdamWParameter {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** Decoupled weight decay applies (matrices; not norm gains or biases). */
  decay: boolean;
}

/** A parameter's arrays after a step; `g` unchanged, returned for reuse. */
export interface Updated {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** What a worker holds between the two messages of a step. */
interface Held {
  id: number;
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  decay: boolean;
}

/** A worker's loop; the kernel's functions are its arguments (named imports would not resolve in its source). */
function workerMain(instantiate: typeof instantiateKernel, squaresOf: typeof sumOfSquares, update: typeof adamwUpdate): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- runs as an eval'd CommonJS worker script
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { bytes, chunk } = workerData as { bytes: Uint8Array; chunk: number };
  const kernel = instantiate(bytes, chunk);
  let held: Held[] = [];
  parentPort?.on('message', (message: { kind: 'load'; items: Held[] } | { kind: 'update'; constants: Constants }) => {
    if (message.kind === 'load') {
      held = message.items;
      parentPort.postMessage(held.map(({ g }) => squaresOf(kernel, g)));
      return;
    }
    const { constants } = message;
    for (const { p, g, m, v, decay } of held) update(kernel, p, g, m, v, decay ? constants.keep : 1, constants);
    const items = held.map(({ id, p, g, m, v }) => ({ id, p, g, m, v }));
    held = [];
    parentPort.postMessage(
      items,
      items.flatMap(({ p, g, m, v }) => [p.buffer, g.buffer, m.buffer, v.buffer] as ArrayBuffer[]),
    );
  });
}

function startWorker(): Worker {
  const source = `(${workerMain.toString()})(${[instantiateKernel, sumOfSquares, adamwUpdate].map((f) => f.toString()).join(', ')});`;
  const worker = new Worker(source, { eval: true, workerData: { bytes: kernelBytes(), chunk: KERNEL_CHUNK } });
  worker.unref();
  return worker;
}

/** The next message of `worker`, or its error or exit. */
function reply<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (value: T): void => (cleanup(), resolve(value));
    const onError = (error: Error): void => (cleanup(), reject(new Error(`optimizer worker failed: ${error.message}`)));
    const onExit = (code: number): void => (cleanup(), reject(new Error(`optimizer worker exited (code ${code})`)));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** An array that owns its whole buffer (transferable alone); a view into a larger buffer is copied. */
const owning = (a: Float32Array): Float32Array => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice());

/** The step's constants: the update's and the weight decay's factor. */
interface Constants extends StepConstants {
  keep: number;
}

export class AdamW {
  private workers: Worker[] = [];
  /** The kernel of steps run inline (in the calling thread), made at the first. */
  private kernel: Kernel | undefined;

  /**
   * `threads` workers (1 = inline in the calling thread); below `minWorkerValues` trainable values a step runs
   * inline too (a round trip to the workers costs more than it saves on small models).
   */
  constructor(
    private readonly hyper: AdamWHyperparameters,
    private readonly threads: number,
    private readonly minWorkerValues = 1 << 20,
  ) {}

  /**
   * Clips the gradients to a global norm of `clipNorm` (0 = off) and applies one AdamW step (`step` from 1).
   * Returns the norm before clipping and every parameter's arrays, updated (and its gradient array, for reuse):
   * the same objects when run inline, new ones when moved through a worker (the inputs are then detached).
   */
  async step(
    parameters: ReadonlyMap<string, AdamWParameter>,
    learningRate: number,
    step: number,
    clipNorm: number,
  ): Promise<{ norm: number; updated: Map<string, Updated> }> {
    const entries = [...parameters];
    const values = entries.reduce((n, [, { p }]) => n + p.length, 0);
    const useWorkers = this.threads > 1 && values >= this.minWorkerValues && entries.length > 1;
    const constants = (squares: number[]): { norm: number; constants: Constants } => {
      const norm = Math.sqrt(squares.reduce((a, b) => a + b, 0));
      const { beta1, beta2, weightDecay, eps } = this.hyper;
      return {
        norm,
        constants: {
          scale: clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1,
          keep: 1 - learningRate * weightDecay,
          stepSize: learningRate / (1 - beta1 ** step),
          invSqrtC2: 1 / Math.sqrt(1 - beta2 ** step),
          beta1,
          beta2,
          eps,
        },
      };
    };
    if (!useWorkers) {
      const kernel = (this.kernel ??= instantiateKernel(kernelBytes(), KERNEL_CHUNK));
      const { norm, constants: c } = constants(entries.map(([, { g }]) => sumOfSquares(kernel, g)));
      for (const [, { p, g, m, v, decay }] of entries) adamwUpdate(kernel, p, g, m, v, decay ? c.keep : 1, c);
      return { norm, updated: new Map(entries.map(([name, { p, g, m, v }]) => [name, { p, g, m, v }])) };
    }
    // Largest first onto the least loaded worker.
    const order = entries.map((_, id) => id).sort((a, b) => (entries[b]?.[1].p.length ?? 0) - (entries[a]?.[1].p.length ?? 0));
    const shares: number[][] = Array.from({ length: this.threads }, () => []);
    const loads = new Array<number>(this.threads).fill(0);
    for (const id of order) {
      const target = loads.indexOf(Math.min(...loads));
      shares[target]?.push(id);
      loads[target] = (loads[target] as number) + (entries[id]?.[1].p.length ?? 0);
    }
    while (this.workers.length < this.threads) this.workers.push(startWorker());
    const busy = shares.map((ids, w) => ({ ids, worker: this.workers[w] as Worker })).filter(({ ids }) => ids.length > 0);
    const squares = new Array<number>(entries.length).fill(0);
    await Promise.all(
      busy.map(async ({ ids, worker }) => {
        const items = ids.map((id) => {
          const { p, g, m, v, decay } = (entries[id] as [string, AdamWParameter])[1];
          return { id, p: owning(p), g: owning(g), m: owning(m), v: owning(v), decay };
        });
        const answer = reply<number[]>(worker);
        worker.postMessage(
          { kind: 'load', items },
          items.flatMap(({ p, g, m, v }) => [p.buffer, g.buffer, m.buffer, v.buffer] as ArrayBuffer[]),
        );
        (await answer).forEach((s, k) => (squares[ids[k] as number] = s));
      }),
    );
    const { norm, constants: c } = constants(squares);
    const updated = new Map<string, Updated>();
    const returned = await Promise.all(
      busy.map(({ worker }) => {
        const answer = reply<Array<Updated & { id: number }>>(worker);
        worker.postMessage({ kind: 'update', constants: c });
        return answer;
      }),
    );
    const byId = new Map(returned.flat().map((item) => [item.id, item]));
    entries.forEach(([name], id) => {
      const item = byId.get(id);
      if (!item) throw new Error(`optimizer worker returned no ${name}`);
      updated.set(name, { p: item.p, g: item.g, m: item.m, v: item.v });
    });
    return { norm, updated };
  }

  async release(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
