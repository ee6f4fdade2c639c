/**
 * A run's summary computed incrementally: each record is reduced to a few numbers kept in typed columns by
 * slot (its position in the evaluation), so a million records cost tens of megabytes instead of their text.
 * Setting a slot again replaces it (the last record for an example wins, as in records.jsonl); the summary is
 * read in slot order, which is what makes it equal, bit for bit, to the whole-array computation.
 */
import { grownLength, grownTo } from '../util/typedArrays.js';
import { bootstrapCI, wilsonInterval } from './stats.js';
import type { ExampleRecord } from './records.js';

/** The numbers a run reports (summary.ts explains how they are counted). */
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

/** What a slot's record is, one bit each (`invalid` and `correct` only among scored records); the summary counts each. */
const FLAGS = ['present', 'error', 'scored', 'correct', 'invalid', 'cached', 'cut'] as const;
type Flag = (typeof FLAGS)[number];
const BIT = Object.fromEntries(FLAGS.map((flag, index) => [flag, 1 << index])) as Record<Flag, number>;

export class SummaryColumns {
  private flags: Uint8Array;
  private errorKind: Uint16Array;
  private readonly errorKinds: string[] = [];
  private promptTokens: Float64Array;
  private completionTokens: Float64Array;
  private costUsd: Float64Array;
  private latencyMs: Float64Array;
  /** Smooth metric name -> value per slot (NaN: none). */
  private readonly metrics = new Map<string, Float64Array>();

  constructor(private capacity: number) {
    this.flags = new Uint8Array(capacity);
    this.errorKind = new Uint16Array(capacity);
    this.promptTokens = new Float64Array(capacity);
    this.completionTokens = new Float64Array(capacity);
    this.costUsd = new Float64Array(capacity);
    this.latencyMs = new Float64Array(capacity);
  }

  get slots(): number {
    return this.capacity;
  }

  /** Room for at least `slots` slots (capacity doubles, so filling n slots one by one copies O(n) in all). */
  ensureSlots(slots: number): void {
    if (slots <= this.capacity) return;
    const capacity = grownLength(this.capacity, slots);
    this.flags = grownTo(this.flags, capacity);
    this.errorKind = grownTo(this.errorKind, capacity);
    this.promptTokens = grownTo(this.promptTokens, capacity);
    this.completionTokens = grownTo(this.completionTokens, capacity);
    this.costUsd = grownTo(this.costUsd, capacity);
    this.latencyMs = grownTo(this.latencyMs, capacity);
    for (const [name, column] of this.metrics) this.metrics.set(name, grownTo(column, capacity, Number.NaN));
    this.capacity = capacity;
  }

