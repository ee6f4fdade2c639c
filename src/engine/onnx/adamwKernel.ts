/**
 * The arithmetic of the optimizer step (./adamw.ts) on WebAssembly SIMD (./adamwKernel.wat, compiled into
 * ./adamwKernelWasm.ts): a parameter's arrays go through the kernel's own memory in chunks that stay in a core's
 * cache, so each value crosses main memory once per pass (WebAssembly cannot read a JS array in place; the
 * weights cannot live in WebAssembly memory either, since ONNX Runtime takes them as feeds).
 *
 * Every function below except kernelBytes is also the optimizer workers' source (Function.prototype.toString):
 * they must stay self-contained, plain functions.
 */
import { ADAMW_KERNEL_WASM } from './adamwKernelWasm.js';

/** The per-step constants of the update (see adamwKernel.wat). */
export interface StepConstants {
  scale: number;
  stepSize: number;
  invSqrtC2: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** The part of the WebAssembly API used here (TypeScript's libraries for Node declare none of it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
}

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  sumOfSquares(g: number, n: number): number;
  update(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    keep: number,
    scale: number,
    stepSize: number,
    invSqrtC2: number,
    beta1: number,
    beta2: number,
    eps: number,
  ): void;
}

/** An instance of the kernel and a view of its memory: four regions of `chunk` float32 values (p, g, m, v). */
export interface Kernel {
  exports: KernelExports;
  heap: Float32Array;
  chunk: number;
}

/**
 * Values per chunk: four arrays of it (256 KiB) fit a core's L2 cache, and a chunk's fixed cost (seven copies,
 * one call) is small beside its 16,384 values.
 */
export const KERNEL_CHUNK = 16384;

/** The kernel's WebAssembly binary. */
export function kernelBytes(): Uint8Array {
  return new Uint8Array(Buffer.from(ADAMW_KERNEL_WASM, 'base64'));
}

export function instantiateKernel(bytes: Uint8Array, chunk: number): Kernel {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const exports = new wasm.Instance(new wasm.Module(bytes)).exports as KernelExports;
  const missing = 16 * chunk - exports.memory.buffer.byteLength;
  if (missing > 0) exports.memory.grow(Math.ceil(missing / 65536));
  // The memory never grows again, so this view stays valid.
  return { exports, heap: new Float32Array(exports.memory.buffer), chunk };
}

/** The sum of squares of `g` in float64: the kernel's sums of its chunks, added in order. */
export function sumOfSquares(kernel: Kernel, g: Float32Array): number {
  const { exports, heap, chunk } = kernel;
  let squares = 0;
  for (let start = 0; start < g.length; start += chunk) {
    const end = Math.min(start + chunk, g.length);
    heap.set(g.subarray(start, end));
    squares += exports.sumOfSquares(0, end - start);
  }
  return squares;
}

/** One AdamW step over a parameter's arrays, in place (`keep`: the weight decay's factor, 1 for none). */
export function adamwUpdate(kernel: Kernel, p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, keep: number, c: StepConstants): void {
  const { exports, heap, chunk } = kernel;
  const [P, G, M, V] = [0, chunk, 2 * chunk, 3 * chunk];
  for (let start = 0; start < p.length; start += chunk) {
    const end = Math.min(start + chunk, p.length);
    heap.set(p.subarray(start, end), P);
    heap.set(g.subarray(start, end), G);
    heap.set(m.subarray(start, end), M);
    heap.set(v.subarray(start, end), V);
    exports.update(4 * P, 4 * G, 4 * M, 4 * V, end - start, keep, c.scale, c.stepSize, c.invSqrtC2, c.beta1, c.beta2, c.eps);
    const n = end - start;
    p.set(heap.subarray(P, P + n), start);
    m.set(heap.subarray(M, M + n), start);
    v.set(heap.subarray(V, V + n), start);
  }
}
