/**
 * Per-attempt timeout: each call below gets an AbortSignal that aborts after `timeoutMs` with
 * reason ModelError('timeout'); the call is given up at that moment even if the provider ignores
 * the signal. A caller's own signal is passed on too (its abort ends the call as 'aborted').
 */
import { asAborted, ModelError } from '../core/errors.js';
import type { LanguageModel, ModelResponse } from '../types.js';
import { wrapModel } from './wrap.js';

export const DEFAULT_TIMEOUT_MS = 120_000;

export function withTimeout(model: LanguageModel, options: { timeoutMs?: number } = {}): LanguageModel {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return wrapModel(model, (_kind, request, callOptions, next) => {
    const outer = callOptions?.signal;
    if (outer?.aborted) return Promise.reject(asAborted(outer.reason));
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(asAborted(outer?.reason));
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new ModelError('timeout', `no answer from ${model.spec} within ${timeoutMs} ms`)), timeoutMs);
    const gaveUp = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    const call = next(request, { ...callOptions, signal: controller.signal }).catch((error: unknown) => {
      // Providers report an abort in their own way; the reason we aborted with is the truth.
      throw controller.signal.aborted ? controller.signal.reason : error;
    });
    return Promise.race<ModelResponse>([call, gaveUp]).finally(() => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    });
  });
}
