import { describe, expect, it } from 'vitest';
import { createRng, hashString, shuffled } from '../../src/embed/random.js';

const draw = (seed: number | string, n: number): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('createRng', () => {
  it('repeats its sequence for the same seed and differs across seeds', () => {
    expect(draw(42, 20)).toEqual(draw(42, 20));
    expect(draw('a:1', 20)).toEqual(draw('a:1', 20));
    expect(draw(42, 20)).not.toEqual(draw(43, 20));
    expect(draw('a:1', 20)).not.toEqual(draw('a:2', 20));
  });

  it('draws uniform values in [0, 1) and integers in [0, n)', () => {
    const rng = createRng(7);
    const buckets = new Array<number>(10).fill(0);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 20000; i++) {
      const u = rng.next();
      min = Math.min(min, u);
      max = Math.max(max, u);
      buckets[rng.int(10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('draws standard normals', () => {
    const rng = createRng(3);
    const n = 40000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      squares += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.03);
  });
});

describe('shuffled', () => {
  it('returns a seeded permutation without touching the input', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = shuffled(items, createRng(1));
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
    expect(shuffled(items, createRng(1))).toEqual(a);
    expect(items[0]).toBe(0);
  });
});

describe('hashString', () => {
  it('is the 32-bit FNV-1a hash', () => {
    // Reference values of FNV-1a 32 ("" is the offset basis).
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });
});
