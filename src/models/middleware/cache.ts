/**
 * Cache middleware: a call whose key (backend identity + kind + full request incl. sampleIndex) was
 * answered before returns the stored answer at no cost; otherwise the call goes on and a
 * successful answer is stored. Failures are never stored, so they are retried next run.
 *
 * No two callers pay for one request at the same time: an identical call in flight in this process
 * is shared (the cache's `inFlight`), and one in flight in another process sharing the cache file
 * (a claim row, see cacheStore.ts) is waited for, its stored answer then returned as a hit. When the
 * other process's call fails, or its claim goes stale, this caller makes the call itself.
 */
import { abortError } from '../core/errors.js';
import { typedCompletions } from '../core/finish.js';
import { callKey, type ModelIdentity } from '../core/hash.js';
import { stripMeta, withMeta } from '../core/meta.js';
import type { CallMeta, GenerateResponse, LanguageModel, ModelResponse } from '../types.js';
import type { CallCache } from './cacheStore.js';
import { sleepFor } from './clock.js';
import { wrapModel } from './wrap.js';

export interface CacheOptions {
  cache: CallCache;
  /** Which backend answers; the API key is never part of it. */
  identity: ModelIdentity;
  now?: () => number;
  /** Waits between looks at a request another process is calling. Default: real time. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** First and longest wait between looks at another process's call. */
const POLL_MS = { first: 25, max: 500 };

export function withCache(model: LanguageModel, options: CacheOptions): LanguageModel {
  const { cache, identity } = options;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? sleepFor;

  return wrapModel(model, async (kind, request, callOptions, next) => {
    const started = now();
    const key = callKey(identity, kind, request);
    const hit = (response: ModelResponse) =>
      withMeta(kind === 'generate' ? typedCompletions(response as GenerateResponse) : response, hitMeta(now() - started));
    let pollMs = POLL_MS.first;
    for (;;) {
      const stored = cache.get(key);
      if (stored) return hit(stored.response);

      const shared = cache.inFlight.get(key);
      if (shared) return hit(structuredClone(stripMeta(await shared)));

      if (cache.claim(key) === 'claimed elsewhere') {
        const signal = callOptions?.signal;
        while (cache.isClaimedElsewhere(key) && !cache.get(key)) {
          if (signal?.aborted) throw abortError(signal);
          await sleep(pollMs, signal).catch(() => {
            throw abortError(signal);
          });
          pollMs = Math.min(POLL_MS.max, pollMs * 2);
        }
        continue;
      }

      // Claimed: stored after our claim was taken? Then it was answered just now.
      const answered = cache.get(key);
      if (answered) {
        cache.release(key);
        return hit(answered.response);
      }
      const call = next(request, callOptions).then((response) => {
        cache.put(key, {
          spec: model.spec,
          kind,
          response: stripMeta(response),
          costUsd: response.meta?.costUsd ?? 0,
          createdAt: Date.now(),
        });
        return response;
      });
      cache.inFlight.set(key, call);
      try {
        return await call;
      } finally {
        cache.inFlight.delete(key);
        cache.release(key);
      }
    }
  });
}

function hitMeta(latencyMs: number): CallMeta {
  return { cached: true, costUsd: 0, latencyMs, attempts: 0 };
}
