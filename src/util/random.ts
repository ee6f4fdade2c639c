/**
 * Seeded randomness for everything that must repeat exactly: sampling examples, holding out a
 * validation split, picking demonstrations. sfc32 (a small, well-tested 128-bit-state generator)
 * seeded through splitmix32; only 32-bit integer arithmetic, so the same seed gives the same
 * stream on every platform and Node version. Math.random cannot be seeded.
 */
import { fnv1a } from './fnv1a.js';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n), without modulo bias. `n` must be an integer in [1, 2^32]. */
  int(n: number): number;
  /** Uniform unsigned 32-bit integer. */
  uint32(): number;
}

const TWO_POW_32 = 4294967296;

export function createRng(seed: number | string): Rng {
  let mixState = seedToUint32(seed);
  const splitmix32 = (): number => {
    mixState = (mixState + 0x9e3779b9) >>> 0;
    let z = mixState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();

  const uint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = (b ^ (b >>> 9)) >>> 0;
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // sfc32 mixes its state over its first outputs; discard them.
  for (let i = 0; i < 12; i++) uint32();

  return {
    uint32,
    next: () => uint32() / TWO_POW_32,
    int(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
        throw new RangeError(`rng.int(n) needs an integer n in [1, 2^32], got ${n}`);
      }
      // Rejection sampling: drop the top sliver of the 32-bit range that would favour small values.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let value = uint32();
      while (value >= limit) value = uint32();
      return value % n;
    },
  };
}

/** A new array with the items in a seeded random order (Fisher–Yates). */
export function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const result = items.slice();
  for (let i = result.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const held = result[i] as T;
    result[i] = result[j] as T;
    result[j] = held;
  }
  return result;
}

/**
 * `n` distinct positions out of `0..size-1`, in the order they were drawn (partial Fisher–Yates,
 * so no position can come twice). `n` must be at most `size`.
 */
export function sampleIndices(size: number, n: number, rng: Rng): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample size must be a non-negative integer, got ${n}`);
  if (n > size) throw new RangeError(`cannot draw ${n} distinct items from ${size}`);
  const positions = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(size - i);
    const held = positions[i] as number;
    positions[i] = positions[j] as number;
    positions[j] = held;
  }
  return positions.slice(0, n);
}

/** `n` distinct items (by position) in draw order; `n` must be at most `items.length`. */
export function sampleWithoutReplacement<T>(items: readonly T[], n: number, rng: Rng): T[] {
  return sampleIndices(items.length, n, rng).map((i) => items[i] as T);
}

/**
 * Integers use all their bits (so seeds 1 and 2^32+1 differ); any other number or string is
 * hashed from its text (FNV-1a over UTF-16 code units, then avalanched).
 */
function seedToUint32(seed: number | string): number {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be finite, got ${seed}`);
    if (Number.isSafeInteger(seed)) {
      const low = seed >>> 0;
      const high = Math.floor(seed / TWO_POW_32) >>> 0;
      return (low ^ Math.imul(high, 0x9e3779b1)) >>> 0;
    }
    return hashText(`number:${seed}`);
  }
  return hashText(seed);
}

function hashText(text: string): number {
  let hash = fnv1a(text);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x7feb352d);
  hash ^= hash >>> 15;
  return hash >>> 0;
}
