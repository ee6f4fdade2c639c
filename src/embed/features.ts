/**
 * Text to hashed n-gram counts for the built-in TF-IDF embedder: word uni- and bi-grams and
 * character 3–5-grams taken inside each space-padded word (scikit-learn's `char_wb`), all
 * lower-cased. Features are hashed (no vocabulary strings kept) into two disjoint blocks so
 * the word and character parts can be weighted and normalised separately.
 */
import { FNV1A_OFFSET_BASIS, FNV1A_PRIME, fnv1a } from '../util/fnv1a.js';

/** Bits of each block's hash space; word ids are in [0, 2^20), character ids in [2^20, 2^21). */
export const BLOCK_BITS = 20;
export const FEATURE_SPACE = 2 << BLOCK_BITS;
const BLOCK_MASK = (1 << BLOCK_BITS) - 1;
const CHAR_BLOCK = 1 << BLOCK_BITS;

const MIN_CHAR_GRAM = 3;
const MAX_CHAR_GRAM = 5;

const UNIGRAM_SEED = 0x3c6ef372;
const BIGRAM_SEED = 0x5be0cd19;
const SPACE = 0x20;

const TOKEN = /[\p{L}\p{N}]+/gu;

/** Sorted distinct feature ids with their counts; ids below CHAR_BLOCK are word features. */
export interface FeatureCounts {
  ids: Int32Array;
  counts: Int32Array;
}

export function isCharFeature(id: number): boolean {
  return id >= CHAR_BLOCK;
}

export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
}

export function extractFeatures(text: string): FeatureCounts {
  const words = tokenize(text);
  const ids = new IdBuffer(words.length * 16 + 8);
  let longest = 0;
  for (const word of words) longest = Math.max(longest, word.length);
  const padded = new Int32Array(longest + 2);

  let previousWordHash = 0;
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    const wordHash = fnv1a(word);
    ids.push(mix(wordHash ^ UNIGRAM_SEED) & BLOCK_MASK);
    if (w > 0) ids.push(mix(Math.imul(previousWordHash, 0x9e3779b1) ^ wordHash ^ BIGRAM_SEED) & BLOCK_MASK);
    previousWordHash = wordHash;
    addCharGrams(word, ids, padded);
  }
  return countSorted(ids.sorted());
}

/** Character n-grams of ` word `: for each start, extend one char at a time and emit lengths 3..5. */
function addCharGrams(word: string, ids: IdBuffer, padded: Int32Array): void {
  const paddedLength = word.length + 2;
  padded[0] = SPACE;
  for (let i = 0; i < word.length; i++) padded[i + 1] = word.charCodeAt(i);
  padded[paddedLength - 1] = SPACE;
  for (let start = 0; start + MIN_CHAR_GRAM <= paddedLength; start++) {
    let h = FNV1A_OFFSET_BASIS;
    const end = Math.min(paddedLength, start + MAX_CHAR_GRAM);
    for (let i = start; i < end; i++) {
      h = Math.imul(h ^ padded[i]!, FNV1A_PRIME);
      if (i - start + 1 >= MIN_CHAR_GRAM) ids.push(CHAR_BLOCK | (mix(h) & BLOCK_MASK));
    }
  }
}

/** MurmurHash3's finaliser: spreads FNV's weak low bits before masking. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function countSorted(sorted: Int32Array): FeatureCounts {
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const ids = new Int32Array(distinct);
  const counts = new Int32Array(distinct);
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) ids[++k] = sorted[i]!;
    counts[k]!++;
  }
  return { ids, counts };
}

class IdBuffer {
  private data: Int32Array;
  private length = 0;

  constructor(capacity: number) {
    this.data = new Int32Array(capacity);
  }

  push(id: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = id;
  }

  sorted(): Int32Array {
    return this.data.subarray(0, this.length).sort();
  }
}
