/**
 * tfjs on the WebAssembly backend, set up for training small transformers in Node:
 *
 * - the .wasm binaries are loaded from the installed @tensorflow/tfjs-backend-wasm package (never downloaded);
 * - the `UnsortedSegmentSum` kernel, which the wasm backend lacks and the gradient of an embedding lookup
 *   (gather) needs, is registered here;
 * - `matMul` is the one matrix product the engine uses. The wasm backend only takes XNNPACK's fast path for
 *   non-transposed operands with a batch of 1 (measured here: ~20 GFLOP/s against 0.6-2 for the transposed
 *   and batched cases), so `matMul` never asks for a transposed product (its gradients transpose explicitly)
 *   and runs batched products (attention) as one fast product per batch entry, on views of the operands'
 *   memory, with no copies.
 *
 * On any other backend (tests may use 'cpu') the same functions fall back to plain tfjs ops.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Worker as NodeWorker, type TransferListItem } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerGradients } from './gradients.js';

export { tf };

const BATCHED_MATMUL = 'ApprenticeBatchedMatMul';

let ready: Promise<string> | undefined;

export interface BackendOptions {
  /** 'wasm' (default) or 'cpu' (the pure-JS reference backend, ~30x slower). */
  backend?: 'wasm' | 'cpu';
  /**
   * XNNPACK threads of the wasm backend (default: env APPRENTICE_WASM_THREADS, else 1). More than 1 runs the
   * threaded SIMD build.
   */
  threads?: number;
}

/** Threads the wasm backend runs with (1 before it starts or when threads are off). */
let wasmThreads = 1;

export function backendThreads(): number {
  return wasmThreads;
}

function wantedThreads(options: BackendOptions): number {
  const fromEnv = Number(process.env.APPRENTICE_WASM_THREADS);
  // One by default: on a machine shared with other work, XNNPACK's pool waits on its slowest thread and a
  // step ran 1.7-2.3x slower with 2 threads than with 1 (bench/engine measures both).
  const wanted = options.threads ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1);
  return Math.max(1, Math.floor(wanted));
}

/** Initialises tfjs once per process and returns the backend name in use. */
export function initBackend(options: BackendOptions = {}): Promise<string> {
  ready ??= (async () => {
    const wanted = options.backend ?? (process.env.APPRENTICE_TF_BACKEND === 'cpu' ? 'cpu' : 'wasm');
    tf.env().set('PROD', true); // no per-op NaN checks
    registerGradients();
    if (wanted === 'cpu') {
      await import('@tensorflow/tfjs-backend-cpu');
    } else {
      const require = createRequire(import.meta.url);
      const packageDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      setWasmPaths(join(packageDir, 'dist') + '/');
      registerWasmKernels();
    }
    const threads = wanted === 'wasm' ? wantedThreads(options) : 1;
    const restore = threads > 1 ? enableNodeThreads(threads) : undefined;
    try {
      if (!(await tf.setBackend(wanted))) throw new Error(`tfjs could not start its ${wanted} backend`);
      await tf.ready();
    } finally {
      restore?.();
    }
    if (wanted === 'wasm') {
      wasmThreads = (tf.backend() as unknown as WasmBackendInternals).wasm.tfjs.getThreadsCount?.() ?? 1;
    }
    return tf.getBackend();
  })();
  ready.catch(() => (ready = undefined));
  return ready;
}

// ---------------------------------------------------------------------------------------------------------
// The threaded SIMD build in Node.
//
// tfjs turns threads off in Node (tensorflow/tfjs#3830) because its Emscripten glue cannot start there: it
// hands the pthread workers Blob URLs (Node's worker_threads cannot load those), the worker re-evaluates the
// module factory's source, which refers to the bundle's `require$$N` module variables, and XNNPACK sizes its
// pool as logical cores / 2 (1 thread on 2 cores). During backend start-up, these shims make it work: Blobs
// of script text are written to files in a private temporary folder, the workers get those paths and a
// prelude defining the bundle variables, `os.cpus()` reports twice the wanted threads, and the workers are
// unref'ed so they never keep the process alive.
// ---------------------------------------------------------------------------------------------------------

