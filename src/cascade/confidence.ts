/**
 * How sure the student is of an answer, in [0, 1], by one of two signals:
 * - 'logprob': the geometric mean of its tokens' probabilities, exp(mean token log-probability), of its
 *   greedy answer;
 * - 'agreement': the share of k sampled answers that agree with the most common one.
 * Below the cascade's threshold, the teacher answers instead.
 */
import type { Completion } from '../models/types.js';

export const CONFIDENCE_SIGNALS = ['logprob', 'agreement'] as const;
export type ConfidenceSignal = (typeof CONFIDENCE_SIGNALS)[number];

/** exp(mean token log-probability); null when the completion carries no log-probabilities (or no tokens). */
export function logprobConfidence(completion: Completion): number | null {
  const tokens = completion.logprobs;
  if (!tokens?.length) return null;
  return Math.exp(tokens.reduce((sum, token) => sum + token.logprob, 0) / tokens.length);
}

/** The most common answer (the first reached on a tie) and the share of answers equal to it; null keys do not vote. */
export function agreement(keys: ReadonlyArray<string | null>): { winner: number; confidence: number } {
  const counts = new Map<string, number>();
  const first = new Map<string, number>();
  keys.forEach((key, index) => {
    if (key === null) return;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!first.has(key)) first.set(key, index);
  });
  let best: string | null = null;
  for (const [key, count] of counts) if (best === null || count > counts.get(best)!) best = key;
  if (best === null) return { winner: 0, confidence: 0 };
  return { winner: first.get(best)!, confidence: counts.get(best)! / keys.length };
}

/** A served answer's comparison key for agreement: whitespace and case do not make answers differ. */
export function textKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}
