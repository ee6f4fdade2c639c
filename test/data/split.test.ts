import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { holdOutValidation, proportionalQuotas, selectExamples, selectExamplesDetailed } from '../../src/data/split.js';
import type { Dataset, Example } from '../../src/data/types.js';

const DATASETS = fileURLToPath(new URL('../../../shared/datasets', import.meta.url));

function examples(split: string, targets: string[]): Example[] {
  return targets.map((target, index) => ({ index, id: `${split}-${index}`, input: `${split} input ${index}`, target, raw: {} }));
}

/** 60 train examples: 30 a, 20 b, 10 c (interleaved), and a 10-example test split. */
function labelDataset(): Dataset {
  const targets = Array.from({ length: 60 }, (_, i) => (i % 6 < 3 ? 'a' : i % 6 < 5 ? 'b' : 'c'));
  return {
    task: { name: 't', description: 'd', answer: { kind: 'label', labels: ['a', 'b', 'c'] } },
    splits: { train: examples('train', targets), test: examples('test', targets.slice(0, 10)) },
    source: 'test',
  };
}

const ids = (list: Example[] | undefined) => (list ?? []).map((e) => e.id);
const countBy = (list: Example[] | undefined) =>
  (list ?? []).reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.target]: (acc[e.target] ?? 0) + 1 }), {});