const FACTORY_PRELUDE =
  "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;\n";

let scriptDir: string | undefined;

function writeScript(text: string): string {
  if (!scriptDir) {
    const dir = mkdtempSync(join(os.tmpdir(), 'apprentice-wasm-'));
    scriptDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const file = join(scriptDir, `script-${writeScript.count++}.js`);
  writeFileSync(file, (text.startsWith('var WasmBackendModuleThreadedSimd') ? FACTORY_PRELUDE : '') + text);
  return file;
}
writeScript.count = 0;

/** Patches the globals the Emscripten glue uses while the backend starts; returns the undo. */
function enableNodeThreads(threads: number): () => void {
  const OriginalBlob = globalThis.Blob;
  const texts = new WeakMap<Blob, string>();
  class RecordingBlob extends OriginalBlob {
    constructor(parts: ConstructorParameters<typeof Blob>[0] = [], options?: ConstructorParameters<typeof Blob>[1]) {
      super(parts, options);
      const list = [...parts];
      if (list.every((part) => typeof part === 'string')) texts.set(this, (list as string[]).join(''));
    }
  }
  const fileOf = (blob: unknown): string | undefined => {
    const text = blob instanceof OriginalBlob ? texts.get(blob) : undefined;
    return text === undefined ? undefined : writeScript(text);
  };
  class PthreadWorker extends NodeWorker {
    constructor(file: string | URL, options?: ConstructorParameters<typeof NodeWorker>[1]) {
      super(file, options);
      this.unref();
    }
    // Emscripten refs a worker while it runs a pthread; XNNPACK's pool threads run for ever.
    override ref(): void {}
    override postMessage(message: unknown, transfer?: readonly TransferListItem[]): void {
      const load = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (load?.cmd === 'load' && typeof load.urlOrBlob !== 'string') {
        message = { ...load, urlOrBlob: fileOf(load.urlOrBlob) ?? load.urlOrBlob };
      }
      super.postMessage(message, transfer);
    }
  }
  const createObjectURL = URL.createObjectURL.bind(URL);
  const cpus = os.cpus;
  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  globalThis.Blob = RecordingBlob;
  URL.createObjectURL = (blob: Blob) => fileOf(blob) ?? createObjectURL(blob);
  os.cpus = () => {
    const one = cpus()[0] as os.CpuInfo;
    return Array.from({ length: 2 * threads }, () => one);
  };
  // The glue assigns globalThis.Worker = worker_threads.Worker: keep ours.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => {} });
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    if (workerDescriptor) Object.defineProperty(globalThis, 'Worker', workerDescriptor);
    else delete (globalThis as { Worker?: unknown }).Worker;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Kernels the wasm backend lacks or runs slowly.
// ---------------------------------------------------------------------------------------------------------

interface WasmModule {
  HEAPU8: Uint8Array;
  cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
  tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void; getThreadsCount?(): number };
}

/** The parts of BackendWasm the kernels below use (some are private in its typings). */
interface WasmBackendInternals {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

let kernelsRegistered = false;

function registerWasmKernels(): void {
  if (kernelsRegistered) return;
  kernelsRegistered = true;
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as never });
  // wasm's Identity copies the data; tensors are immutable, so a clone (tfjs clones every tensor a gradient
  // saves) can share it, as Reshape does. ~5% of a training step.
  if (tf.getKernel('Identity', 'wasm')) tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  // Column splits and swaps of the last two axes, which the wasm kernels run at ~90M floats/s, as row copies
  // and a blocked transpose on the heap (several times faster); other cases go to the original kernels.
  for (const [name, fast] of [
    ['SplitV', splitLastAxis],
    ['Transpose', transposeLastTwo],
  ] as const) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      // The original's setup binds its wasm function: keep it.
      ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
      kernelFunc: (args) => fast(args as never) ?? (original.kernelFunc(args) as tf.TensorInfo | tf.TensorInfo[]),
    });
  }
  let wasmBatchMatMul: ((...args: unknown[]) => void) | undefined;
  tf.registerKernel({
    kernelName: BATCHED_MATMUL,
    backendName: 'wasm',
    setupFunc: (backend) => {
      wasmBatchMatMul = (backend as WasmBackendInternals).wasm.cwrap('BatchMatMul', null, [
        'number',
        'array',
        'number',
        'number',
        'array',
        'number',
        'number',
        'number',
        'number',
      ]);
    },
    kernelFunc: ({ inputs, backend }) => {
      if (!wasmBatchMatMul) throw new Error('the wasm BatchMatMul function is not set up');
      return batchedMatMulKernel(inputs.a as tf.TensorInfo, inputs.b as tf.TensorInfo, backend as WasmBackendInternals, wasmBatchMatMul);
    },
  });
}

