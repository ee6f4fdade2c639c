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
    // One promise settled by whichever comes first (the answer, the timer, the caller's abort): no race over a
    // second promise and no listener on our own signal, which cost a few percent of a fast eval's main thread.
    return new Promise<ModelResponse>((resolve, reject) => {
      const controller = new AbortController();
      const finish = () => {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onOuterAbort);
      };
      const giveUp = (reason: unknown) => {
        if (controller.signal.aborted) return;
        controller.abort(reason);
        finish();
        reject(reason);
      };
      const onOuterAbort = () => giveUp(asAborted(outer?.reason));
      outer?.addEventListener('abort', onOuterAbort, { once: true });
      const timer = setTimeout(() => giveUp(new ModelError('timeout', `no answer from ${model.spec} within ${timeoutMs} ms`)), timeoutMs);
      const settle = (error: unknown) => {
        finish();
        // Providers report an abort in their own way; the reason we aborted with is the truth.
        reject(controller.signal.aborted ? controller.signal.reason : error);
      };
      try {
        next(request, { ...callOptions, signal: controller.signal }).then((response) => {
          finish();
          resolve(response);
        }, settle);
      } catch (error) {
        settle(error);
      }
    });
  });
}
