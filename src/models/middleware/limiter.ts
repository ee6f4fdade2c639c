/**
 * Limits per provider endpoint (provider + base URL), shared by every model on that endpoint:
 * at most `concurrency` calls in flight, at most `requestsPerMinute` calls and `tokensPerMinute`
 * tokens in any sliding minute (tokens estimated before sending, corrected with the real usage
 * after), and an endpoint-wide pause when a call fails with Retry-After: every call in flight or
 * queued waits until then, not only the one that failed.
 *
 * The limiter sits below the retry layer, so every attempt (not only the first) takes a slot and
 * counts against the per-minute limits.
 */
import { isModelError, ModelError } from '../core/errors.js';
import type { LanguageModel } from '../types.js';
import { systemClock, type Clock } from './clock.js';
import { estimateCallTokens } from './tokens.js';
import { wrapModel } from './wrap.js';

/** The limits an {@link EndpointLimiter} enforces. */
export interface EndpointLimits {
  /** Calls in flight at once (default unlimited). */
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

const WINDOW_MS = 60_000;
const RECHECK_MS = 1000;

interface TokenEntry {
  time: number;
  tokens: number;
}

/** A slot taken from an {@link EndpointLimiter}, released when the call ends. */
export interface Permit {
  /** Frees the slot; `actualTokens` replaces the estimate in the tokens-per-minute window. */
  release(actualTokens?: number): void;
}

/** Keeps one endpoint's calls within its concurrency and per-minute request and token limits. */
export class EndpointLimiter {
  readonly limits: EndpointLimits;
  private readonly clock: Clock;
  private active = 0;
  private peak = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly requestTimes: number[] = [];
  private readonly tokenEntries: TokenEntry[] = [];
  private pausedUntil = 0;

  constructor(limits: EndpointLimits = {}, clock: Clock = systemClock) {
    this.limits = limits;
    this.clock = clock;
  }

  /** Calls holding a slot now. */
  get inFlight(): number {
    return this.active;
  }

  /** Most calls ever in flight at once. */
  get maxInFlight(): number {
    return this.peak;
  }

  /** Stops every call on this endpoint from being sent before `time` (clock milliseconds). */
  pauseUntil(time: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, time);
  }

  pauseFor(ms: number): void {
    this.pauseUntil(this.clock.now() + ms);
  }