/** out[segmentIds[i], ...] += x[i, ...]: the gradient of gather along axis 0. */
function unsortedSegmentSum(args: {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  backend: WasmBackendInternals;
  attrs: { numSegments: number };
}): tf.TensorInfo {
  const { x, segmentIds } = args.inputs;
  const { backend } = args;
  const numSegments = args.attrs.numSegments;
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  if (x.dtype !== 'float32') throw new Error(`UnsortedSegmentSum (wasm): float32 only, got ${x.dtype}`);
  // Allocate first: an allocation may grow the heap, which detaches earlier views of it.
  const out = backend.makeOutput(outShape, 'float32');
  const heap = backend.wasm.HEAPU8.buffer;
  const outData = new Float32Array(heap, backend.dataIdMap.get(out.dataId).memoryOffset, numSegments * inner);
  const xData = new Float32Array(heap, backend.dataIdMap.get(x.dataId).memoryOffset, rows * inner);
  const idsOffset = backend.dataIdMap.get(segmentIds.dataId).memoryOffset;
  const ids = segmentIds.dtype === 'int32' ? new Int32Array(heap, idsOffset, rows) : new Float32Array(heap, idsOffset, rows);
  outData.fill(0);
  for (let r = 0; r < rows; r++) {
    const segment = ids[r] as number;
    if (segment < 0 || segment >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
    const to = segment * inner;
    const from = r * inner;
    for (let i = 0; i < inner; i++) outData[to + i] = (outData[to + i] as number) + (xData[from + i] as number);
  }
  return out;
}

type KernelArgs<A> = { inputs: { x: tf.TensorInfo }; backend: WasmBackendInternals; attrs: A };

function heapF32(backend: WasmBackendInternals, t: tf.TensorInfo, size: number): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, backend.dataIdMap.get(t.dataId).memoryOffset, size);
}

/** SplitV along the last axis of a float32 tensor: row copies. Undefined for other cases. */
function splitLastAxis({ inputs: { x }, backend, attrs }: KernelArgs<{ numOrSizeSplits: number | number[]; axis: number }>): tf.TensorInfo[] | undefined {
  const rank = x.shape.length;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
  if (x.dtype !== 'float32' || rank < 2 || axis !== rank - 1) return undefined;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis) as number[];
  const cols = x.shape[rank - 1] as number;
  const rows = (x.shape as number[]).slice(0, -1).reduce((a, b) => a * b, 1);
  const outs = sizes.map((size) => backend.makeOutput([...x.shape.slice(0, -1), size], 'float32'));
  // Views after every allocation (an allocation may grow the heap and detach earlier views).
  const src = heapF32(backend, x, rows * cols);
  let offset = 0;
  sizes.forEach((size, i) => {
    const dst = heapF32(backend, outs[i] as tf.TensorInfo, rows * size);
    for (let r = 0; r < rows; r++) dst.set(src.subarray(r * cols + offset, r * cols + offset + size), r * size);
    offset += size;
  });
  return outs;
}

