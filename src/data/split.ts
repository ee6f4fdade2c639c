/**
 * Choosing examples reproducibly: a validation split held out of train when a dataset has none,
 * and a limited or sampled subset of a split. Same seed, same examples, on every machine.
 */
import { InputError } from '../util/errors.js';
import { createRng, sampleIndices, type Rng } from '../util/random.js';
import type { Dataset, Example } from './types.js';

export interface HoldOutOptions {
  /** Share of train to hold out, in (0, 1). Give this or `size`. */
  fraction?: number;
  /** Number of train examples to hold out. */
  size?: number;
  seed: number | string;
  /** Split carved from (default `train`); test is never touched. */
  from?: string;
}

/**
 * A copy of the dataset with a `validation` split carved from train; train keeps the rest.
 * Label tasks are stratified: each label keeps (as near as whole numbers allow) its share.
 * Examples keep their train `index` and `id`, so records stay traceable to the train file;
 * both splits stay in file order.
 */
export function holdOutValidation(dataset: Dataset, options: HoldOutOptions): Dataset {
  const from = options.from ?? 'train';
  if (from === 'test') throw new InputError('validation cannot be carved from the test split', { field: 'split' });
  if (dataset.splits.validation) throw new InputError('the dataset already has a validation split', { field: 'split' });
  const pool = dataset.splits[from];
  if (!pool?.length) throw new InputError(`no "${from}" split to hold validation out of`, { field: 'split' });

  const size = holdOutSize(pool.length, options);
  const rng = createRng(options.seed);
  const groups = dataset.task.answer.kind === 'label' ? groupPositionsBy(pool, (example) => example.target) : [pool.map((_, i) => i)];
  const quotas = proportionalQuotas(
    groups.map((group) => group.length),
    size,
  );

  const held = new Set<number>();
  groups.forEach((group, g) => {
    for (const i of sampleIndices(group.length, quotas[g] as number, rng)) held.add(group[i] as number);
  });

  return {
    ...dataset,
    splits: {
      ...dataset.splits,
      [from]: pool.filter((_, i) => !held.has(i)),
      validation: pool.filter((_, i) => held.has(i)),
    },
  };
}

export interface SelectOptions {
  /** The first N examples in file order. */
  limit?: number;
  /** A seeded random N examples without replacement (taken from the first `limit` when both are given). */
  sample?: number;
  seed?: number | string;
  /** Told when `sample` asks for more examples than there are (the sample is clamped). */
  onWarning?: (message: string) => void;
}

export interface Selection {
  examples: Example[];
  /** How many examples the selection could draw from. */
  available: number;
  /** True when `sample` asked for more than `available`. */
  clamped: boolean;
}

/** The chosen examples, in file order. See `selectExamplesDetailed` for the counts. */
export function selectExamples(examples: readonly Example[], options: SelectOptions = {}): Example[] {
  return selectExamplesDetailed(examples, options).examples;
}

export function selectExamplesDetailed(examples: readonly Example[], options: SelectOptions = {}): Selection {
  const { limit, sample } = options;
  checkCount(limit, 'limit');
  checkCount(sample, 'sample');
  const pool = limit === undefined ? examples.slice() : examples.slice(0, limit);
  if (sample === undefined) return { examples: pool, available: pool.length, clamped: false };

  const clamped = sample > pool.length;
  if (clamped) {
    const warn = options.onWarning ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
    warn(`--sample ${sample} is more than the ${pool.length} examples available; using all ${pool.length}`);
  }
  const rng: Rng = createRng(options.seed ?? 0);
  const chosen = sampleIndices(pool.length, Math.min(sample, pool.length), rng).sort((a, b) => a - b);
  return { examples: chosen.map((i) => pool[i] as Example), available: pool.length, clamped };
}

function holdOutSize(total: number, options: HoldOutOptions): number {
  const { fraction, size } = options;
  if ((fraction === undefined) === (size === undefined)) {
    throw new InputError('give exactly one of a validation fraction or size', { field: 'validation' });
  }
  let count: number;
  if (fraction !== undefined) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new InputError(`validation fraction must be between 0 and 1, got ${fraction}`, { field: 'validation-fraction' });
    }
    count = Math.max(1, Math.round(total * fraction));
  } else {
    count = size as number;
    if (!Number.isInteger(count) || count < 1) {
      throw new InputError(`validation size must be a positive integer, got ${count}`, { field: 'validation-size' });
    }
  }
  if (count >= total) {
    throw new InputError(`cannot hold out ${count} of ${total} train examples and keep any for training`, {
      field: 'validation',
    });
  }
  return count;
}

function checkCount(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new InputError(`--${name} must be a non-negative integer, got ${value}`, { field: name });
  }
}

/** Positions grouped by key, groups in order of first appearance. */
function groupPositionsBy(examples: readonly Example[], key: (example: Example) => string): number[][] {
  const groups = new Map<string, number[]>();
  examples.forEach((example, i) => {
    const k = key(example);
    const group = groups.get(k);
    if (group) group.push(i);
    else groups.set(k, [i]);
  });
  return [...groups.values()];
}

/**
 * Split `total` across groups in proportion to their sizes (largest remainder; ties go to the
 * earlier group), never more than a group holds.
 */
export function proportionalQuotas(sizes: number[], total: number): number[] {
  const all = sizes.reduce((sum, size) => sum + size, 0);
  const exact = sizes.map((size) => (all === 0 ? 0 : (size * total) / all));
  const quotas = exact.map(Math.floor);
  let left = total - quotas.reduce((sum, quota) => sum + quota, 0);
  const order = exact.map((value, g) => ({ g, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.g - b.g);
  for (const { g } of order) {
    if (left === 0) break;
    if ((quotas[g] as number) < (sizes[g] as number)) {
      quotas[g] = (quotas[g] as number) + 1;
      left--;
    }
  }
  return quotas;
}
