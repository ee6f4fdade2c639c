import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/types.js';
import { TfidfLsaEmbedder } from '../../src/embed/tfidf.js';
import { DemoIndex, selectDemos } from '../../src/eval/demos.js';
import { InputError } from '../../src/util/errors.js';

const example = (id: string, input: string, target = 'x'): Example => ({
  index: Number(id.replace(/\D/g, '')) || 0,
  id,
  input,
  target,
  raw: {},
});

const LABELS = ['World', 'Sports', 'Business', 'Technology'];
const pool: Example[] = Array.from({ length: 40 }, (_, i) => example(`train-${i}`, `text number ${i}`, LABELS[i % 4]!));
const ids = (examples: Example[]) => examples.map((e) => e.id);

describe('random demos', () => {
  it('are seeded, without replacement, and never the query itself', async () => {
    const query = pool[5]!;
    const a = await selectDemos(pool, query, 8, { strategy: 'random', seed: 1 });
    const b = await selectDemos(pool, query, 8, { strategy: 'random', seed: 1 });
    expect(ids(a)).toEqual(ids(b));
    expect(new Set(ids(a)).size).toBe(8);
    expect(ids(a)).not.toContain(query.id);
    const c = await selectDemos(pool, query, 8, { strategy: 'random', seed: 2 });
    expect(ids(c)).not.toEqual(ids(a));
  });

  it('draw per query by default, or once for all queries', async () => {
    const q1 = example('test-1', 'q1');
    const q2 = example('test-2', 'q2');
    const perQuery = await Promise.all([q1, q2].map((q) => selectDemos(pool, q, 6, { strategy: 'random', seed: 3 })));
    expect(ids(perQuery[0]!)).not.toEqual(ids(perQuery[1]!));

    const shared = await Promise.all([q1, q2].map((q) => selectDemos(pool, q, 6, { strategy: 'random', seed: 3, perQuery: false })));
    expect(ids(shared[0]!)).toEqual(ids(shared[1]!));
    // A query that is among the shared draw gets the next drawn example instead of itself.
    const inside = pool.find((e) => e.id === shared[0]![2]!.id)!;
    const replaced = await selectDemos(pool, inside, 6, { strategy: 'random', seed: 3, perQuery: false });
    expect(ids(replaced)).not.toContain(inside.id);
    expect(ids(replaced).slice(0, 2)).toEqual(ids(shared[0]!).slice(0, 2));
    expect(ids(replaced).slice(2, 5)).toEqual(ids(shared[0]!).slice(3, 6));
  });

  it('skip excluded ids and return everything left when k exceeds the pool', async () => {
    const small = pool.slice(0, 5);
    const demos = await selectDemos(small, small[0]!, 10, { strategy: 'random', exclude: ['train-3'] });
    expect(ids(demos).sort()).toEqual(['train-1', 'train-2', 'train-4']);
    expect(await selectDemos(small, small[0]!, 0, { strategy: 'random' })).toEqual([]);
    expect(await selectDemos([], small[0]!, 3, { strategy: 'random' })).toEqual([]);
  });

  it('can be balanced over labels', async () => {
    const skewed = [...pool, ...Array.from({ length: 60 }, (_, i) => example(`extra-${i}`, `more ${i}`, 'World'))];
    for (const seed of [1, 2, 3]) {
      const demos = await selectDemos(skewed, example('test-9', 'q'), 8, { strategy: 'random', seed, balanced: true });
      const counts = LABELS.map((label) => demos.filter((d) => d.target === label).length);
      expect(counts).toEqual([2, 2, 2, 2]);
    }
    const six = await selectDemos(skewed, example('test-9', 'q'), 6, { strategy: 'random', balanced: true });
    const counts = LABELS.map((label) => six.filter((d) => d.target === label).length).sort();
    expect(counts).toEqual([1, 1, 2, 2]);
    // A label with too few examples leaves its share to the others.
    const rare = [...skewed.filter((e) => e.target !== 'Sports'), pool[1]!];
    const filled = await selectDemos(rare, example('test-9', 'q'), 12, { strategy: 'random', balanced: true });
    expect(filled).toHaveLength(12);
    expect(filled.filter((d) => d.target === 'Sports')).toHaveLength(1);
  });

  it('rejects a bad k or strategy', async () => {
    await expect(selectDemos(pool, pool[0]!, -1, { strategy: 'random' })).rejects.toThrow(InputError);
    await expect(selectDemos(pool, pool[0]!, 1.5, { strategy: 'random' })).rejects.toThrow(/whole number/);
    await expect(selectDemos(pool, pool[0]!, 2, { strategy: 'closest' as unknown as 'random' })).rejects.toThrow(/unknown demo strategy/);
    await expect(selectDemos(pool, pool[0]!, 2, { strategy: 'nearest' })).rejects.toThrow(/embedder/);
  });
});

