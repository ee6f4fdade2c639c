import { describe, expect, it } from 'vitest';
import { fnv1a } from '../../src/util/fnv1a.js';

describe('fnv1a', () => {
  it('gives the published 32-bit FNV-1a test vectors, unsigned', () => {
    // From the FNV reference test suite (draft-eastlake-fnv, fnv32a of the ASCII bytes).
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('hashes UTF-16 code units, so texts differing in one character differ', () => {
    expect(fnv1a('é')).not.toBe(fnv1a('e'));
    expect(fnv1a('ex-1')).not.toBe(fnv1a('ex-2'));
    expect(fnv1a('😀')).toBeGreaterThanOrEqual(0);
  });
});
