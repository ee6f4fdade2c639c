/**
 * Few-shot demonstration selection: k random examples (seeded, optionally balanced over
 * labels) or the k nearest neighbours of the question by embedding cosine.
 *
 * Order of the returned demos (the order they go into the prompt):
 * - nearest: ascending similarity, so the MOST similar demo is LAST, right before the question;
 *   equal similarities rank the earlier pool example as more similar.
 * - random: the order of the seeded draw; balanced draws are shuffled so no label pattern
 *   (and no fixed last label) repeats across prompts.
 * The query itself (same id) and any `exclude`d id are never returned; when fewer than k
 * examples remain, all of them are returned.
 */
import type { Example } from '../data/types.js';
import { createRng, shuffle, type Rng } from '../util/random.js';
import type { EmbedOptions, Embedder } from '../embed/types.js';
import { dot } from '../embed/vector.js';
import { InputError } from '../util/errors.js';

export type DemoStrategy = 'random' | 'nearest';

export interface SelectDemosOptions {
  strategy: DemoStrategy;
  /** Default 0. */
  seed?: number;
  /**
   * Random only. true (default): each query gets its own draw (seeded by seed and query id, so
   * independent of evaluation order). false: one draw shared by all queries, with the query
   * itself replaced by the next drawn example when it is among them.
   */
  perQuery?: boolean;
  /** Random only: take demos round-robin over labels (example targets) so each label appears about k/labels times. */
  balanced?: boolean;
  /** Nearest: a prebuilt index over `pool` (build once, reuse for every query). */
  index?: DemoIndex;
  /** Nearest without an index: builds one over `pool` on every call (fine for one-off use). */
  embedder?: Embedder;
  /** Ids never to return, besides the query's own id. */
  exclude?: Iterable<string>;
  signal?: AbortSignal;
}

export async function selectDemos(pool: readonly Example[], query: Example, k: number, options: SelectDemosOptions): Promise<Example[]> {
  validateK(k);
  const excluded = new Set(options.exclude ?? []);
  excluded.add(query.id);
  if (options.strategy === 'random') {
    const rng = createRng(options.perQuery === false ? (options.seed ?? 0) : `${options.seed ?? 0}:${query.id}`);
    return options.balanced ? balancedRandomDemos(pool, k, excluded, rng) : randomDemos(pool, k, excluded, rng);
  }
  if (options.strategy === 'nearest') {
    if (options.balanced) throw new InputError('"balanced" applies to random demos only', { field: 'balanced' });
    let index = options.index;
    if (index) {
      index.assertBuiltOn(pool);
    } else {
      if (!options.embedder) {
        throw new InputError('nearest-neighbour demos need an embedder or a prebuilt DemoIndex', { field: 'embedder' });
      }
      index = await DemoIndex.build(pool, options.embedder, { signal: options.signal });
    }
    return index.nearestTo(query, k, excluded, { signal: options.signal });
  }
  throw new InputError(`unknown demo strategy "${String(options.strategy)}" (expected random or nearest)`, {
    field: 'strategy',
  });
}

function randomDemos(pool: readonly Example[], k: number, excluded: Set<string>, rng: Rng): Example[] {
  const out: Example[] = [];
  for (const example of shuffle(pool, rng)) {
    if (out.length === k) break;
    if (!excluded.has(example.id)) out.push(example);
  }
  return out;
}

function balancedRandomDemos(pool: readonly Example[], k: number, excluded: Set<string>, rng: Rng): Example[] {
  const byLabel = new Map<string, Example[]>();
  for (const example of pool) {
    const group = byLabel.get(example.target);
    if (group) group.push(example);
    else byLabel.set(example.target, [example]);
  }
  // Which labels get the extra demos when k is not a multiple of the label count is part of the draw.
  const queues = shuffle([...byLabel.values()], rng).map((group) => shuffle(group, rng));
  const cursors = queues.map(() => 0);
  const chosen: Example[] = [];
  let progressed = true;
  while (chosen.length < k && progressed) {
    progressed = false;
    for (let q = 0; q < queues.length && chosen.length < k; q++) {
      const queue = queues[q]!;
      while (cursors[q]! < queue.length && excluded.has(queue[cursors[q]!]!.id)) cursors[q]!++;
      if (cursors[q]! < queue.length) {
        chosen.push(queue[cursors[q]!++]!);
        progressed = true;
      }
    }
  }
  return shuffle(chosen, rng);
}

