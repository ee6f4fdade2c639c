/**
 * The numbers a run reports, computed from its records alone (so a summary can always be rebuilt
 * from records.jsonl). Accuracy is over scored examples: a failed call is counted in `errors`,
 * never scored as a wrong answer; an answer that could not be extracted is invalid and wrong.
 */
import { bootstrapCI, wilsonInterval } from './stats.js';
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
  const scoredRecords = records.filter((r) => !r.error && r.correct !== null);
  const correctFlags = scoredRecords.map((r) => (r.correct ? 1 : 0));
  const correct = correctFlags.reduce((a: number, b) => a + b, 0);
  const errorsByKind: Record<string, number> = {};
  for (const record of records) {
    if (record.error) errorsByKind[record.error.kind] = (errorsByKind[record.error.kind] ?? 0) + 1;
  }
  const errors = records.filter((r) => r.error).length;
  const costUsd = records.reduce((sum, r) => sum + r.costUsd, 0);
  // Latency is the calls' own: not a cache hit's, a failure's, or an example scored from a predictions file (no call, 0 ms).
  const latencies = records.filter((r) => !r.cached && !r.error && r.latencyMs > 0).map((r) => r.latencyMs).sort((a, b) => a - b);
  return {
    n: total,
    scored: scoredRecords.length,
    correct,
    accuracy: scoredRecords.length ? correct / scoredRecords.length : null,
    ci95: scoredRecords.length ? wilsonInterval(correct, scoredRecords.length) : null,
    invalid: scoredRecords.filter((r) => !r.valid).length,
    cutOutputs: records.filter((r) => r.cutAt !== undefined).length,
    errors,
    errorsByKind,
    missing: total - records.length,
    usage: {
      promptTokens: records.reduce((sum, r) => sum + r.usage.promptTokens, 0),
      completionTokens: records.reduce((sum, r) => sum + r.usage.completionTokens, 0),
      costUsd,
    },
    costPerExampleUsd: scoredRecords.length ? costUsd / scoredRecords.length : null,
    costPerCorrectUsd: correct ? costUsd / correct : null,
    cachedCalls: records.filter((r) => r.cached).length,
    latencyMs: {
      mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null,
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
    },
    metrics: smoothMetrics(scoredRecords, seed),
  };
}

function smoothMetrics(records: ExampleRecord[], seed: number): RunSummary['metrics'] {
  const byName = new Map<string, number[]>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record.scores ?? {})) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const list = byName.get(name) ?? [];
      list.push(value);
      byName.set(name, list);
    }
  }
  const metrics: RunSummary['metrics'] = {};
  for (const [name, values] of byName) {
    metrics[name] = {
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      ci95: bootstrapCI(values, { seed }) as [number, number],
      n: values.length,
    };
  }
  return metrics;
}

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const position = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[position] ?? null;
}
