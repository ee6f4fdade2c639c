/**
 * The WebAssembly kernel of the optimizer step (src/engine/onnx/adamwKernel.ts): its committed binary is its WAT
 * source's, and over any length and chunk size it gives exactly the bits of the scalar float64 formula (written
 * out here), and the sum of squares of the float64 sum.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adamwUpdate, instantiateKernel, KERNEL_CHUNK, kernelBytes, sumOfSquares, type StepConstants } from '../../src/engine/onnx/adamwKernel.js';
import { expectedModules } from '../../scripts/wasm.js';

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
}

function arrays(n: number, seed: number): { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array } {
  const r = random(seed);
  return {
    p: Float32Array.from({ length: n }, r),
    g: Float32Array.from({ length: n }, () => r() * 0.1),
    m: Float32Array.from({ length: n }, () => r() * 0.01),
    v: Float32Array.from({ length: n }, () => Math.abs(r()) * 1e-4),
  };
}

const constants: StepConstants = { scale: 0.73, stepSize: 1e-2 / (1 - 0.9 ** 3), invSqrtC2: 1 / Math.sqrt(1 - 0.95 ** 3), beta1: 0.9, beta2: 0.95, eps: 1e-8 };

/** The update of one value in float64, each result rounded to float32 (Math.fround) as a Float32Array stores it. */
function reference(p: number, g: number, m: number, v: number, keep: number, c: StepConstants): [number, number, number] {
  const gi = g * c.scale;
  const mi = c.beta1 * m + (1 - c.beta1) * gi;
  const vi = c.beta2 * v + (1 - c.beta2) * gi * gi;
  return [Math.fround(p * keep - (c.stepSize * mi) / (Math.sqrt(vi) * c.invSqrtC2 + c.eps)), Math.fround(mi), Math.fround(vi)];
}

describe('the AdamW WebAssembly kernel', () => {
  it('is compiled from its WAT source (npm run wasm regenerates the same bytes)', async () => {
    for (const { target, text } of await expectedModules()) expect(readFileSync(join(import.meta.dirname, '../..', target), 'utf8'), target).toBe(text);
  });

  it('gives the scalar float64 formula bit for bit, at any length and chunk size', () => {
    for (const chunk of [8, 24, KERNEL_CHUNK]) {
      const kernel = instantiateKernel(kernelBytes(), chunk);
      for (const n of [1, 2, 3, 7, 8, 9, 23, 24, 25, 1000, KERNEL_CHUNK + 5]) {
        const { p, g, m, v } = arrays(n, n);
        const expected = Array.from(p, (_, i) => reference(p[i]!, g[i]!, m[i]!, v[i]!, 0.999, constants));
        adamwUpdate(kernel, p, g, m, v, 0.999, constants);
        const got = Array.from(p, (_, i) => [p[i]!, m[i]!, v[i]!]);
        expect(got, `chunk ${chunk}, ${n} values`).toEqual(expected);
        expect(Array.from(g), 'the gradient is left as it was').toEqual(Array.from(arrays(n, n).g));
      }
    }
  });

  it('sums squares in float64 the same way whatever the thread, over any length', () => {
    const kernel = instantiateKernel(kernelBytes(), 24);
    for (const n of [0, 1, 7, 8, 9, 24, 25, 100, 1001]) {
      const { g } = arrays(n, 7 + n);
      const exact = g.reduce((s, x) => s + x * x, 0);
      const squares = sumOfSquares(kernel, g);
      expect(Math.abs(squares - exact), `${n} values`).toBeLessThanOrEqual(exact * 1e-14);
      expect(sumOfSquares(instantiateKernel(kernelBytes(), 24), g)).toBe(squares);
    }
  });
});
