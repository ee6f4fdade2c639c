/**
 * Running totals of every model call (per spec and overall) for progress bars, summaries and
 * cost reports, plus a per-call event hook.
 */
import type { CallRecord } from './types.js';

/** A call record with the error kind kept apart from the message, for counting errors by kind. */
export interface TrackedCall extends CallRecord {
  errorKind?: string;
}

/** Calls, cache hits, errors, tokens, cost and retries added up. */
export interface UsageTotals {
  calls: number;
  cached: number;
  errors: number;
  errorsByKind: Record<string, number>;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** Attempts beyond the first, summed over calls. */
  retries: number;
}

/** Usage totals overall and per model spec. */
export interface UsageSnapshot {
  overall: UsageTotals;
  bySpec: Record<string, UsageTotals>;
}

/** Called by a {@link UsageTracker} after every call it records. */
export type CallListener = (record: TrackedCall) => void;

export function emptyTotals(): UsageTotals {
  return { calls: 0, cached: 0, errors: 0, errorsByKind: {}, promptTokens: 0, completionTokens: 0, costUsd: 0, retries: 0 };
}

/** Adds up every call a hub makes (see {@link ModelHub.usage}). */
export class UsageTracker {
  private readonly overall = emptyTotals();
  private readonly bySpec = new Map<string, UsageTotals>();
  private readonly listeners = new Set<CallListener>();

  record(call: TrackedCall): void {
    let perSpec = this.bySpec.get(call.spec);
    if (!perSpec) {
      perSpec = emptyTotals();
      this.bySpec.set(call.spec, perSpec);
    }
    add(this.overall, call);
    add(perSpec, call);
    for (const listener of this.listeners) {
      try {
        listener(call);
      } catch {
        // A failing progress hook must not fail the model call it reports on.
      }
    }
  }

  /** Subscribe to every call as it completes; returns the unsubscribe function. */
  onCall(listener: CallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A copy of the totals, safe to keep while calls continue. */
  snapshot(): UsageSnapshot {
    const bySpec: Record<string, UsageTotals> = {};
    for (const [spec, totals] of this.bySpec) bySpec[spec] = copy(totals);
    return { overall: copy(this.overall), bySpec };
  }
}

function add(totals: UsageTotals, call: TrackedCall): void {
  totals.calls += 1;
  if (call.cached) totals.cached += 1;
  if (call.error !== undefined || call.errorKind !== undefined) {
    totals.errors += 1;
    const kind = call.errorKind ?? 'unknown';
    totals.errorsByKind[kind] = (totals.errorsByKind[kind] ?? 0) + 1;
  }
  totals.promptTokens += call.usage.promptTokens;
  totals.completionTokens += call.usage.completionTokens;
  totals.costUsd += call.costUsd;
  totals.retries += Math.max(0, call.attempts - 1);
}

function copy(totals: UsageTotals): UsageTotals {
  return { ...totals, errorsByKind: { ...totals.errorsByKind } };
}
