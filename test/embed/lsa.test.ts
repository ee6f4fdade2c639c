import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { randomizedLsa } from '../../src/embed/lsa.js';
import { createRng } from '../../src/util/random.js';
import { denseRowTimesDense, sparseRowTimesDense, transpose, type CsrMatrix } from '../../src/embed/sparse.js';

function randomSparse(rows: number, cols: number, density: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rng.next() < density ? rng.next() * 2 - 1 : 0)));
}

function toCsr(dense: number[][]): CsrMatrix {
  const rowPtr = [0];
  const colIdx: number[] = [];
  const values: number[] = [];
  for (const row of dense) {
    row.forEach((v, j) => {
      if (v !== 0) {
        colIdx.push(j);
        values.push(v);
      }
    });
    rowPtr.push(colIdx.length);
  }
  return {
    rows: dense.length,
    cols: dense[0]!.length,
    rowPtr: Int32Array.from(rowPtr),
    colIdx: Int32Array.from(colIdx),
    values: Float64Array.from(values),
  };
}

/** Components of a dense row under the fitted projection: (x·basis)·mixing. */
function project(row: number[], fit: ReturnType<typeof randomizedLsa>): number[] {
  const single = toCsr([row]);
  const coordinates = new Float64Array(fit.width);
  sparseRowTimesDense(single.colIdx, single.values, 0, single.colIdx.length, fit.basis, fit.width, coordinates);
  const out = new Float64Array(fit.dims);
  denseRowTimesDense(coordinates, fit.mixing, fit.width, fit.dims, out);
  return Array.from(out);
}

const options = (seed: number, rank: number) => ({ rank, oversamples: 20, powerIterations: 1, rng: createRng(seed) });

describe('randomizedLsa', () => {
  it('is exact when the sketch spans the whole row space', () => {
    const dense = randomSparse(12, 40, 0.3, 1);
    const fit = randomizedLsa(toCsr(dense), options(5, 5));
    const exact = new SingularValueDecomposition(new Matrix(dense), { autoTranspose: true });
    expect(fit.dims).toBe(5);
    expect(fit.width).toBe(12);
    fit.singularValues.forEach((s, j) => expect(s).toBeCloseTo(exact.diagonal[j]!, 9));

    // A new row projects onto each right singular vector as the exact SVD says (up to sign).
    const row = randomSparse(1, 40, 0.5, 99)[0]!;
    const v = exact.rightSingularVectors;
    project(row, fit).forEach((component, j) => {
      const expected = row.reduce((sum, x, f) => sum + x * v.get(f, j), 0);
      expect(Math.abs(component)).toBeCloseTo(Math.abs(expected), 9);
    });
  });

  it('projects the fitted rows onto U·Σ (orthogonal columns with norms σ)', () => {
    const dense = randomSparse(15, 30, 0.4, 2);
    const fit = randomizedLsa(toCsr(dense), options(3, 6));
    const rows = dense.map((row) => project(row, fit));
    for (let a = 0; a < fit.dims; a++) {
      for (let b = 0; b < fit.dims; b++) {
        const inner = rows.reduce((sum, r) => sum + r[a]! * r[b]!, 0);
        expect(inner).toBeCloseTo(a === b ? fit.singularValues[a]! ** 2 : 0, 8);
      }
    }
  });

  it('keeps only as many components as the rank and survives duplicate rows', () => {
    const base = randomSparse(3, 25, 0.5, 4);
    const dense = Array.from({ length: 10 }, (_, i) => base[i % 3]!.map((v) => v * (1 + i)));
    const fit = randomizedLsa(toCsr(dense), options(8, 8));
    expect(fit.dims).toBe(3);
    const exact = new SingularValueDecomposition(new Matrix(dense), { autoTranspose: true });
    fit.singularValues.forEach((s, j) => expect(s / exact.diagonal[j]!).toBeCloseTo(1, 6));
  });

  it('is deterministic for a seed', () => {
    const x = toCsr(randomSparse(30, 80, 0.2, 7));
    const a = randomizedLsa(x, options(11, 4));
    const b = randomizedLsa(x, options(11, 4));
    expect(Array.from(a.mixing)).toEqual(Array.from(b.mixing));
    expect(Array.from(a.basis)).toEqual(Array.from(b.basis));
    const c = randomizedLsa(x, { ...options(12, 4), oversamples: 2 });
    expect(Array.from(c.basis)).not.toEqual(Array.from(a.basis));
  });

  it('approximates the leading singular values of a matrix with a decaying spectrum', () => {
    // Strong low-rank structure plus noise: the sketch (narrower than the rank) must find the top.
    const rng = createRng(21);
    // Box–Muller: a standard normal from two uniforms.
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const left = Array.from({ length: 80 }, () => Array.from({ length: 4 }, normal));
    const right = Array.from({ length: 4 }, () => Array.from({ length: 120 }, normal));
    const strengths = [10, 6, 3, 2];
    const signal = (l: number[], f: number) => l.reduce((sum, li, r) => sum + strengths[r]! * li * right[r]![f]!, 0);
    const dense = left.map((l) => right[0]!.map((_, f) => signal(l, f) + 0.05 * normal()));
    const fit = randomizedLsa(toCsr(dense), { rank: 4, oversamples: 4, powerIterations: 2, rng: createRng(1) });
    const exact = new SingularValueDecomposition(new Matrix(dense), { autoTranspose: true });
    fit.singularValues.forEach((s, j) => expect(Math.abs(s / exact.diagonal[j]! - 1)).toBeLessThan(1e-3));
  });
});

describe('transpose', () => {
  it('swaps rows and columns', () => {
    const dense = randomSparse(5, 7, 0.4, 3);
    const t = transpose(toCsr(dense));
    const back: number[][] = Array.from({ length: 7 }, () => new Array<number>(5).fill(0));
    for (let i = 0; i < t.rows; i++) {
      for (let p = t.rowPtr[i]!; p < t.rowPtr[i + 1]!; p++) back[i]![t.colIdx[p]!] = t.values[p]!;
    }
    expect(back).toEqual(dense[0]!.map((_, j) => dense.map((row) => row[j]!)));
  });
});
