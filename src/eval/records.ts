/** One line of a run's records.jsonl: everything needed to audit how one example was scored. */
import type { ChatMessage, TokenUsage } from '../models/types.js';

/** One line of a run's records.jsonl: what was sent, what came back, the answer read and whether it is correct. */
export interface ExampleRecord {
  index: number;
  id: string;
  /** What the model was sent (the last stage's messages for two-stage prompting; a raw text prompt for students). */
  prompt: ChatMessage[] | string | null;
  /** Raw model output (for two-stage prompting: reasoning, then the answer stage's output). */
  output: string | null;
  /** First-stage reasoning for zero-shot chain-of-thought. */
  reasoning?: string;
  extracted: string | null;
  gold: string;
  valid: boolean;
  /** null when the example could not be scored because a call failed. */
  correct: boolean | null;
  /** Why the answer could not be extracted, when invalid. */
  invalidReason?: string;
  /** Which pattern read the answer ("the answer is", "####", "last line", "custom"...). */
  answerPattern?: string;
  /** What cut the output before reading ("Premise:"): it ran on into an invented example. */
  cutAt?: string;
  error?: { kind: string; message: string };
  usage: TokenUsage;
  costUsd: number;
  latencyMs: number;
  cached: boolean;
  /** Smooth metrics for this example (e.g. bleu, rougeL, targetLogprob, per-option logprobs). */
  scores?: Record<string, number | number[]>;
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
  };
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ promptTokens: 0, completionTokens: 0 });

/** How an example came out: failed call, not scored, no usable answer, right or wrong. */
export type ExampleStatus = 'correct' | 'wrong' | 'invalid' | 'error' | 'unscored';

/** How reports and the dashboard name a status. */
export const STATUS_LABEL: Record<ExampleStatus, string> = {
  correct: '✓ correct',
  wrong: '✗ wrong',
  invalid: '✗ invalid',
  error: '⚠ error',
  unscored: '· unscored',
};

export function exampleStatus(record: Pick<ExampleRecord, 'error' | 'correct' | 'valid'>): ExampleStatus {
  if (record.error) return 'error';
  if (record.correct === null) return 'unscored';
  if (!record.valid) return 'invalid';
  return record.correct ? 'correct' : 'wrong';
}
