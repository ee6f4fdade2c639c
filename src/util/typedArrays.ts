/** Typed arrays that grow as records arrive (per-example columns read from a stream). */
export type NumberArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

/** A copy of `array` of the same kind and `length` elements: its values first, the rest `fill` (0 unless told). */
export function grownTo<T extends NumberArray>(array: T, length: number, fill = 0): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  if (fill !== 0) next.fill(fill, array.length);
  next.set(array);
  return next;
}

/** The length to grow to so that `needed` elements fit: at least double, so filling n one by one copies O(n). */
export function grownLength(current: number, needed: number, minimum = 1024): number {
  return Math.max(needed, current * 2, minimum);
}
