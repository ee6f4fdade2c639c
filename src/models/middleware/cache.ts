/**
 * Cache middleware: a call whose key (backend identity + kind + full request incl. sampleIndex) was
 * answered before returns the stored answer at no cost; otherwise the call goes on and a
 * successful answer is stored. Failures are never stored, so they are retried next run.
 * Identical calls in flight at the same time share one call below (single-flight).
 */
import { callKey, type ModelIdentity } from '../core/hash.js';
import { typedCompletions } from '../core/finish.js';
import type { CallMeta, GenerateResponse, LanguageModel, ModelResponse } from '../types.js';
import type { CallCache } from './cacheStore.js';
import { stripMeta, withMeta } from '../core/meta.js';
import { wrapModel } from './wrap.js';

export interface CacheOptions {
  cache: CallCache;
  /** Which backend answers; the API key is never part of it. */
  identity: ModelIdentity;
  now?: () => number;
}

export function withCache(model: LanguageModel, options: CacheOptions): LanguageModel {
  const { cache, identity } = options;
  const now = options.now ?? (() => performance.now());
  const inFlight = new Map<string, Promise<ModelResponse>>();

  return wrapModel(model, async (kind, request, callOptions, next) => {
    const started = now();
    const key = callKey(identity, kind, request);
    const stored = cache.get(key);
    if (stored) return withMeta(kind === 'generate' ? typedCompletions(stored.response as GenerateResponse) : stored.response, hitMeta(now() - started));

    const shared = inFlight.get(key);
    if (shared) {
      const response = await shared;
      return withMeta(structuredClone(stripMeta(response)), hitMeta(now() - started));
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
    inFlight.set(key, call);
    try {
      return await call;
    } finally {
      inFlight.delete(key);
    }
  });
}

function hitMeta(latencyMs: number): CallMeta {
  return { cached: true, costUsd: 0, latencyMs, attempts: 0 };
}
