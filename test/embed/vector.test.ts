import { describe, expect, it } from 'vitest';
import { cosine, dot, norm, normalize } from '../../src/embed/vector.js';

describe('vector helpers', () => {
  it('dot and norm compute the textbook values', () => {
    expect(dot([1, 2, 3], [4, -5, 6])).toBe(12);
    expect(norm([3, 4])).toBe(5);
    expect(norm(new Float32Array(0))).toBe(0);
  });

  it('dot refuses vectors of different lengths', () => {
    expect(() => dot([1, 2], [1, 2, 3])).toThrow(/lengths differ/);
  });

  it('normalize gives a unit vector in the same direction and leaves its input alone', () => {
    const input = [3, 0, -4];
    const unit = normalize(input);
    expect(Array.from(unit)).toEqual([0.6000000238418579, 0, -0.800000011920929]);
    expect(norm(unit)).toBeCloseTo(1, 6);
    expect(input).toEqual([3, 0, -4]);
  });

  it('normalize keeps a zero vector zero instead of producing NaN', () => {
    expect(Array.from(normalize([0, 0, 0]))).toEqual([0, 0, 0]);
  });

  it('cosine is scale-invariant and spans -1..1', () => {
    expect(cosine([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine([2, 2], [10, 10])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0, 5])).toBe(0);
    expect(cosine([1, 2], [-1, -2])).toBeCloseTo(-1, 12);
    expect(cosine([0, 0], [1, 2])).toBe(0);
  });

  it('for normalised vectors cosine equals dot', () => {
    const a = normalize([0.3, -1.2, 2.5, 0.7]);
    const b = normalize([1.1, 0.4, -0.2, 3.3]);
    expect(dot(a, b)).toBeCloseTo(cosine([0.3, -1.2, 2.5, 0.7], [1.1, 0.4, -0.2, 3.3]), 6);
  });
});
