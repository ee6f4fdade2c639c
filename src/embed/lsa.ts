/**
 * Truncated SVD of a sparse matrix by a randomized range finder with power iterations
 * (Halko, Martinsson & Tropp 2011, algorithms 4.3/4.4 and 5.1), for latent semantic analysis.
 *
 * The rows of X are few (documents) and the columns many (hashed n-grams), so everything that
 * costs O(width²) per element is kept on the document side: the sketch Y = (XXᵀ)^q XΩ is
 * orthonormalised implicitly through the eigendecomposition of YᵀY, and the small projected
 * problem is solved with ml-matrix's symmetric eigendecomposition too. The right singular vectors
 * are never formed (they would be cols × dims); a text is projected as (x·basis)·mixing.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Rng } from '../util/random.js';
import { csrTimesDense, denseRowTimesDense, symmetricCrossProduct, transpose, type CsrMatrix } from './sparse.js';

export interface RandomizedSvdOptions {
  /** Components wanted; fewer are kept when X has lower rank. */
  rank: number;
  /** Extra sketch columns beyond `rank` (Halko's p). */
  oversamples: number;
  /** Power iterations (Halko's q); each costs two passes over X. */
  powerIterations: number;
  rng: Rng;
}

export interface LsaProjection {
  /** Components kept. */
  dims: number;
  /** Sketch width (columns of `basis`). */
  width: number;
  /** Xᵀ·Y, X.cols × width, row-major. */
  basis: Float64Array;
  /** width × dims, row-major: basis coordinates to component coordinates. */
  mixing: Float64Array;
  /** Singular values of the kept components, descending. */
  singularValues: Float64Array;
  /** X·basis (X.rows × width): the fitted rows' basis coordinates, computed exactly as for new text. */
  rowCoordinates: Float64Array;
}

/** Components whose squared singular value is below this fraction of the largest are noise. */
const RELATIVE_EIGENVALUE_FLOOR = 1e-10;
/**
 * Sketch directions whose Gram eigenvalue is below this fraction of the largest are numerically
 * null; keeping them would amplify rounding noise into spurious components.
 */
const RELATIVE_GRAM_FLOOR = 1e-10;
const SKETCH_NONZEROS_PER_FEATURE = 8;

export function randomizedLsa(x: CsrMatrix, options: RandomizedSvdOptions): LsaProjection {
  let width = Math.min(options.rank + options.oversamples, x.rows, x.cols);
  if (width <= 0) throw new Error('randomizedLsa: empty matrix');
  const xt = transpose(x);

  let sketch = sparseSignSketch(x, width, options.rng);
  normaliseColumns(sketch, x.rows, width);
  for (let q = 0; q < options.powerIterations; q++) {
    if (q > 0) {
      // Without re-orthonormalising, repeated powers squeeze the sketch towards the top
      // direction and rounding erases the trailing ones.
      const whitening = whiteningTransform(symmetricCrossProduct(sketch, sketch, x.rows, width), width);
      const rank = whitening.length / width;
      sketch = denseTimesDense(sketch, whitening, x.rows, width, rank);
      width = rank;
    }
    sketch = csrTimesDense(x, csrTimesDense(xt, sketch, width), width);
    normaliseColumns(sketch, x.rows, width);
  }

  const basis = csrTimesDense(xt, sketch, width);
  const rowCoordinates = csrTimesDense(x, basis, width);

  // Orthonormal basis of span(Y) without a QR of the tall Y: Q = Y·T with T = W_r Λ_r^(-1/2) from
  // YᵀY = WΛWᵀ, dropping numerically null directions (rank-deficient X, duplicate texts).
  const gram = symmetricCrossProduct(sketch, sketch, x.rows, width);
  const whitening = whiteningTransform(gram, width);
  const rank = whitening.length / width;
  // QᵀXXᵀQ = Tᵀ (Yᵀ X basis) T, a small symmetric matrix whose eigenpairs give σ² and U.
  const projected = symmetricCrossProduct(sketch, rowCoordinates, x.rows, width);
  const eigen = symmetricEigen(congruence(whitening, projected, width, rank), rank);
  const largest = Math.max(eigen.values[0] ?? 0, 0);
  const kept: number[] = [];
  for (let i = 0; i < rank && kept.length < options.rank; i++) {
    if (eigen.values[i]! > largest * RELATIVE_EIGENVALUE_FLOOR && eigen.values[i]! > 0) kept.push(i);
  }
  const dims = kept.length;
  if (dims === 0) throw new Error('randomizedLsa: the matrix has no non-zero singular value');

  const singularValues = Float64Array.from(kept, (i) => Math.sqrt(eigen.values[i]!));
  // mixing = T · U_k · S_k⁻¹, so that x·basis·mixing = x·V_k.
  const mixing = new Float64Array(width * dims);
  for (let j = 0; j < dims; j++) {
    const column = kept[j]!;
    const inverseSigma = 1 / singularValues[j]!;
    for (let a = 0; a < width; a++) {
      let sum = 0;
      for (let b = 0; b < rank; b++) sum += whitening[a * rank + b]! * eigen.vectors[b * rank + column]!;
      mixing[a * dims + j] = sum * inverseSigma;
    }
  }
  return { dims, width, basis, mixing, singularValues, rowCoordinates };
}