export interface RankedDemo {
  example: Example;
  /** Cosine similarity to the query. */
  similarity: number;
  /** Position in the pool. */
  poolIndex: number;
}

/** Embeddings of a demo pool, computed once, searched per query. */
export class DemoIndex {
  readonly pool: readonly Example[];
  readonly embedder: Embedder;
  private readonly vectors: Float32Array[];

  private constructor(pool: readonly Example[], embedder: Embedder, vectors: Float32Array[]) {
    this.pool = pool;
    this.embedder = embedder;
    this.vectors = vectors;
  }

  /** Embeds every pool input; an unfitted built-in embedder is first fitted on them. */
  static async build(pool: readonly Example[], embedder: Embedder, options: EmbedOptions = {}): Promise<DemoIndex> {
    const inputs = pool.map((example) => example.input);
    if (inputs.length > 0) (await import('../embed/index.js')).ensureFitted(embedder, inputs);
    const vectors = inputs.length > 0 ? await embedder.embed(inputs, options) : [];
    if (vectors.length !== pool.length) {
      throw new Error(`embedder ${embedder.id} returned ${vectors.length} vectors for ${pool.length} texts`);
    }
    return new DemoIndex(pool, embedder, vectors);
  }

  /** The k nearest pool examples to `queryVector`, most similar LAST. */
  nearest(queryVector: Float32Array, k: number, exclude?: Iterable<string>): Example[] {
    return this.rank(queryVector, k, exclude)
      .reverse()
      .map((ranked) => ranked.example);
  }

  /** Embeds the query's input and returns its k nearest neighbours (never the query itself), most similar LAST. */
  async nearestTo(query: Example, k: number, exclude?: Iterable<string>, options: EmbedOptions = {}): Promise<Example[]> {
    validateK(k);
    if (k === 0 || this.pool.length === 0) return [];
    const excluded = new Set(exclude ?? []);
    excluded.add(query.id);
    const [vector] = await this.embedder.embed([query.input], options);
    if (!vector) throw new Error(`embedder ${this.embedder.id} returned no vector for the query`);
    return this.nearest(vector, k, excluded);
  }

  /**
   * The k most similar pool examples, MOST similar FIRST (similarity descending, then pool order).
   * Excluded ids are skipped.
   */
  rank(queryVector: Float32Array, k: number, exclude?: Iterable<string>): RankedDemo[] {
    validateK(k);
    if (k === 0) return [];
    const excluded = exclude instanceof Set ? (exclude as Set<string>) : new Set(exclude ?? []);
    const top: RankedDemo[] = [];
    for (let i = 0; i < this.pool.length; i++) {
      const example = this.pool[i]!;
      if (excluded.has(example.id)) continue;
      const similarity = dot(queryVector, this.vectors[i]!);
      // Strictly greater: an equal score never displaces an earlier pool example.
      if (top.length === k && !(similarity > top[k - 1]!.similarity)) continue;
      let at = top.length;
      while (at > 0 && similarity > top[at - 1]!.similarity) at--;
      top.splice(at, 0, { example, similarity, poolIndex: i });
      if (top.length > k) top.pop();
    }
    return top;
  }

  /** Throws unless `pool` holds the same examples (by id, in order) as the index. */
  assertBuiltOn(pool: readonly Example[]): void {
    const same = pool === this.pool || (pool.length === this.pool.length && pool.every((e, i) => e.id === this.pool[i]!.id));
    if (!same) throw new Error('the DemoIndex was built on a different pool than the one given');
  }
}

function validateK(k: number): void {
  if (!Number.isInteger(k) || k < 0) {
    throw new InputError(`number of demos must be a whole number ≥ 0, got ${k}`, { field: 'k' });
  }
}
