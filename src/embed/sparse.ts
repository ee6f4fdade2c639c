/**
 * Compressed sparse row matrices and the products the randomized SVD needs. Dense matrices
 * are row-major. The kernels take four terms per pass over a dense row: in V8 that is about
 * twice as fast as one term at a time, and the LSA fit spends most of its time here.
 */

export interface CsrMatrix {
  rows: number;
  cols: number;
  /** Row i's entries are at [rowPtr[i], rowPtr[i+1]). */
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
}

export type DenseArray = Float64Array | Float32Array;

/**
 * out = Σ_p values[p] · w[colIdx[p], :] over p in [start, end), for w of shape (· × width).
 * `out` must hold `width` zeros (or the values to add to).
 */
export function sparseRowTimesDense(
  colIdx: Int32Array,
  values: Float64Array,
  start: number,
  end: number,
  w: DenseArray,
  width: number,
  out: Float64Array,
): void {
  let p = start;
  for (; p + 3 < end; p += 4) {
    const v0 = values[p]!;
    const v1 = values[p + 1]!;
    const v2 = values[p + 2]!;
    const v3 = values[p + 3]!;
    const b0 = colIdx[p]! * width;
    const b1 = colIdx[p + 1]! * width;
    const b2 = colIdx[p + 2]! * width;
    const b3 = colIdx[p + 3]! * width;
    for (let c = 0; c < width; c++) {
      out[c]! += v0 * w[b0 + c]! + v1 * w[b1 + c]! + v2 * w[b2 + c]! + v3 * w[b3 + c]!;
    }
  }
  for (; p < end; p++) {
    const v = values[p]!;
    const b = colIdx[p]! * width;
    for (let c = 0; c < width; c++) out[c]! += v * w[b + c]!;
  }
}

/** X · W, with W of shape (X.cols × width); result X.rows × width. */
export function csrTimesDense(x: CsrMatrix, w: DenseArray, width: number): Float64Array {
  const out = new Float64Array(x.rows * width);
  const row = new Float64Array(width);
  for (let i = 0; i < x.rows; i++) {
    row.fill(0);
    sparseRowTimesDense(x.colIdx, x.values, x.rowPtr[i]!, x.rowPtr[i + 1]!, w, width, row);
    out.set(row, i * width);
  }
  return out;
}

/** Xᵀ as a CSR matrix (i.e. X in compressed sparse column form). */
export function transpose(x: CsrMatrix): CsrMatrix {
  const rowPtr = new Int32Array(x.cols + 1);
  for (let p = 0; p < x.colIdx.length; p++) rowPtr[x.colIdx[p]! + 1]!++;
  for (let j = 0; j < x.cols; j++) rowPtr[j + 1]! += rowPtr[j]!;
  const next = rowPtr.slice(0, x.cols);
  const colIdx = new Int32Array(x.colIdx.length);
  const values = new Float64Array(x.colIdx.length);
  for (let i = 0; i < x.rows; i++) {
    for (let p = x.rowPtr[i]!; p < x.rowPtr[i + 1]!; p++) {
      const target = next[x.colIdx[p]!]!++;
      colIdx[target] = i;
      values[target] = x.values[p]!;
    }
  }
  return { rows: x.cols, cols: x.rows, rowPtr, colIdx, values };
}

/**
 * out = row · m for a dense row (length `inner`) and m (inner × width), added into `out`
 * (length `width`).
 */
export function denseRowTimesDense(row: ArrayLike<number>, m: Float64Array, inner: number, width: number, out: Float64Array): void {
  let a = 0;
  for (; a + 3 < inner; a += 4) {
    const r0 = row[a]!;
    const r1 = row[a + 1]!;
    const r2 = row[a + 2]!;
    const r3 = row[a + 3]!;
    const b0 = a * width;
    const b1 = b0 + width;
    const b2 = b1 + width;
    const b3 = b2 + width;
    for (let c = 0; c < width; c++) out[c]! += r0 * m[b0 + c]! + r1 * m[b1 + c]! + r2 * m[b2 + c]! + r3 * m[b3 + c]!;
  }
  for (; a < inner; a++) {
    const r = row[a]!;
    const b = a * width;
    for (let c = 0; c < width; c++) out[c]! += r * m[b + c]!;
  }
}

/**
 * Aᵀ·B for row-major (rows × width) A and B whose product is known to be symmetric (AᵀA, or
 * YᵀXXᵀY): only the upper triangle is computed, then mirrored.
 */
export function symmetricCrossProduct(a: Float64Array, b: Float64Array, rows: number, width: number): Float64Array {
  const out = new Float64Array(width * width);
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const a0 = i * width;
    const a1 = a0 + width;
    const a2 = a1 + width;
    const a3 = a2 + width;
    for (let r = 0; r < width; r++) {
      const x0 = a[a0 + r]!;
      const x1 = a[a1 + r]!;
      const x2 = a[a2 + r]!;
      const x3 = a[a3 + r]!;
      const o = r * width;
      for (let c = r; c < width; c++) {
        out[o + c]! += x0 * b[a0 + c]! + x1 * b[a1 + c]! + x2 * b[a2 + c]! + x3 * b[a3 + c]!;
      }
    }
  }
  for (; i < rows; i++) {
    const base = i * width;
    for (let r = 0; r < width; r++) {
      const x = a[base + r]!;
      const o = r * width;
      for (let c = r; c < width; c++) out[o + c]! += x * b[base + c]!;
    }
  }
  for (let r = 0; r < width; r++) for (let c = 0; c < r; c++) out[r * width + c] = out[c * width + r]!;
  return out;
}