/**
 * Transpose of a float32 matrix, in 32x32 blocks (measured 2.6x faster than wasm's on [2048, 128]; batched
 * swaps measured slower, so they stay with the original kernel).
 */
function transposeLastTwo({ inputs: { x }, backend, attrs }: KernelArgs<{ perm: number[] }>): tf.TensorInfo | undefined {
  const rank = x.shape.length;
  const { perm } = attrs;
  if (x.dtype !== 'float32' || rank !== 2 || perm[0] !== 1 || perm[1] !== 0) return undefined;
  const m = x.shape[rank - 2] as number;
  const n = x.shape[rank - 1] as number;
  const batch = (x.shape as number[]).slice(0, -2).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([...x.shape.slice(0, -2), n, m], 'float32');
  const src = heapF32(backend, x, batch * m * n);
  const dst = heapF32(backend, out, batch * m * n);
  const B = 32;
  for (let b = 0; b < batch; b++) {
    const base = b * m * n;
    for (let i0 = 0; i0 < m; i0 += B) {
      const i1 = Math.min(m, i0 + B);
      for (let j0 = 0; j0 < n; j0 += B) {
        const j1 = Math.min(n, j0 + B);
        for (let i = i0; i < i1; i++) {
          const row = base + i * n;
          for (let j = j0; j < j1; j++) dst[base + j * m + i] = src[row + j] as number;
        }
      }
    }
  }
  return out;
}

/** [batch, m, k] x [batch, k, n] (either batch may be 1 and broadcast) as `batch` XNNPACK products. */
function batchedMatMulKernel(a: tf.TensorInfo, b: tf.TensorInfo, backend: WasmBackendInternals, wasmBatchMatMul: (...args: unknown[]) => void): tf.TensorInfo {
  const [batchA, m, k] = a.shape as [number, number, number];
  const [batchB, k2, n] = b.shape as [number, number, number];
  if (k !== k2 || (batchA !== batchB && batchA !== 1 && batchB !== 1)) {
    throw new Error(`batched matMul: shapes [${a.shape}] and [${b.shape}] do not match`);
  }
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([batch, m, n], 'float32');
  const offsetA = backend.dataIdMap.get(a.dataId).memoryOffset;
  const offsetB = backend.dataIdMap.get(b.dataId).memoryOffset;
  const offsetOut = backend.dataIdMap.get(out.dataId).memoryOffset;
  const shapeA = new Uint8Array(new Int32Array([1, m, k]).buffer);
  const shapeB = new Uint8Array(new Int32Array([1, k, n]).buffer);
  const { tfjs } = backend.wasm;
  for (let i = 0; i < batch; i++) {
    // Views: tensor ids registered on slices of the operands' memory (the C++ side only records pointers).
    const idA = backend.dataIdNextNumber++;
    const idB = backend.dataIdNextNumber++;
    const idOut = backend.dataIdNextNumber++;
    tfjs.registerTensor(idA, m * k, offsetA + (batchA === 1 ? 0 : i * m * k * 4));
    tfjs.registerTensor(idB, k * n, offsetB + (batchB === 1 ? 0 : i * k * n * 4));
    tfjs.registerTensor(idOut, m * n, offsetOut + i * m * n * 4);
    wasmBatchMatMul(idA, shapeA, 3, idB, shapeB, 3, false, false, idOut);
    // Unregisters the views and drops the XNNPACK operator cached for idB; the memory stays with its owner.
    tfjs.disposeData(idA);
    tfjs.disposeData(idB);
    tfjs.disposeData(idOut);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The engine's matrix product.
// ---------------------------------------------------------------------------------------------------------

/** Swaps the last two axes. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const rank = x.rank;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return tf.transpose(x, perm);
}

/** a @ b for 2-D or 3-D (batched) operands, without a gradient of its own. */
function product(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 3 && tf.getBackend() === 'wasm' && Math.max(a.shape[0] as number, b.shape[0] as number) > 1) {
    return tf.engine().runKernel(BATCHED_MATMUL, { a, b }, {}) as tf.Tensor;
  }
  return tf.matMul(a, b);
}

/**
 * Transposes made during a backward pass, by data buffer and shape: one activation feeds several products
 * (q, k and v; gate and up), and each of their weight gradients needs its transpose. tfjs keeps the tensors
 * a backward pass makes until it ends, so a cached transpose is reused only while it is alive.
 */
const transposes = new WeakMap<object, Map<string, tf.Tensor>>();

function transposedOf(x: tf.Tensor): tf.Tensor {
  const key = x.shape.join(',');
  let byShape = transposes.get(x.dataId);
  const cached = byShape?.get(key);
  if (cached && !cached.isDisposed) return cached;
  const t = transposeLast2(x);
  if (!byShape) transposes.set(x.dataId, (byShape = new Map()));
  byShape.set(key, t);
  return t;
}

const matMulWithGrad = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: product(a, b),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      const grad = dy as tf.Tensor;
      let da = product(grad, transposeLast2(sb));
      let db = product(transposedOf(sa), grad);
      // Broadcast batch (a or b with batch 1): sum the gradient over the batch.
      if (sa.rank === 3 && sa.shape[0] === 1 && da.shape[0] !== 1) da = tf.sum(da, 0, true);
      if (sb.rank === 3 && sb.shape[0] === 1 && db.shape[0] !== 1) db = tf.sum(db, 0, true);
      return [da, db];
    },
  };
});

