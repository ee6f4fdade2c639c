/**
 * ROUGE-L (Lin 2004): the longest common subsequence of tokens, as precision (over the
 * hypothesis), recall (over the reference) and F-measure with beta = 1. Tokenised like Google's
 * rouge-score package by default: lower-case, anything but a-z and 0-9 separates tokens, no stemming.
 */

export interface RougeScore {
  p: number;
  r: number;
  f: number;
}

/** ROUGE-L (longest common subsequence) precision, recall and F of a hypothesis against a reference. */
export function rougeL(hypothesis: string, reference: string): RougeScore {
  const hyp = rougeTokenize(hypothesis);
  const ref = rougeTokenize(reference);
  if (!hyp.length || !ref.length) return { p: 0, r: 0, f: 0 };
  const lcs = lcsLength(hyp, ref);
  const p = lcs / hyp.length;
  const r = lcs / ref.length;
  return { p, r, f: p + r > 0 ? (2 * p * r) / (p + r) : 0 };
}

export function rougeTokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter(Boolean);
}

/** Classic dynamic programme, one row at a time (memory O(min side) is not worth the code here). */
export function lcsLength(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    previous = current;
  }
  return previous[b.length]!;
}
