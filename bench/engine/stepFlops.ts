/**
 * The matrix products of one full fine-tuning step of the engine's model (../../src/engine/config.ts), written out
 * with their shapes, for bench/engine/roofline.ts: what the step must multiply, whatever graph computes it.
 *
 * Counted, per step of B sequences of T tokens (N = B * T), each product at 2 * m * n * k FLOPs:
 * - every projection (q, k, v, o, gate, up, down) forward [N, in] x [out, in]^T, and backward twice: the input
 *   gradient [N, out] x [out, in] and the weight gradient [N, out]^T x [N, in];
 * - attention, per layer: scores q k^T and p v forward, and backward dP = dO v^T, dv = p^T dO, dk = dS^T q,
 *   dq = dS k, each over the full T x T square (the graph, like PyTorch's eager attention, computes the masked half);
 * - the head over every position: logits [N, dim] x [vocab, dim]^T, and backward probs x W and probs^T x h.
 * Not counted: elementwise work (norms, rotary, SwiGLU, softmax, biases, the optimizer) and the embedding gather
 * and scatter, which are not products.
 */
import { headDimOf, type LlamaConfig } from '../../src/engine/config.js';

/** One product shape: `count` runs per step of op(A) x op(B), as ONNX Gemm (2-D) or MatMul (batched). */
export interface Product {
  label: string;
  /** 'gemm': op(A) [m, k] x op(B) [k, n]; 'matmul': [...batch, m, k] x [...batch, k, n]. */
  kind: 'gemm' | 'matmul';
  batch: number[];
  m: number;
  n: number;
  k: number;
  transA: 0 | 1;
  transB: 0 | 1;
  count: number;
}

export const flopsOf = (p: Product): number => 2 * p.m * p.n * p.k * p.batch.reduce((a, b) => a * b, 1) * p.count;

/** The products of one training step (full fine-tuning, the head over all N positions), merged by shape. */
export function stepProducts(config: LlamaConfig, B: number, T: number): Product[] {
  const { dim, nLayers, nHeads, nKvHeads, hiddenDim, vocabSize } = config;
  const hd = headDimOf(config);
  const N = B * T;
  const G = nHeads / nKvHeads;
  const products: Product[] = [];
  const gemm = (label: string, m: number, n: number, k: number, transA: 0 | 1, transB: 0 | 1, count: number): void => {
    products.push({ label, kind: 'gemm', batch: [], m, n, k, transA, transB, count });
  };
  const projections: Array<[string, number, number]> = [
    ['q', dim, nHeads * hd],
    ['k', dim, nKvHeads * hd],
    ['v', dim, nKvHeads * hd],
    ['o', nHeads * hd, dim],
    ['gate', dim, hiddenDim],
    ['up', dim, hiddenDim],
    ['down', hiddenDim, dim],
  ];
  for (const [name, input, output] of projections) {
    gemm(`${name} forward`, N, output, input, 0, 1, nLayers);
    gemm(`${name} input grad`, N, input, output, 0, 0, nLayers);
    gemm(`${name} weight grad`, output, input, N, 1, 0, nLayers);
  }
  // Grouped-query attention as the graph stacks it: [B, kvHeads, G * T, hd] against [B, kvHeads, T, hd].
  const attention = (label: string, m: number, n: number, k: number, transA: 0 | 1, transB: 0 | 1): void => {
    products.push({ label, kind: 'matmul', batch: [B, nKvHeads], m, n, k, transA, transB, count: nLayers });
  };
  attention('scores q k^T', G * T, T, hd, 0, 1);
  attention('p v', G * T, hd, T, 0, 0);
  attention('dP = dO v^T', G * T, T, hd, 0, 1);
  attention('dv = p^T dO', T, hd, G * T, 1, 0);
  attention('dk = dS^T q', T, hd, G * T, 1, 0);
  attention('dq = dS k', G * T, hd, T, 0, 0);
  gemm('head logits', N, vocabSize, dim, 0, 1, 1);
  gemm('head input grad', N, dim, vocabSize, 0, 0, 1);
  gemm('head weight grad', vocabSize, dim, N, 1, 0, 1);
  // Products of the same shape and layout are measured once.
  const merged = new Map<string, Product>();
  for (const p of products) {
    const key = `${p.kind}:${p.batch.join('x')}:${p.m}x${p.n}x${p.k}:${p.transA}${p.transB}`;
    const known = merged.get(key);
    if (known) merged.set(key, { ...known, label: `${known.label}, ${p.label}`, count: known.count + p.count });
    else merged.set(key, { ...p });
  }
  return [...merged.values()];
}
