/**
 * canonicalJson builds its text by appending to one string; it must give, byte for byte, what the definition by
 * sorted members joined gives (kept here as the reference), on seeded random nested values: key orders, undefined
 * and function members, holes, nested arrays and objects, strings that need escaping.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/util/canonicalJson.js';
import { createRng, type Rng } from '../../src/util/random.js';

function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`cannot hash non-finite number ${value}`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    members.push(`${JSON.stringify(key)}:${reference(member)}`);
  }
  return `{${members.join(',')}}`;
}

const KEYS = ['a', 'b', 'index', 'id', 'input', 'target', 'Z', '10', '2', 'é', 'quote"key', ''];
const STRINGS = ['', 'plain', 'line\nbreak', 'tab\t"quoted"', 'unicode é ✓ 😀', '\u2028', 'back\\slash'];

function randomValue(rng: Rng, depth: number): unknown {
  const kind = rng.int(depth > 2 ? 6 : 9);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return rng.int(2) === 0;
    case 3:
      return rng.int(1000) - 500 + (rng.int(2) ? 0.25 : 0);
    case 4:
      return STRINGS[rng.int(STRINGS.length)];
    case 5:
      return () => 1;
    case 6: {
      const items = Array.from({ length: rng.int(5) }, () => randomValue(rng, depth + 1));
      if (items.length > 2 && rng.int(4) === 0) delete items[1];
      return items;
    }
    default: {
      const record: Record<string, unknown> = {};
      for (let i = rng.int(6); i > 0; i--) record[KEYS[rng.int(KEYS.length)]!] = randomValue(rng, depth + 1);
      return record;
    }
  }
}

describe('canonicalJson', () => {
  it('equals the definition by sorted, joined members on random nested values', () => {
    const rng = createRng('canonical-json');
    for (let i = 0; i < 5_000; i++) {
      const value = randomValue(rng, 0);
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });

  it('gives equal text for equal values in another key order, and refuses non-finite numbers', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: undefined }], a: 'x' })).toBe(canonicalJson({ a: 'x', b: [1, { d: 1 }] }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
  });
});
