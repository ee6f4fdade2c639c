import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/types.js';
import { normalize } from '../../src/embed/vector.js';
import {
  hardSamples,
  HIERARCHICAL_SAMPLE_SIZE,
  hierarchicalSamples,
  kmeansSamples,
  randomSamples,
  zeroSamples,
  type LabelledPool,
} from '../../src/grimoire/samplers.js';
import { createRng } from '../../src/util/random.js';

function example(i: number, target: string): Example {
  return { index: i, id: `train-${i}`, input: `text ${i}`, target, raw: {} };
}

/**
 * Per label, three tight blobs around well-separated directions; the blob centre member (offset 0)
 * is the one closest to its cluster mean.
 */
function blobs(labels: string[], perBlob: number, seed = 1): { pool: LabelledPool; vectors: Float32Array[]; centres: Set<string> } {
  const rng = createRng(seed);
  const examples: Example[] = [];
  const vectors: Float32Array[] = [];
  const centres = new Set<string>();
  const dims = 8;
  labels.forEach((label, l) => {
    for (let b = 0; b < 3; b++) {
      const axis = (l * 3 + b) % dims;
      for (let m = 0; m < perBlob; m++) {
        const v = new Array<number>(dims).fill(0);
        v[axis] = 1;
        // Symmetric jitter around the centre: member 0 has none, the others pair up ±.
        if (m > 0) {
          const off = (m % 2 === 0 ? 1 : -1) * 0.05 * Math.ceil(m / 2);
          v[(axis + 1) % dims] = off;
          v[(axis + 2) % dims] = rng.next() * 0.001;
        }
        const i = examples.length;
        examples.push(example(i, label));
        vectors.push(normalize(v));
        if (m === 0) centres.add(`train-${i}`);
      }
    }
  });
  return { pool: { examples, labels }, vectors, centres };
}

const countBy = (targets: string[]) => targets.reduce<Record<string, number>>((acc, t) => ({ ...acc, [t]: (acc[t] ?? 0) + 1 }), {});

describe('KCS and HCS cluster samplers', () => {
  for (const [name, sample] of [
    ['kmeans', kmeansSamples],
    ['hierarchical', hierarchicalSamples],
  ] as const) {
    it(`${name}: one representative per cluster, the member closest to the cluster mean, k per label`, () => {
      const { pool, vectors, centres } = blobs(['a', 'b'], 5);
      const set = sample(pool, vectors, 3, 7);
      expect(countBy(set.samples.map((s) => s.target))).toEqual({ a: 3, b: 3 });
      for (const s of set.samples) expect(centres.has(s.id)).toBe(true);
      expect(set.notes).toEqual([]);
      expect(set.sampler).toEqual({ name, k: 3, seed: 7 });
    });

    it(`${name}: deterministic for a seed`, () => {
      const { pool, vectors } = blobs(['a', 'b', 'c'], 7, 3);
      const first = sample(pool, vectors, 4, 11).samples.map((s) => s.id);
      expect(sample(pool, vectors, 4, 11).samples.map((s) => s.id)).toEqual(first);
      expect(first).toHaveLength(12);
      expect(new Set(first).size).toBe(12);
    });

    it(`${name}: a label with fewer than k examples gives all it has and says so`, () => {
      const { pool, vectors } = blobs(['a'], 4);
      const examples = [...pool.examples, example(pool.examples.length, 'b')];
      const set = sample({ examples, labels: ['a', 'b', 'c'] }, [...vectors, normalize([1, 1, 0, 0, 0, 0, 0, 0])], 4, 0);
      expect(countBy(set.samples.map((s) => s.target))).toEqual({ a: 4, b: 1 });
      expect(set.notes.join('\n')).toMatch(/"b": only 1 example/);
      expect(set.notes.join('\n')).toMatch(/"c": only 0 example/);
    });

    it(`${name}: identical embeddings do not break clustering; the set is still k distinct examples`, () => {
      const examples = Array.from({ length: 6 }, (_, i) => example(i, 'a'));
      const same = normalize([1, 0, 0]);
      const vectors = [same, same, same, same, normalize([0, 1, 0]), normalize([0, 1, 0])];
      const set = sample({ examples, labels: ['a'] }, vectors, 3, 0);
      expect(new Set(set.samples.map((s) => s.id)).size).toBe(3);
      expect(set.notes.join('\n')).toMatch(/non-empty cluster/);
    });
  }
});

