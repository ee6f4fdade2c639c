/**
 * Corpus BLEU as sacreBLEU computes it (Post 2018): 13a tokenisation, n-gram counts clipped by the
 * maximum count in any reference, the closest reference length for the brevity penalty, and
 * sacreBLEU's smoothing methods. Scores are on sacreBLEU's 0..100 scale.
 */
import { tokenize13a } from './tokenize13a.js';

/** BLEU smoothing methods, named as in sacreBLEU. */
export type BleuSmoothing = 'exp' | 'none' | 'floor' | 'add-k';

/** Options of {@link bleu} and {@link sentenceBleu}: smoothing and tokenization. */
export interface BleuOptions {
  /** Default 'exp', sacreBLEU's default. */
  smooth?: BleuSmoothing;
  /** For 'floor' (default 0.1) and 'add-k' (default 1). */
  smoothValue?: number;
  /**
   * Average only over n-gram orders the hypotheses contain. Off for corpus scores; sacreBLEU's
   * sentence_score turns it on so a short but perfect hypothesis is not scored 0.
   */
  effectiveOrder?: boolean;
  /** Default '13a'; 'none' splits on whitespace only. */
  tokenize?: '13a' | 'none';
  lowercase?: boolean;
  /** Highest n-gram order, default 4 (BLEU-4). */
  maxOrder?: number;
}

export interface BleuResult {
  score: number;
  /** Modified n-gram precisions, 0..100. */
  precisions: number[];
  brevityPenalty: number;
  hypLength: number;
  refLength: number;
  /** Clipped n-gram matches and hypothesis n-gram totals per order. */
  counts: number[];
  totals: number[];
}

const DEFAULT_MAX_ORDER = 4;
const SMOOTH_DEFAULTS = { floor: 0.1, 'add-k': 1 } as const;
/** sacreBLEU takes log(0) as this, so a zero precision drives the score to 0 instead of NaN. */
const LOG_ZERO = -9999999999;

/** `references[i]` holds the reference translations of `hypotheses[i]` (one or more each). */
export function bleu(hypotheses: string[], references: string[][], options: BleuOptions = {}): number {
  return bleuDetails(hypotheses, references, options).score;
}

/** Sentence BLEU as sacreBLEU's `sentence_score`: exp smoothing with effective order. */
export function sentenceBleu(hypothesis: string, references: string[], options: BleuOptions = {}): number {
  return bleuDetails([hypothesis], [references], { effectiveOrder: true, ...options }).score;
}

export function bleuDetails(hypotheses: string[], references: string[][], options: BleuOptions = {}): BleuResult {
  if (hypotheses.length !== references.length) {
    throw new RangeError(`BLEU needs references for every hypothesis: ${hypotheses.length} hypotheses, ${references.length} reference lists`);
  }
  const maxOrder = options.maxOrder ?? DEFAULT_MAX_ORDER;
  const split = (text: string): string[] => {
    const cased = options.lowercase ? text.toLowerCase() : text;
    const trimmed = cased.trimEnd();
    return options.tokenize === 'none' ? trimmed.split(/\s+/).filter(Boolean) : tokenize13a(trimmed);
  };
  const counts = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let hypLength = 0;
  let refLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const refs = references[i]!;
    if (!refs.length) throw new RangeError(`hypothesis ${i} has no reference`);
    const hypTokens = split(hypothesis);
    const refTokens = refs.map(split);
    hypLength += hypTokens.length;
    refLength += closestLength(
      hypTokens.length,
      refTokens.map((r) => r.length),
    );
    const maxRefCounts = maxCounts(refTokens.map((tokens) => ngramCounts(tokens, maxOrder)));
    for (const [ngram, count] of ngramCounts(hypTokens, maxOrder)) {
      const order = ngram.split(' ').length;
      counts[order - 1]! += Math.min(count, maxRefCounts.get(ngram) ?? 0);
    }
    for (let n = 1; n <= maxOrder; n++) totals[n - 1]! += Math.max(0, hypTokens.length - n + 1);
  });
  return { ...bleuFromStatistics(counts, totals, hypLength, refLength, options), counts, totals, hypLength, refLength };
}

/** The score from sufficient statistics (sacreBLEU's `compute_bleu`); the order is `matched.length`. */
export function bleuFromStatistics(
  matched: number[],
  totals: number[],
  hypLength: number,
  refLength: number,
  options: BleuOptions,
): { score: number; precisions: number[]; brevityPenalty: number } {
  const smooth = options.smooth ?? 'exp';
  const smoothValue = options.smoothValue ?? (smooth === 'floor' || smooth === 'add-k' ? SMOOTH_DEFAULTS[smooth] : 0);
  const brevityPenalty = hypLength < refLength ? (hypLength > 0 ? Math.exp(1 - refLength / hypLength) : 0) : 1;
  const maxOrder = matched.length;
  const precisions = new Array<number>(maxOrder).fill(0);
  if (!matched.some((c) => c > 0)) return { score: 0, precisions, brevityPenalty };

  const correct = matched.slice();
  const total = totals.slice();
  let expDivisor = 1;
  let effectiveOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smooth === 'add-k' && n > 1) {
      correct[n - 1]! += smoothValue;
      total[n - 1]! += smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (options.effectiveOrder) effectiveOrder = n;
    if (correct[n - 1] === 0) {
      if (smooth === 'exp') {
        expDivisor *= 2;
        precisions[n - 1] = 100 / (expDivisor * total[n - 1]!);
      } else if (smooth === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / total[n - 1]!;
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]!) / total[n - 1]!;
    }
  }
  const logSum = precisions.slice(0, effectiveOrder).reduce((sum, p) => sum + (p === 0 ? LOG_ZERO : Math.log(p)), 0);
  return { score: brevityPenalty * Math.exp(logSum / effectiveOrder), precisions, brevityPenalty };
}

/** The reference length closest to the hypothesis length; the shorter one on a tie. */
function closestLength(hypLength: number, refLengths: number[]): number {
  let best = refLengths[0]!;
  for (const length of refLengths) {
    const diff = Math.abs(hypLength - length);
    const bestDiff = Math.abs(hypLength - best);
    if (diff < bestDiff || (diff === bestDiff && length < best)) best = length;
  }
  return best;
}

function ngramCounts(tokens: string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const ngram = tokens.slice(i, i + n).join(' ');
      counts.set(ngram, (counts.get(ngram) ?? 0) + 1);
    }
  }
  return counts;
}

function maxCounts(maps: Map<string, number>[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const map of maps) {
    for (const [ngram, count] of map) result.set(ngram, Math.max(result.get(ngram) ?? 0, count));
  }
  return result;
}
