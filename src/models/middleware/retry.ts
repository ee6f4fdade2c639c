/**
 * Retry middleware: retryable ModelError kinds are tried again with exponential backoff and full
 * jitter (a random wait in [0, min(cap, base x 2^(attempt-1))]), never sooner than the server's
 * Retry-After. Anything a provider throws that is not a ModelError is wrapped into one, so every
 * failure leaving the stack is typed.
 */
import { isModelError, ModelError } from '../errors.js';
import type { LanguageModel } from '../types.js';
import { sleepFor } from './clock.js';
import { withMeta, wrapModel } from './wrap.js';

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

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Any thrown value as a ModelError: connection failures are 'network', anything else 'bad_response'. */
export function toModelError(error: unknown): ModelError {
  if (isModelError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ModelError(looksLikeNetworkFailure(error) ? 'network' : 'bad_response', message, { cause: error });
}

function looksLikeNetworkFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (typeof message === 'string' && /fetch failed|socket hang up|network|connection/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
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
        const error = signal?.aborted ? abortedError(signal) : toModelError(thrown);
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
          const aborted = abortedError(signal);
          attemptsByError.set(aborted, attempt);
          throw aborted;
        }
      }
    }
  });
}

function abortedError(signal: AbortSignal | undefined): ModelError {
  const reason: unknown = signal?.reason;
  if (isModelError(reason)) return reason;
  return new ModelError('aborted', 'the call was aborted', { cause: reason });
}
