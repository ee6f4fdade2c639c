/** Small vector helpers. Embedders return unit vectors, so for them cosine equals dot. */

export type Vector = ArrayLike<number>;

export function dot(a: Vector, b: Vector): number {
  if (a.length !== b.length) throw new Error(`dot: vector lengths differ (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function norm(a: Vector): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * a[i]!;
  return Math.sqrt(sum);
}

/**
 * A unit-length Float32Array copy of `a`. A zero vector stays zero: it has no direction, and
 * its cosine with anything is then 0 rather than NaN.
 */
export function normalize(a: Vector): Float32Array {
  const out = Float32Array.from(a);
  const length = norm(a);
  if (length > 0) for (let i = 0; i < out.length; i++) out[i] = a[i]! / length;
  return out;
}

/** Cosine similarity of any two vectors (0 when either is zero). */
export function cosine(a: Vector, b: Vector): number {
  const denominator = norm(a) * norm(b);
  return denominator > 0 ? dot(a, b) / denominator : 0;
}
