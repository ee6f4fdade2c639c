/**
 * Observe middleware: reports every call (cached or not, successful or failed) to the usage
 * tracker, which keeps totals and notifies per-call listeners.
 */
import { isModelError } from '../core/errors.js';
import type { UsageTracker } from '../usage.js';
import type { LanguageModel } from '../types.js';
import { attemptsMade } from './retry.js';
import { wrapModel } from './wrap.js';

export function withUsageTracking(model: LanguageModel, options: { tracker: UsageTracker; now?: () => number }): LanguageModel {
  const { tracker } = options;
  const now = options.now ?? (() => performance.now());
  return wrapModel(model, async (kind, request, callOptions, next) => {
    const started = now();
    try {
      const response = await next(request, callOptions);
      const meta = response.meta;
      tracker.record({
        spec: model.spec,
        kind,
        cached: meta?.cached ?? false,
        usage: response.usage,
        costUsd: meta?.costUsd ?? 0,
        latencyMs: meta?.latencyMs ?? now() - started,
        attempts: meta?.attempts ?? 1,
      });
      return response;
    } catch (error) {
      const errorKind = isModelError(error) ? error.kind : 'unknown';
      tracker.record({
        spec: model.spec,
        kind,
        cached: false,
        usage: { promptTokens: 0, completionTokens: 0 },
        costUsd: 0,
        latencyMs: now() - started,
        attempts: attemptsMade(error) ?? 0,
        error: `${errorKind}: ${error instanceof Error ? error.message : String(error)}`,
        errorKind,
      });
      throw error;
    }
  });
}