describe('holdOutValidation', () => {
  it('carves a stratified validation split out of train and leaves test alone', () => {
    const dataset = labelDataset();
    const carved = holdOutValidation(dataset, { fraction: 0.2, seed: 1 });
    expect(carved.splits.validation).toHaveLength(12);
    expect(carved.splits.train).toHaveLength(48);
    expect(countBy(carved.splits.validation)).toEqual({ a: 6, b: 4, c: 2 });
    expect(carved.splits.test).toBe(dataset.splits.test);
    expect(dataset.splits.validation).toBeUndefined();
    expect(dataset.splits.train).toHaveLength(60);

    const train = ids(carved.splits.train);
    const validation = ids(carved.splits.validation);
    expect(new Set(validation).size).toBe(validation.length);
    expect(validation.filter((id) => train.includes(id))).toEqual([]);
    expect([...train, ...validation].sort()).toEqual(ids(dataset.splits.train).sort());
    // Both keep file order and the original train index and id.
    const indices = carved.splits.validation?.map((e) => e.index) ?? [];
    expect(indices).toEqual([...indices].sort((x, y) => x - y));
    expect(carved.splits.validation?.every((e) => e.id === `train-${e.index}`)).toBe(true);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = ids(holdOutValidation(labelDataset(), { size: 10, seed: 42 }).splits.validation);
    const b = ids(holdOutValidation(labelDataset(), { size: 10, seed: 42 }).splits.validation);
    const c = ids(holdOutValidation(labelDataset(), { size: 10, seed: 43 }).splits.validation);
    expect(a).toHaveLength(10);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('does not stratify non-label tasks', () => {
    const dataset: Dataset = {
      task: { name: 'm', description: 'd', answer: { kind: 'number' } },
      splits: {
        train: examples(
          'train',
          Array.from({ length: 30 }, (_, i) => String(i % 2)),
        ),
      },
      source: 'test',
    };
    const carved = holdOutValidation(dataset, { size: 7, seed: 3 });
    expect(carved.splits.validation).toHaveLength(7);
    expect(carved.splits.train).toHaveLength(23);
  });

  it('refuses impossible hold-outs', () => {
    const dataset = labelDataset();
    expect(() => holdOutValidation(dataset, { fraction: 1, seed: 1 })).toThrow(/between 0 and 1/);
    expect(() => holdOutValidation(dataset, { size: 60, seed: 1 })).toThrow(/cannot hold out 60 of 60/);
    expect(() => holdOutValidation(dataset, { size: 0, seed: 1 })).toThrow(/positive integer/);
    expect(() => holdOutValidation(dataset, { seed: 1 })).toThrow(/exactly one/);
    expect(() => holdOutValidation(dataset, { size: 5, seed: 1, from: 'test' })).toThrow(/test split/);
    const carved = holdOutValidation(dataset, { size: 5, seed: 1 });
    expect(() => holdOutValidation(carved, { size: 5, seed: 1 })).toThrow(/already has a validation split/);
    const noTrain = { ...dataset, splits: { test: dataset.splits.test ?? [] } };
    expect(() => holdOutValidation(noTrain, { size: 5, seed: 1 })).toThrow(/no "train" split/);
  });

  it('shares a total across groups by largest remainder', () => {
    expect(proportionalQuotas([30, 20, 10], 12)).toEqual([6, 4, 2]);
    expect(proportionalQuotas([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(proportionalQuotas([5, 3], 8)).toEqual([5, 3]);
    expect(proportionalQuotas([7, 2, 1], 5).reduce((s, q) => s + q, 0)).toBe(5);
  });
});

describe('selectExamples', () => {
  const pool = examples(
    'test',
    Array.from({ length: 40 }, (_, i) => String(i)),
  );

  it('limit takes the first N in file order', () => {
    expect(ids(selectExamples(pool, { limit: 3 }))).toEqual(['test-0', 'test-1', 'test-2']);
    expect(selectExamples(pool, {})).toHaveLength(40);
    expect(selectExamples(pool, { limit: 100 })).toHaveLength(40);
  });

  it('sample takes a seeded subset without duplicates, in file order', () => {
    const first = selectExamples(pool, { sample: 10, seed: 7 });
    expect(first).toHaveLength(10);
    expect(new Set(ids(first)).size).toBe(10);
    const order = first.map((e) => e.index);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(ids(selectExamples(pool, { sample: 10, seed: 7 }))).toEqual(ids(first));
    expect(ids(selectExamples(pool, { sample: 10, seed: 8 }))).not.toEqual(ids(first));
  });

  it('samples from within the limit when both are given', () => {
    const chosen = selectExamples(pool, { limit: 15, sample: 5, seed: 1 });
    expect(chosen).toHaveLength(5);
    expect(chosen.every((e) => e.index < 15)).toBe(true);
  });

  it('clamps an oversized sample, warns, and reports what was available', () => {
    const warnings: string[] = [];
    const selection = selectExamplesDetailed(pool, { sample: 50, seed: 1, onWarning: (m) => warnings.push(m) });
    expect(selection.available).toBe(40);
    expect(selection.clamped).toBe(true);
    expect(selection.examples).toHaveLength(40);
    expect(new Set(ids(selection.examples)).size).toBe(40);
    expect(warnings).toEqual(['--sample 50 is more than the 40 examples available; using all 40']);
  });

  it('rejects negative or fractional counts', () => {
    expect(() => selectExamples(pool, { limit: -1 })).toThrow(/--limit must be a non-negative integer/);
    expect(() => selectExamples(pool, { sample: 2.5 })).toThrow(/--sample must be a non-negative integer/);
  });
});

describe.skipIf(!existsSync(DATASETS))('splits of real data', () => {
  it('holds out a stratified SST5 validation split that never meets test', async () => {
    const dataset = await loadDataset(`grimoire:${DATASETS}/grimoire/tasks/SST5`, {});
    const carved = holdOutValidation(dataset, { fraction: 0.1, seed: 2024 });
    expect(carved.splits.validation).toHaveLength(200);
    expect(carved.splits.train).toHaveLength(1800);
    const train = countBy(dataset.splits.train);
    const validation = countBy(carved.splits.validation);
    for (const [label, count] of Object.entries(train)) expect(Math.abs((validation[label] ?? 0) - count / 10)).toBeLessThanOrEqual(1);
    const trainObjects = new Set(dataset.splits.train);
    const testObjects = new Set(dataset.splits.test);
    expect(carved.splits.validation?.every((e) => trainObjects.has(e) && !testObjects.has(e))).toBe(true);
    expect(carved.splits.test).toBe(dataset.splits.test);
    expect(ids(holdOutValidation(dataset, { fraction: 0.1, seed: 2024 }).splits.validation)).toEqual(ids(carved.splits.validation));
  });
});