  /** Waits for a slot, the end of any pause and room in the per-minute windows. */
  async acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    return this.tryAcquire(estimatedTokens, signal) ?? this.acquireWaiting(estimatedTokens, signal);
  }

  /**
   * A permit at once, when a slot is free and neither a pause nor a per-minute window holds the call back; else
   * undefined (then `acquire` waits). Most calls of a run take this path, with no promise in between.
   */
  tryAcquire(estimatedTokens: number, signal?: AbortSignal): Permit | undefined {
    if (signal?.aborted || this.active >= (this.limits.concurrency ?? Infinity)) return undefined;
    // Without a pause or a per-minute limit nothing depends on the time: the clock is not read.
    const timed = this.pausedUntil > 0 || this.limits.requestsPerMinute !== undefined || this.limits.tokensPerMinute !== undefined;
    const now = timed ? this.clock.now() : 0;
    if (timed && this.waitMs(now, estimatedTokens) > 0) return undefined;
    this.active += 1;
    this.peak = Math.max(this.peak, this.active);
    return this.permit(this.admit(now, estimatedTokens));
  }

  private async acquireWaiting(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    await this.takeSlot(signal);
    try {
      return this.permit(await this.waitForRate(estimatedTokens, signal));
    } catch (error) {
      this.freeSlot();
      throw error;
    }
  }

  private permit(entry: TokenEntry | undefined): Permit {
    let released = false;
    return {
      release: (actualTokens?: number) => {
        if (released) return;
        released = true;
        if (entry && actualTokens !== undefined) entry.tokens = actualTokens;
        this.freeSlot();
      },
    };
  }

  /** Counts a call sent at `now` in the per-minute windows; its tokens entry, when tokens are limited. */
  private admit(now: number, estimatedTokens: number): TokenEntry | undefined {
    if (this.limits.requestsPerMinute !== undefined) this.requestTimes.push(now);
    if (this.limits.tokensPerMinute === undefined) return undefined;
    const entry = { time: now, tokens: estimatedTokens };
    this.tokenEntries.push(entry);
    return entry;
  }

  private async takeSlot(signal?: AbortSignal): Promise<void> {
    const limit = this.limits.concurrency ?? Infinity;
    if (this.active >= limit) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = this.waiting.indexOf(wake);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(abortReason(signal));
        };
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      // The slot was handed over by freeSlot without being released, so `active` is already counted.
    } else {
      this.active += 1;
    }
    this.peak = Math.max(this.peak, this.active);
  }

  private freeSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  private async waitForRate(estimatedTokens: number, signal?: AbortSignal): Promise<TokenEntry | undefined> {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const now = this.clock.now();
      const wait = this.waitMs(now, estimatedTokens);
      if (wait <= 0) return this.admit(now, estimatedTokens);
      // Re-check at least every second: a finished call's real usage may free room sooner.
      await this.clock.sleep(Math.min(wait, RECHECK_MS), signal).catch(() => {
        throw abortReason(signal);
      });
    }
  }

  private waitMs(now: number, estimatedTokens: number): number {
    let wait = this.pausedUntil - now;
    const rpm = this.limits.requestsPerMinute;
    if (rpm !== undefined) {
      while (this.requestTimes.length && this.requestTimes[0]! <= now - WINDOW_MS) this.requestTimes.shift();
      if (this.requestTimes.length >= rpm) {
        wait = Math.max(wait, this.requestTimes[this.requestTimes.length - rpm]! + WINDOW_MS - now);
      }
    }
    const tpm = this.limits.tokensPerMinute;
    if (tpm !== undefined) {
      while (this.tokenEntries.length && this.tokenEntries[0]!.time <= now - WINDOW_MS) this.tokenEntries.shift();
      let used = 0;
      for (const entry of this.tokenEntries) used += entry.tokens;
      // A call larger than the whole limit still goes, alone, once the window is empty.
      if (used > 0 && used + estimatedTokens > tpm) {
        let freed = 0;
        for (const entry of this.tokenEntries) {
          freed += entry.tokens;
          if (used - freed + estimatedTokens <= tpm || freed === used) {
            wait = Math.max(wait, entry.time + WINDOW_MS - now);
            break;
          }
        }
      }
    }
    return wait;
  }
}

/**
 * Runs every call through the endpoint's limiter, and pauses the whole endpoint when a call
 * fails with Retry-After.
 */
export function withLimiter(model: LanguageModel, options: { limiter: EndpointLimiter; clock?: Clock }): LanguageModel {
  const { limiter } = options;
  const clock = options.clock ?? systemClock;
  return wrapModel(model, async (kind, request, callOptions, next) => {
    // Tokens are estimated (every message's text measured) only for a tokens-per-minute limit, the one use of it.
    const estimate = limiter.limits.tokensPerMinute === undefined ? 0 : estimateCallTokens(kind, request);
    const permit = limiter.tryAcquire(estimate, callOptions?.signal) ?? (await limiter.acquire(estimate, callOptions?.signal));
    try {
      const response = await next(request, callOptions);
      permit.release(response.usage.promptTokens + response.usage.completionTokens);
      return response;
    } catch (error) {
      if (isModelError(error) && error.retryAfterSeconds !== undefined && error.retryAfterSeconds > 0) {
        limiter.pauseUntil(clock.now() + error.retryAfterSeconds * 1000);
      }
      permit.release();
      throw error;
    }
  });
}

function abortReason(signal: AbortSignal | undefined): ModelError {
  const reason: unknown = signal?.reason;
  return isModelError(reason) ? reason : new ModelError('aborted', 'the call was aborted', { cause: reason });
}
