/**
 * The optimizer step (src/engine/onnx/adamw.ts): spread over worker threads it gives the same bits as inline, for
 * any thread count, and both follow torch.optim.AdamW's update (written out here in float64) with global-norm
 * clipping.
 */
import { describe, expect, it } from 'vitest';
import { AdamW, type AdamWParameter } from '../../src/engine/onnx/adamw.js';

const hyper = { beta1: 0.9, beta2: 0.95, weightDecay: 0.1, eps: 1e-8 };
const sizes = [5000, 1200, 64, 64, 3000, 7];

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
}

function parameters(seed: number): Map<string, AdamWParameter> {
  const r = random(seed);
  return new Map(
    sizes.map((n, k) => [
      `w${k}`,
      {
        p: Float32Array.from({ length: n }, r),
        g: Float32Array.from({ length: n }, () => r() * 0.1),
        m: Float32Array.from({ length: n }, () => r() * 0.01),
        v: Float32Array.from({ length: n }, () => Math.abs(r()) * 1e-4),
        decay: n !== 64,
      },
    ]),
  );
}

/** Three steps; the arrays after each. */
async function run(threads: number, clipNorm: number): Promise<Array<{ norm: number; values: Map<string, Float32Array[]> }>> {
  const adamw = new AdamW(hyper, threads, 0);
  const state = parameters(1);
  const steps = [];
  try {
    for (let step = 1; step <= 3; step++) {
      const gradients = parameters(100 + step);
      const input = new Map([...state].map(([name, s]) => [name, { ...s, g: gradients.get(name)!.g }]));
      const { norm, updated } = await adamw.step(input, 1e-2, step, clipNorm);
      for (const [name, { p, m, v }] of updated) state.set(name, { ...state.get(name)!, p, m, v });
      steps.push({ norm, values: new Map([...updated].map(([name, { p, m, v }]) => [name, [p.slice(), m.slice(), v.slice()]])) });
    }
  } finally {
    await adamw.release();
  }
  return steps;
}

describe('AdamW', () => {
  it('gives the same bits on 1, 2 and 3 threads (workers) as inline', async () => {
    const inline = await run(1, 1);
    for (const threads of [2, 3]) {
      const spread = await run(threads, 1);
      spread.forEach((s, i) => {
        expect(s.norm).toBe(inline[i]!.norm);
        for (const [name, arrays] of s.values)
          arrays.forEach((a, j) => expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(inline[i]!.values.get(name)![j]!.buffer)), `${name} ${j}`).toBe(0));
      });
    }
  });

  it("follows torch.optim.AdamW's update with clipping", async () => {
    for (const clipNorm of [0, 1]) {
      const [first] = await run(2, clipNorm);
      const start = parameters(1);
      const gradients = parameters(101);
      const squares = [...gradients.values()].reduce((sum, { g }) => sum + g.reduce((a, x) => a + x * x, 0), 0);
      expect(first!.norm).toBeCloseTo(Math.sqrt(squares), 9);
      const norm = Math.sqrt(squares);
      expect(clipNorm === 0 || norm > clipNorm).toBe(true);
      const scale = clipNorm > 0 ? clipNorm / (norm + 1e-6) : 1;
      const { beta1, beta2, weightDecay, eps } = hyper;
      const lr = 1e-2;
      let worst = 0;
      for (const [name, { p, m, v, decay }] of start) {
        const g = gradients.get(name)!.g;
        const [p1, m1, v1] = first!.values.get(name)!;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! * scale;
          const mi = beta1 * m[i]! + (1 - beta1) * gi;
          const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
          const pi = p[i]! * (decay ? 1 - lr * weightDecay : 1) - ((lr / (1 - beta1)) * mi) / (Math.sqrt(vi) / Math.sqrt(1 - beta2) + eps);
          worst = Math.max(worst, Math.abs(p1![i]! - pi), Math.abs(m1![i]! - mi) / Math.abs(mi), Math.abs(v1![i]! - vi) / vi);
        }
      }
      expect(worst).toBeLessThan(1e-6);
    }
  });
});
