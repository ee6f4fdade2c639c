/**
 * Meter middleware: completes the metadata of a real (uncached) call — its dollar cost from the
 * price table, its latency, and the attempts reported by the retry layer below.
 */
import type { Pricer } from '../pricing.js';
import type { LanguageModel } from '../types.js';
import { withMeta } from '../core/meta.js';
import { wrapModel } from './wrap.js';

export function withMeter(model: LanguageModel, options: { pricer: Pricer; now?: () => number }): LanguageModel {
  const { pricer } = options;
  const now = options.now ?? (() => performance.now());
  return wrapModel(model, async (_kind, request, callOptions, next) => {
    const started = now();
    const response = await next(request, callOptions);
    return withMeta(response, {
      cached: false,
      costUsd: pricer.cost(model.provider, model.modelName, response.usage),
      latencyMs: now() - started,
      attempts: response.meta?.attempts ?? 1,
    });
  });
}
