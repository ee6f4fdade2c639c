/**
 * Retry middleware: retryable ModelError kinds are tried again with exponential backoff and full
 * jitter (a random wait in [0, min(cap, base x 2^(attempt-1))]), never sooner than the server's
 * Retry-After. Anything a provider throws that is not a ModelError is wrapped into one, so every
 * failure leaving the stack is typed.
 */
import { abortError, ModelError, toModelError } from '../core/errors.js';
import type { LanguageModel } from '../types.js';
import { sleepFor } from './clock.js';
import { withMeta } from '../core/meta.js';
import { wrapModel } from './wrap.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 4, i.e. 5 attempts). */
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
  onRetry?: (info: { error: ModelError; attempt: number; delayMs: number }) => void;
}

export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 30_000;

const attemptsByError = new WeakMap<object, number>();

/** How many attempts were made before this error ended the call (undefined if it never reached the retry layer). */
export function attemptsMade(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? attemptsByError.get(error) : undefined;
}

/** Wait before attempt `attempt + 1`, after `attempt` failed attempts. */
export function backoffDelayMs(
  attempt: number,
  options: { baseDelayMs?: number; maxDelayMs?: number; random?: () => number; retryAfterSeconds?: number } = {},
): number {
  const base = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const cap = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const random = options.random ?? Math.random;
  const jittered = random() * Math.min(cap, base * 2 ** (attempt - 1));
  const floor = (options.retryAfterSeconds ?? 0) * 1000;
  return Math.max(jittered, floor);
}

export function withRetry(model: LanguageModel, options: RetryOptions = {}): LanguageModel {
  const maxAttempts = (options.maxRetries ?? DEFAULT_MAX_RETRIES) + 1;
  const sleep = options.sleep ?? sleepFor;
  return wrapModel(model, async (_kind, request, callOptions, next) => {
    const signal = callOptions?.signal;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await next(request, callOptions);
        return withMeta(response, { cached: false, costUsd: 0, latencyMs: 0, ...response.meta, attempts: attempt });
      } catch (thrown) {
        // Once the caller has aborted, that is why the call ended, whatever the provider threw.
        const error = signal?.aborted ? abortError(signal) : toModelError(thrown);
        if (!error.retryable || attempt >= maxAttempts) {
          attemptsByError.set(error, attempt);
          throw error;
        }
        const delayMs = backoffDelayMs(attempt, {
          baseDelayMs: options.baseDelayMs,
          maxDelayMs: options.maxDelayMs,
          random: options.random,
          retryAfterSeconds: error.retryAfterSeconds,
        });
        options.onRetry?.({ error, attempt, delayMs });
        try {
          await sleep(delayMs, signal);
        } catch {
          const aborted = abortError(signal);
          attemptsByError.set(aborted, attempt);
          throw aborted;
        }
      }
    }
  });
}