  set(slot: number, record: ExampleRecord): void {
    this.clear(slot);
    const scored = !record.error && record.correct !== null;
    let flags = BIT.present;
    if (record.error) {
      flags |= BIT.error;
      this.errorKind[slot] = this.kindId(record.error.kind);
    }
    if (scored) flags |= BIT.scored;
    if (scored && record.correct) flags |= BIT.correct;
    if (scored && !record.valid) flags |= BIT.invalid;
    if (record.cached) flags |= BIT.cached;
    if (record.cutAt !== undefined) flags |= BIT.cut;
    this.flags[slot] = flags;
    this.promptTokens[slot] = record.usage.promptTokens;
    this.completionTokens[slot] = record.usage.completionTokens;
    this.costUsd[slot] = record.costUsd;
    this.latencyMs[slot] = record.latencyMs;
    const scores = record.scores;
    if (!scored || !scores) return;
    for (const name of Object.keys(scores)) {
      const value = scores[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      this.metricColumn(name)[slot] = value;
    }
  }

  /** The slot holds no record (its example is missing, or will be evaluated again). */
  clear(slot: number): void {
    if (!this.flags[slot]) return;
    this.flags[slot] = 0;
    for (const column of this.metrics.values()) column[slot] = Number.NaN;
  }

  has(slot: number): boolean {
    return this.flags[slot] !== 0;
  }

  /** The summary of an evaluation of `total` examples (examples without a record are missing). */
  summary(total: number, seed = 0): RunSummary {
    // Slots per combination of flags: each count below is a sum over the combinations that have its flag.
    const slotsByFlags = new Float64Array(1 << FLAGS.length);
    let costUsd = 0;
    let promptTokens = 0;
    let completionTokens = 0;
    const errorCounts = new Map<number, number>();
    // A typed column, not a JS array: a million latencies would take 8-16 MB of a small heap (the percentiles need them all).
    const latencyColumn = new Float64Array(this.slots);
    let latencyCount = 0;
    for (let slot = 0; slot < this.slots; slot++) {
      const flags = this.flags[slot] as number;
      if (!flags) continue;
      slotsByFlags[flags]!++;
      if (flags & BIT.error) {
        const kind = this.errorKind[slot] as number;
        errorCounts.set(kind, (errorCounts.get(kind) ?? 0) + 1);
      }
      costUsd += this.costUsd[slot] as number;
      promptTokens += this.promptTokens[slot] as number;
      completionTokens += this.completionTokens[slot] as number;
      // Latency is the calls' own: not a cache hit's, a failure's, or an example scored from a predictions file (no call, 0 ms).
      const latency = this.latencyMs[slot] as number;
      if (!(flags & (BIT.cached | BIT.error)) && latency > 0) latencyColumn[latencyCount++] = latency;
    }
    const withFlag = (flag: Flag): number => slotsByFlags.reduce((total, slots, flags) => (flags & BIT[flag] ? total + slots : total), 0);
    const counts = Object.fromEntries(FLAGS.map((flag) => [flag, withFlag(flag)])) as Record<Flag, number>;
    const { scored, correct } = counts;
    // Ascending (a typed array sorts numerically); the mean is summed in this order, as it always was.
    const latencies = latencyColumn.subarray(0, latencyCount).sort();
    const errorsByKind: Record<string, number> = {};
    for (const [kind, count] of errorCounts) errorsByKind[this.errorKinds[kind] as string] = count;
    return {
      n: total,
      scored,
      correct,
      accuracy: scored ? correct / scored : null,
      ci95: scored ? wilsonInterval(correct, scored) : null,
      invalid: counts.invalid,
      cutOutputs: counts.cut,
      errors: counts.error,
      errorsByKind,
      missing: total - counts.present,
      usage: { promptTokens, completionTokens, costUsd },
      costPerExampleUsd: scored ? costUsd / scored : null,
      costPerCorrectUsd: correct ? costUsd / correct : null,
      cachedCalls: counts.cached,
      latencyMs: {
        mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null,
        p50: quantile(latencies, 0.5),
        p95: quantile(latencies, 0.95),
      },
      metrics: this.smoothMetrics(seed),
    };
  }

  private smoothMetrics(seed: number): RunSummary['metrics'] {
    // Named in the order they first appear in slot order, as the whole-array computation does.
    const columns = [...this.metrics]
      .map(([name, column]) => ({ name, column, first: column.findIndex((value) => !Number.isNaN(value)) }))
      .filter(({ first }) => first >= 0)
      .sort((a, b) => a.first - b.first);
    const metrics: RunSummary['metrics'] = {};
    for (const { name, column } of columns) {
      const values = [...column].filter((value) => !Number.isNaN(value));
      metrics[name] = {
        mean: values.reduce((a, b) => a + b, 0) / values.length,
        ci95: bootstrapCI(values, { seed }) as [number, number],
        n: values.length,
      };
    }
    return metrics;
  }

  private metricColumn(name: string): Float64Array {
    let column = this.metrics.get(name);
    if (!column) {
      column = new Float64Array(this.slots).fill(Number.NaN);
      this.metrics.set(name, column);
    }
    return column;
  }

  private kindId(kind: string): number {
    const known = this.errorKinds.indexOf(kind);
    if (known >= 0) return known;
    this.errorKinds.push(kind);
    return this.errorKinds.length - 1;
  }
}

function quantile(sorted: Float64Array, q: number): number | null {
  if (!sorted.length) return null;
  const position = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[position] ?? null;
}
