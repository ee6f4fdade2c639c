/**
 * The numbers a run reports, computed from its records alone (so a summary can always be rebuilt
 * from records.jsonl). Accuracy is over scored examples: a failed call is counted in `errors`,
 * never scored as a wrong answer; an answer that could not be extracted is invalid and wrong.
 * Computed through SummaryColumns, which a streaming evaluation fills record by record.
 */
import { SummaryColumns, type RunSummary } from './summaryColumns.js';
import type { ExampleRecord } from './records.js';

export type { RunSummary } from './summaryColumns.js';

/** Computes a run's summary (accuracy with its interval, invalid answers, errors, usage) from its records. */
export function summarizeRecords(records: ExampleRecord[], total: number, seed = 0): RunSummary {
  const columns = new SummaryColumns(records.length);
  records.forEach((record, slot) => columns.set(slot, record));
  return columns.summary(total, seed);
}
