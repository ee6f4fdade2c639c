/**
 * Token edit distance of an answer, the smooth metric Schaeffer et al. 2023 ("Are Emergent Abilities of Large
 * Language Models a Mirage?") use for arithmetic: how many token insertions, deletions and substitutions turn
 * the model's answer into the target. Tokens here are the answer's characters without spaces (digits, sign,
 * decimal point, operators, brackets), so "124" against "123" is one edit where exact match says only "wrong".
 */

/** Levenshtein distance between two token sequences (unit costs), two-row dynamic programme. */
export function editDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function answerTokens(answer: string): string[] {
  return [...answer.replace(/\s+/g, '')];
}

/**
 * 1 − distance / max(length): 1 for the exact answer, 0 for nothing in common; no answer scores 0. In [0, 1],
 * higher is better, so it normalizes like accuracy.
 */
export function answerEditSimilarity(predicted: string | null, target: string): number {
  const want = answerTokens(target);
  const got = answerTokens(predicted ?? '');
  const longest = Math.max(want.length, got.length);
  if (longest === 0) return 1;
  return 1 - editDistance(got, want) / longest;
}
