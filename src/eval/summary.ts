/**
 * The numbers a run reports, computed from its records alone (so a summary can always be rebuilt
 * from records.jsonl). Accuracy is over scored examples: a failed call is counted in `errors`,
 * never scored as a wrong answer; an answer that could not be extracted is invalid and wrong.
 * Computed through SummaryColumns, which a streaming evaluation fills record by record.
 */
import { SummaryColumns } from './summaryColumns.js';
import type { ExampleRecord } from './records.js';

export interface RunSummary {
  /** Examples in the evaluation. */
  n: number;
  /** Examples with a score (n - errors - missing). */
  scored: number;
  correct: number;
  accuracy: number | null;
  ci95: [number, number] | null;
  invalid: number;
  /** Outputs that ran on into an invented next example (or chat turn) and were cut before reading. */
  cutOutputs: number;
  errors: number;
  errorsByKind: Record<string, number>;
  /** Examples not evaluated (a stop before the end, e.g. the budget ran out). */
  missing: number;
  usage: { promptTokens: number; completionTokens: number; costUsd: number };
  /** Cost per scored example and per correct answer, in dollars. */
  costPerExampleUsd: number | null;
  costPerCorrectUsd: number | null;
  cachedCalls: number;
  latencyMs: { mean: number | null; p50: number | null; p95: number | null };
  /** Means of smooth per-example scores (bleu, rougeL, targetLogprob...) with bootstrap CIs. */
  metrics: Record<string, { mean: number; ci95: [number, number]; n: number }>;
}

export function summarizeRecords(records: ExampleRecord[], total: number, seed = 0): RunSummary {
  const columns = new SummaryColumns(records.length);
  records.forEach((record, slot) => columns.set(slot, record));
  return columns.summary(total, seed);
}
