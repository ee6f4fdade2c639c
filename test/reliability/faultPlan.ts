/**
 * A seeded fault plan for the fake OpenAI-compatible server: each distinct request (path, model and content) is
 * faulted or not by a hash of the seed and its content, so the counts a run must end with are known exactly
 * from the requests it sent. A faulted request fails on its first attempt only (transient), or on every
 * attempt (persistent: the call ends in an error after the retries). Faults: 429 and 503 with Retry-After,
 * 500, malformed JSON, and a hang (ended by the hub's per-attempt timeout).
 */
import { createHash } from 'node:crypto';
import type { Fault, FaultInfo, ReceivedRequest } from '../support/fakeOpenAIServer.js';

export const FAULT_KINDS = ['rate_limit', 'unavailable', 'server', 'malformed', 'hang'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The error kind a call ends in when a fault persists through every attempt (models/core/errors.ts). */
export const ERROR_KIND_OF: Record<FaultKind, string> = {
  rate_limit: 'rate_limit',
  unavailable: 'server',
  server: 'server',
  malformed: 'bad_response',
  hang: 'timeout',
};

/** Hub options that go with a plan: `MAX_RETRIES` retries, no backoff beyond Retry-After, hangs cut after `TIMEOUT_MS`. */
export const MAX_RETRIES = 2;
export const TIMEOUT_MS = 2_000;
export const hubFaultOptions = { maxRetries: MAX_RETRIES, timeoutMs: TIMEOUT_MS, random: () => 0, warn: () => {} };

export interface PlannedFault {
  kind: FaultKind;
  persistent: boolean;
}

export interface FaultPlan {
  /** For startFakeOpenAIServer({ fault }). */
  fault: (info: FaultInfo) => Fault | undefined;
  planFor(body: unknown, path: string): PlannedFault | null;
  /** What the requests received should add up to, from their distinct keys. */
  expect(requests: readonly ReceivedRequest[]): FaultCounts;
}

export interface FaultCounts {
  /** Distinct requests (what a run without faults would send). */
  distinct: number;
  /** Requests the server should have received: 1 per clean request, 2 per transient fault, every attempt per persistent one. */
  calls: number;
  transient: number;
  /** Calls that end in an error, by error kind. */
  errorsByKind: Record<string, number>;
  errors: number;
  /** Per key: attempts received (to compare with the plan) and answers given (never more than one: no call paid twice). */
  received: Map<string, number>;
  answered: Map<string, number>;
  /** Keys whose attempts differ from the plan. */
  mismatched: string[];
}

function keyOf(body: unknown, path: string): string {
  const request = (body ?? {}) as Record<string, unknown>;
  return JSON.stringify([path, request.model, request.messages ?? request.prompt ?? request.input, request.n ?? 1, request.temperature ?? null]);
}

function unit(seed: number, salt: string, key: string): number {
  return createHash('sha256').update(`${seed}\0${salt}\0${key}`).digest().readUInt32BE(0) / 2 ** 32;
}

export function seededFaultPlan(seed: number, options: { rate?: number; persistentShare?: number } = {}): FaultPlan {
  const rate = options.rate ?? 0.2;
  const persistentShare = options.persistentShare ?? 0.3;
  const attempts = new Map<string, number>();
  const planOfKey = (key: string): PlannedFault | null => {
    if (unit(seed, 'fault', key) >= rate) return null;
    const kind = FAULT_KINDS[Math.floor(unit(seed, 'kind', key) * FAULT_KINDS.length)]!;
    return { kind, persistent: unit(seed, 'persistent', key) < persistentShare };
  };
  const faultOf = (kind: FaultKind): Fault => {
    if (kind === 'rate_limit' || kind === 'unavailable') return { kind, retryAfterMs: 100 };
    if (kind === 'server') return { kind: 'server', status: 500 };
    return { kind };
  };
  const plannedAttempts = (plan: PlannedFault | null) => (!plan ? 1 : plan.persistent ? MAX_RETRIES + 1 : 2);
  return {
    planFor: (body, path) => planOfKey(keyOf(body, path)),
    fault({ body, path }) {
      const key = keyOf(body, path);
      const attempt = attempts.get(key) ?? 0;
      attempts.set(key, attempt + 1);
      const plan = planOfKey(key);
      if (!plan) return undefined;
      // A persistent fault fails every attempt of every call (a resumed run meets it again).
      return plan.persistent || attempt === 0 ? faultOf(plan.kind) : undefined;
    },
    expect(requests) {
      const received = new Map<string, number>();
      const answered = new Map<string, number>();
      for (const request of requests) {
        const key = keyOf(request.body, request.path);
        received.set(key, (received.get(key) ?? 0) + 1);
      }
      const counts: FaultCounts = { distinct: received.size, calls: 0, transient: 0, errorsByKind: {}, errors: 0, received, answered, mismatched: [] };
      for (const [key, got] of received) {
        const plan = planOfKey(key);
        counts.calls += plannedAttempts(plan);
        if (plan && !plan.persistent) counts.transient += 1;
        if (plan?.persistent) {
          counts.errors += 1;
          const kind = ERROR_KIND_OF[plan.kind];
          counts.errorsByKind[kind] = (counts.errorsByKind[kind] ?? 0) + 1;
        }
        answered.set(key, plan?.persistent ? 0 : got - (plan ? 1 : 0));
        if (got !== plannedAttempts(plan)) counts.mismatched.push(key);
      }
      return counts;
    },
  };
}