describe('HCS above the sample size: clustered on a sample, every member assigned to the nearest cluster', () => {
  /**
   * One label, planted clusters of very different sizes around orthogonal directions with noise in every
   * dimension, so members are all distinct. Returns which planted cluster each example came from.
   */
  function planted(sizes: number[], seed: number): { pool: LabelledPool; vectors: Float32Array[]; clusterOf: Map<string, number> } {
    const rng = createRng(seed);
    const dims = 16;
    const examples: Example[] = [];
    const vectors: Float32Array[] = [];
    const clusterOf = new Map<string, number>();
    sizes.forEach((size, c) => {
      for (let m = 0; m < size; m++) {
        const v = Array.from({ length: dims }, () => (rng.next() - 0.5) * 0.3);
        v[c * 3] = 1;
        const i = examples.length;
        examples.push(example(i, 'a'));
        vectors.push(normalize(v));
        clusterOf.set(`train-${i}`, c);
      }
    });
    return { pool: { examples, labels: ['a'] }, vectors, clusterOf };
  }

  it('recovers planted clusters of unequal size: one representative from each, for two seeds', () => {
    // 3,000 members, six times the sample; the smallest cluster is 2% of the label (about 10 sampled members).
    const sizes = [1800, 700, 440, 60];
    expect(sizes.reduce((a, b) => a + b)).toBeGreaterThan(HIERARCHICAL_SAMPLE_SIZE * 5);
    for (const seed of [1, 2]) {
      const { pool, vectors, clusterOf } = planted(sizes, seed);
      const set = hierarchicalSamples(pool, vectors, 4, seed);
      expect(set.notes).toEqual([]);
      expect(set.samples.map((s) => clusterOf.get(s.id)).sort()).toEqual([0, 1, 2, 3]);
      if (seed === 1) expect(hierarchicalSamples(pool, vectors, 4, seed).samples).toEqual(set.samples);
    }
  });

  it('each representative is central in its planted cluster (closer to its mean than most members)', () => {
    const { pool, vectors, clusterOf } = planted([900, 900], 5);
    const set = hierarchicalSamples(pool, vectors, 2, 5);
    for (const sample of set.samples) {
      const cluster = clusterOf.get(sample.id)!;
      const members = pool.examples.filter((e) => clusterOf.get(e.id) === cluster).map((e) => vectors[e.index]!);
      const mean = normalize(members.reduce((sum, v) => sum.map((x, d) => x + v[d]!), new Array<number>(16).fill(0)));
      const cosines = members.map((v) => v.reduce((s, x, d) => s + x * mean[d]!, 0)).sort((a, b) => b - a);
      const mine = vectors[Number(sample.id.slice('train-'.length))]!.reduce((s, x, d) => s + x * mean[d]!, 0);
      expect(mine).toBeGreaterThanOrEqual(cosines[Math.floor(members.length * 0.05)]!);
    }
  });
});

describe('RSS random sampler', () => {
  const examples = Array.from({ length: 40 }, (_, i) => example(i, ['x', 'y', 'z'][i % 3]!));
  const pool = { examples, labels: ['x', 'y', 'z'] };

  it('k per label, no duplicates, same seed same set, other seed other set', () => {
    const set = randomSamples(pool, 4, 5);
    expect(countBy(set.samples.map((s) => s.target))).toEqual({ x: 4, y: 4, z: 4 });
    expect(new Set(set.samples.map((s) => s.id)).size).toBe(12);
    expect(randomSamples(pool, 4, 5).samples).toEqual(set.samples);
    expect(randomSamples(pool, 4, 6).samples.map((s) => s.id)).not.toEqual(set.samples.map((s) => s.id));
  });

  it('fewer than k: all of them, with a note', () => {
    const set = randomSamples({ examples: examples.slice(0, 5), labels: ['x', 'y', 'z'] }, 3, 0);
    expect(countBy(set.samples.map((s) => s.target))).toEqual({ x: 2, y: 2, z: 1 });
    expect(set.notes).toHaveLength(3);
  });

  it('zero-shot grimoire has no samples', () => {
    expect(zeroSamples(3)).toEqual({ sampler: { name: 'zero', k: 0, seed: 3 }, samples: [], notes: [] });
  });
});

describe('HSS hard-sample sampler', () => {
  const examples = Array.from({ length: 40 }, (_, i) => example(i, i % 2 ? 'pos' : 'neg'));
  const pool = { examples, labels: ['pos', 'neg'] };
  const base = { k: 4, seed: 1, weakModel: 'openai:weak' };

  it('ratio 0.5: two hard and two easy per label, marked', () => {
    const correct = new Map(examples.map((e) => [e.id, e.index % 4 < 2]));
    const set = hardSamples(pool, { ...base, ratio: 0.5, correct });
    for (const label of ['pos', 'neg']) {
      const mine = set.samples.filter((s) => s.target === label);
      expect(mine).toHaveLength(4);
      expect(mine.filter((s) => s.hard)).toHaveLength(2);
      for (const s of mine) expect(s.hard).toBe(correct.get(s.id) === false);
    }
    expect(set.sampler).toEqual({ name: 'hard', k: 4, seed: 1, hardRatio: 0.5, hardFor: 'openai:weak' });
    expect(hardSamples(pool, { ...base, ratio: 0.5, correct }).samples).toEqual(set.samples);
  });

  it('one-class hard pool: the label without hard examples is filled with easy ones, the other is all hard', () => {
    // Only "pos" examples were ever answered wrong.
    const correct = new Map(examples.map((e) => [e.id, e.target === 'neg']));
    const set = hardSamples(pool, { ...base, ratio: 1.0, correct });
    const pos = set.samples.filter((s) => s.target === 'pos');
    const neg = set.samples.filter((s) => s.target === 'neg');
    expect(pos).toHaveLength(4);
    expect(pos.every((s) => s.hard)).toBe(true);
    expect(neg).toHaveLength(4);
    expect(neg.every((s) => !s.hard)).toBe(true);
    expect(set.notes.join('\n')).toMatch(/"neg": 0 hard example\(s\), wanted 4/);
  });

  it('examples whose zero-shot call failed (no entry) are never used; a short label says so', () => {
    const correct = new Map(examples.slice(0, 6).map((e) => [e.id, false]));
    const set = hardSamples(pool, { ...base, ratio: 0.5, correct });
    expect(set.samples.map((s) => s.id).every((id) => correct.has(id))).toBe(true);
    expect(set.samples).toHaveLength(6);
    expect(set.notes.join('\n')).toMatch(/only 3 example/);
  });

  it('rejects a ratio outside [0, 1]', () => {
    expect(() => hardSamples(pool, { ...base, ratio: 1.5, correct: new Map() })).toThrow(/ratio/);
  });
});