const linearWithGrad = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const save = args.pop() as tf.GradSaveFunc;
  const [x, ...weights] = args as tf.Tensor[];
  const w = weights.length === 1 ? (weights[0] as tf.Tensor) : tf.concat(weights, 0);
  save([x as tf.Tensor, w]);
  return {
    value: product(x as tf.Tensor, tf.transpose(w)),
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as [tf.Tensor, tf.Tensor];
      const grad = dy as tf.Tensor;
      // dx = dy @ W with W as stored ([out, in]): no transpose; dW = (x^T @ dy)^T.
      const dx = product(grad, sw);
      const dw = tf.transpose(product(transposedOf(sx), grad));
      const dws =
        weights.length === 1
          ? [dw]
          : tf.split(
              dw,
              weights.map((v) => v.shape[0] as number),
              0,
            );
      return [dx, ...dws];
    },
  };
});

/**
 * x [N, in] @ W^T for one or more [out_i, in] weights (Hugging Face layout), as ONE product with the weights
 * stacked: [N, sum out_i]. Projections of the same input (q, k and v; gate and up) share the product, the
 * transpose of x for their gradients and the gradient of x; `tf.split` the result (its gradient is a concat).
 */
export function linear(x: tf.Tensor, ...weights: tf.Tensor[]): tf.Tensor {
  if (x.rank !== 2 || weights.length === 0 || weights.some((w) => w.rank !== 2 || w.shape[1] !== x.shape[1])) {
    throw new Error(`linear: expected x [N, in] and weights [out, in], got [${x.shape}] and ${weights.map((w) => `[${w.shape}]`).join(', ')}`);
  }
  return linearWithGrad(x, ...weights) as tf.Tensor;
}

/**
 * a @ b, both 2-D ([m, k] x [k, n]) or both 3-D ([batch, m, k] x [batch, k, n]); differentiable, and every
 * product it runs (forward and backward) is non-transposed.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank !== b.rank || (a.rank !== 2 && a.rank !== 3)) {
    throw new Error(`matMul: expected two 2-D or two 3-D tensors, got ranks ${a.rank} and ${b.rank}`);
  }
  return matMulWithGrad(a, b) as tf.Tensor;
}
