import { describe, expect, it } from 'vitest';
import { grownLength, grownTo } from '../../src/util/typedArrays.js';

describe('grownTo', () => {
  it('keeps the kind and the values, and fills the new room with zero or the value given', () => {
    const ints = grownTo(Int32Array.of(-1, 2), 4);
    expect(ints).toBeInstanceOf(Int32Array);
    expect([...ints]).toEqual([-1, 2, 0, 0]);
    const floats = grownTo(Float64Array.of(0.5), 3, Number.NaN);
    expect(floats).toBeInstanceOf(Float64Array);
    expect([...floats]).toEqual([0.5, Number.NaN, Number.NaN]);
  });

  it('grows to at least double, at least what is needed, and at least the minimum', () => {
    expect(grownLength(0, 1)).toBe(1024);
    expect(grownLength(1024, 1025)).toBe(2048);
    expect(grownLength(1024, 5000)).toBe(5000);
    expect(grownLength(2, 3, 1)).toBe(4);
  });
});
