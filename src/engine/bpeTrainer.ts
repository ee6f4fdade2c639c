/**
 * Learning byte-level BPE merges from pre-token counts: the training half of ./tokenizer.ts.
 *
 * Symbols are numbered 0..255 for the bytes, then 256, 257, ... for new symbols in the order merges make them.
 * (Rarely, two different pairs spell the same bytes, e.g. "a"+"aa" and "aa"+"a"; the second merge then makes
 * the existing symbol again instead of a duplicate, as vocabularies map each text to one id.) Each step
 * merges the adjacent pair with the highest total count; ties go to the smaller left symbol, then the smaller
 * right symbol, so the result depends only on the counts (not on the order the words arrive in).
 *
 * Pair counts are updated incrementally: a merge revisits only the words that contain the merged pair (found
 * through a pair -> words index), and a max-heap with lazy deletion finds the next best pair. Each heap entry
 * carries the count it was pushed with; an entry whose count no longer matches is stale and skipped.
 */

/** A binary heap; `before(a, b)` is true when a must come out before b. */
export class PriorityQueue<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, items[parent] as T)) break;
      items[i] = items[parent] as T;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    // Sift the former last item down from the root.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.before(items[right] as T, items[left] as T) ? right : left;
      if (!this.before(items[child] as T, last)) break;
      items[i] = items[child] as T;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

export interface WordCount {
  /** The pre-token as UTF-8 bytes. */
  bytes: Uint8Array;
  /** How many times it occurs in the corpus. */
  count: number;
}

export interface LearnMergesOptions {
  /** Stop when this many new symbols (vocabulary entries beyond the 256 bytes) have been made. */
  maxNewSymbols: number;
  /** Stop when the best pair occurs fewer times than this. */
  minFrequency: number;
  /** Return false to forbid a merge whose result would be these bytes (e.g. the text of a special token). */
  allowMerge?: (bytes: Uint8Array) => boolean;
}

export interface LearnedMerge {
  /** Symbol ids: 0..255 are the bytes, then new symbols in the order they were made. */
  left: number;
  right: number;
  result: number;
  /** The pair's count when it was merged. */
  count: number;
}

/** Pair keys pack two symbol ids into one number; exact while ids stay below 2^21. */
const PAIR_BASE = 2 ** 21;

const pairKey = (left: number, right: number): number => left * PAIR_BASE + right;

interface Candidate {
  count: number;
  left: number;
  right: number;
}

const higherCountFirst = (a: Candidate, b: Candidate): boolean =>
  a.count > b.count || (a.count === b.count && (a.left < b.left || (a.left === b.left && a.right < b.right)));

export function learnMerges(words: readonly WordCount[], options: LearnMergesOptions): LearnedMerge[] {
  const { maxNewSymbols, minFrequency, allowMerge } = options;
  if (256 + maxNewSymbols > PAIR_BASE) throw new RangeError(`at most ${PAIR_BASE - 256} new symbols are supported`);

  const symbols: Int32Array[] = words.map((w) => Int32Array.from(w.bytes));
  const counts: number[] = words.map((w) => w.count);
  const symbolBytes: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  const symbolByBytes = new Map<string, number>(symbolBytes.map((bytes, id) => [bytesKey(bytes), id]));

  const pairCounts = new Map<number, number>();
  // Words that contain (or once contained) each pair; a word is listed when the pair first appears in it.
  const pairWords = new Map<number, number[]>();
  const indexWord = (key: number, word: number): void => {
    const list = pairWords.get(key);
    if (list === undefined) pairWords.set(key, [word]);
    else if (list[list.length - 1] !== word) list.push(word);
  };

  symbols.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i] as number, word[i + 1] as number);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + (counts[w] as number));
      indexWord(key, w);
    }
  });

  const queue = new PriorityQueue<Candidate>(higherCountFirst);
  for (const [key, count] of pairCounts) {
    queue.push({ count, left: Math.floor(key / PAIR_BASE), right: key % PAIR_BASE });
  }

  const merges: LearnedMerge[] = [];
  const forbidden = new Set<number>();
  while (symbolBytes.length - 256 < maxNewSymbols) {
    const best = queue.pop();
    if (best === undefined) break;
    const key = pairKey(best.left, best.right);
    if (pairCounts.get(key) !== best.count || forbidden.has(key)) continue; // stale or forbidden
    if (best.count < minFrequency) break;

    const bytes = concatBytes(symbolBytes[best.left] as Uint8Array, symbolBytes[best.right] as Uint8Array);
    if (allowMerge && !allowMerge(bytes)) {
      forbidden.add(key);
      continue;
    }

    let newSymbol = symbolByBytes.get(bytesKey(bytes));
    if (newSymbol === undefined) {
      newSymbol = symbolBytes.length;
      symbolBytes.push(bytes);
      symbolByBytes.set(bytesKey(bytes), newSymbol);
    }
    merges.push({ left: best.left, right: best.right, result: newSymbol, count: best.count });

    // Re-count the pairs of every word that contains the merged pair: subtract its old pairs, add its new ones.
    const deltas = new Map<number, number>();
    const addDelta = (k: number, d: number): void => {
      deltas.set(k, (deltas.get(k) ?? 0) + d);
    };
    for (const w of pairWords.get(key) ?? []) {
      const before = symbols[w] as Int32Array;
      const after = mergePairInWord(before, best.left, best.right, newSymbol);
      if (after === before) continue; // the pair left this word in an earlier merge
      const count = counts[w] as number;
      for (let i = 0; i + 1 < before.length; i++) {
        addDelta(pairKey(before[i] as number, before[i + 1] as number), -count);
      }
      for (let i = 0; i + 1 < after.length; i++) {
        const a = after[i] as number;
        const b = after[i + 1] as number;
        addDelta(pairKey(a, b), count);
        if (a === newSymbol || b === newSymbol) indexWord(pairKey(a, b), w);
      }
      symbols[w] = after;
    }
    pairWords.delete(key);

    for (const [k, delta] of deltas) {
      if (delta === 0) continue;
      const count = (pairCounts.get(k) ?? 0) + delta;
      if (count <= 0) {
        pairCounts.delete(k);
      } else {
        pairCounts.set(k, count);
        queue.push({ count, left: Math.floor(k / PAIR_BASE), right: k % PAIR_BASE });
      }
    }
  }
  return merges;
}

/** Replaces every non-overlapping (left, right) occurrence, scanning left to right; same array if none. */
function mergePairInWord(word: Int32Array, left: number, right: number, merged: number): Int32Array {
  let out: number[] | undefined;
  for (let i = 0; i < word.length; i++) {
    const isPair = word[i] === left && i + 1 < word.length && word[i + 1] === right;
    if (isPair && out === undefined) out = Array.from(word.subarray(0, i));
    if (out === undefined) continue;
    if (isPair) {
      out.push(merged);
      i++;
    } else {
      out.push(word[i] as number);
    }
  }
  return out === undefined ? word : Int32Array.from(out);
}

const bytesKey = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