const NEWS: Example[] = [
  example('n-0', 'The central bank raised interest rates to fight inflation.', 'Business'),
  example('n-1', 'The striker scored twice as the home team won the cup final.', 'Sports'),
  example('n-2', 'A new smartphone with a faster chip was announced today.', 'Technology'),
  example('n-3', 'Interest rates will rise again, the central bank said.', 'Business'),
  example('n-4', 'The goalkeeper saved a penalty and the team won the final.', 'Sports'),
  example('n-5', 'Rebels attacked a convoy near the capital.', 'World'),
  example('n-6', 'The chip maker announced a faster processor for phones.', 'Technology'),
  example('n-7', 'The central bank raised interest rates to fight inflation.', 'Business'),
];

describe('nearest demos', () => {
  it('return the k most similar, most similar LAST, ties broken by pool order', async () => {
    const index = await DemoIndex.build(NEWS, new TfidfLsaEmbedder());
    // n-0 and n-7 are identical texts: equal similarity, n-0 (earlier) ranks as more similar.
    const query = example('q-1', 'The central bank raised interest rates to fight inflation.');
    const ranked = index.rank((await index.embedder.embed([query.input]))[0]!, 3);
    expect(ranked.map((r) => r.example.id)).toEqual(['n-0', 'n-7', 'n-3']);
    expect(ranked[0]!.similarity).toBeCloseTo(ranked[1]!.similarity, 6);
    expect(ranked[1]!.similarity).toBeGreaterThan(ranked[2]!.similarity);

    const demos = await selectDemos(NEWS, query, 3, { strategy: 'nearest', index });
    expect(ids(demos)).toEqual(['n-3', 'n-7', 'n-0']);
  });

  it('never return the query itself or excluded ids, and cap k at what is left', async () => {
    const index = await DemoIndex.build(NEWS, new TfidfLsaEmbedder());
    const demos = await selectDemos(NEWS, NEWS[0]!, 2, { strategy: 'nearest', index, exclude: ['n-7'] });
    expect(demos).toHaveLength(2);
    expect(ids(demos)).not.toContain('n-0');
    expect(ids(demos)).not.toContain('n-7');
    expect(demos.at(-1)!.id).toBe('n-3');

    const all = await selectDemos(NEWS, NEWS[1]!, 50, { strategy: 'nearest', index });
    expect(all).toHaveLength(NEWS.length - 1);
    expect(all.at(-1)!.id).toBe('n-4');
    expect(await selectDemos(NEWS, NEWS[1]!, 0, { strategy: 'nearest', index })).toEqual([]);
  });

  it('give the same answer with a prebuilt index or an embedder, and check the index matches the pool', async () => {
    const query = example('q-2', 'Which phone has the fastest new chip?');
    const embedder = new TfidfLsaEmbedder();
    const index = await DemoIndex.build(NEWS, embedder);
    expect(embedder.fitted).toBe(true);
    const viaIndex = await selectDemos(NEWS, query, 2, { strategy: 'nearest', index });
    const viaEmbedder = await selectDemos(NEWS, query, 2, { strategy: 'nearest', embedder });
    expect(ids(viaIndex)).toEqual(ids(viaEmbedder));
    expect(viaIndex.map((d) => d.target)).toEqual(['Technology', 'Technology']);

    await expect(selectDemos(NEWS.slice(1), query, 2, { strategy: 'nearest', index })).rejects.toThrow(/different pool/);
    await expect(selectDemos(NEWS, query, 2, { strategy: 'nearest', index, balanced: true })).rejects.toThrow(/balanced/);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const agNewsDir = resolve(here, '../../../shared/datasets/grimoire/tasks/AgNews');

describe.skipIf(!existsSync(agNewsDir))('nearest demos on AgNews', () => {
  it('mostly share the query label', async () => {
    type Row = { text: string; ans_text: string };
    const load = (split: string) =>
      (JSON.parse(readFileSync(resolve(agNewsDir, `${split}.json`), 'utf8')) as Row[]).map((row, i) => example(`${split}-${i}`, row.text, row.ans_text));
    const train = load('train');
    const test = load('test').slice(0, 100);
    const index = await DemoIndex.build(train, new TfidfLsaEmbedder());
    let same = 0;
    let total = 0;
    for (const query of test) {
      const demos = await selectDemos(train, query, 4, { strategy: 'nearest', index });
      expect(demos).toHaveLength(4);
      same += demos.filter((d) => d.target === query.target).length;
      total += demos.length;
    }
    // Chance is 25%.
    expect(same / total).toBeGreaterThan(0.55);
  });
});