/**
 * X·Ω for a sparse sign test matrix Ω (each feature row has a few ±1 entries in random
 * columns; Tropp et al. 2017), which costs a few operations per non-zero of X instead of `width`.
 */
function sparseSignSketch(x: CsrMatrix, width: number, rng: Rng): Float64Array {
  const perRow = Math.min(SKETCH_NONZEROS_PER_FEATURE, width);
  // Signed column indices: +(c+1) or -(c+1).
  const entries = new Int32Array(x.cols * perRow);
  const taken = new Uint8Array(width);
  for (let j = 0; j < x.cols; j++) {
    const base = j * perRow;
    for (let t = 0; t < perRow; t++) {
      let column = rng.int(width);
      while (taken[column]) column = rng.int(width);
      taken[column] = 1;
      entries[base + t] = rng.next() < 0.5 ? -(column + 1) : column + 1;
    }
    for (let t = 0; t < perRow; t++) taken[Math.abs(entries[base + t]!) - 1] = 0;
  }
  const out = new Float64Array(x.rows * width);
  for (let i = 0; i < x.rows; i++) {
    const outBase = i * width - 1;
    for (let p = x.rowPtr[i]!; p < x.rowPtr[i + 1]!; p++) {
      const v = x.values[p]!;
      const base = x.colIdx[p]! * perRow;
      for (let t = 0; t < perRow; t++) {
        const entry = entries[base + t]!;
        if (entry > 0) out[outBase + entry]! += v;
        else out[outBase - entry]! -= v;
      }
    }
  }
  return out;
}

/** A (rows × inner) · B (inner × width), both row-major. */
function denseTimesDense(a: Float64Array, b: Float64Array, rows: number, inner: number, width: number): Float64Array {
  const out = new Float64Array(rows * width);
  const row = new Float64Array(width);
  for (let i = 0; i < rows; i++) {
    row.fill(0);
    denseRowTimesDense(a.subarray(i * inner, (i + 1) * inner), b, inner, width, row);
    out.set(row, i * width);
  }
  return out;
}

/** Scales each column to unit norm: keeps powers of XXᵀ from overflowing and YᵀY well scaled. */
function normaliseColumns(m: Float64Array, rows: number, width: number): void {
  const norms = new Float64Array(width);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < width; c++) norms[c]! += m[i * width + c]! ** 2;
  }
  for (let c = 0; c < width; c++) norms[c] = norms[c]! > 0 ? 1 / Math.sqrt(norms[c]!) : 0;
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < width; c++) m[i * width + c]! *= norms[c]!;
  }
}

/** Eigenvalues (descending, ties by index) and eigenvectors (columns, row-major) of a symmetric matrix. */
function symmetricEigen(m: Float64Array, width: number): { values: Float64Array; vectors: Float64Array } {
  const rows: Float64Array[] = [];
  for (let r = 0; r < width; r++) rows.push(m.slice(r * width, (r + 1) * width));
  const eigen = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const raw = eigen.realEigenvalues;
  const order = raw.map((_, i) => i).sort((a, b) => raw[b]! - raw[a]! || a - b);
  const values = Float64Array.from(order, (i) => raw[i]!);
  const vectors = new Float64Array(width * width);
  const source = eigen.eigenvectorMatrix;
  for (let r = 0; r < width; r++) {
    for (let c = 0; c < width; c++) vectors[r * width + c] = source.get(r, order[c]!);
  }
  return { values, vectors };
}

/** T = W_r Λ_r^(-1/2) (width × r, row-major) for the eigenvalues of the Gram matrix above the floor. */
function whiteningTransform(gram: Float64Array, width: number): Float64Array {
  const { values, vectors } = symmetricEigen(gram, width);
  const floor = Math.max(values[0] ?? 0, 0) * RELATIVE_GRAM_FLOOR;
  let rank = 0;
  while (rank < width && values[rank]! > floor && values[rank]! > 0) rank++;
  const out = new Float64Array(width * rank);
  for (let c = 0; c < rank; c++) {
    const scale = 1 / Math.sqrt(values[c]!);
    for (let r = 0; r < width; r++) out[r * rank + c] = vectors[r * width + c]! * scale;
  }
  return out;
}

/** Tᵀ·M·T for a symmetric M (width × width) and T (width × rank): M·T is Mᵀ·T, so both products are transposed ones. */
function congruence(t: Float64Array, m: Float64Array, width: number, rank: number): Float64Array {
  return transposedTimes(t, transposedTimes(m, t, width, width, rank), width, rank, rank);
}

/** Aᵀ·B for row-major A (inner × rows) and B (inner × cols), skipping zeros of A. */
function transposedTimes(a: Float64Array, b: Float64Array, inner: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let k = 0; k < inner; k++) {
    for (let r = 0; r < rows; r++) {
      const value = a[k * rows + r]!;
      if (value === 0) continue;
      for (let c = 0; c < cols; c++) out[r * cols + c]! += value * b[k * cols + c]!;
    }
  }
  return out;
}
