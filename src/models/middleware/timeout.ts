/**
 * Per-attempt timeout: each call below gets an AbortSignal that aborts after `timeoutMs` with
 * reason ModelError('timeout'); the call is given up at that moment even if the provider ignores
 * the signal. A caller's own signal is passed on too (its abort ends the call as 'aborted').
 *
 * Calls without a caller's signal share one AbortController and one timer with the calls that start in the
 * same window (a hundredth of the timeout, at most a second): making an AbortController costs more than the
 * rest of the layer, and a run of thousands of calls needs a few a second instead of one per call. The
 * window's timer fires `timeoutMs` after the window closes, so every call still gets at least `timeoutMs`
 * (at most a hundredth more); it gives up on the window's calls still pending, each with its own error.
 */
import { setMaxListeners } from 'node:events';
import { asAborted, ModelError } from '../core/errors.js';
import type { CallOptions, LanguageModel, ModelRequest, ModelResponse } from '../types.js';
import { type NextCall, wrapModel } from './wrap.js';

export const DEFAULT_TIMEOUT_MS = 120_000;

/** The widest window of calls sharing a timer, in milliseconds. */
const MAX_WINDOW_MS = 1000;

export function withTimeout(model: LanguageModel, options: { timeoutMs?: number } = {}): LanguageModel {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const windowMs = Math.min(MAX_WINDOW_MS, timeoutMs / 100);
  const timedOut = () => new ModelError('timeout', `no answer from ${model.spec} within ${timeoutMs} ms`);
  let open: TimeoutWindow | undefined;
  return wrapModel(model, (_kind, request, callOptions, next) => {
    const outer = callOptions?.signal;
    if (outer) return withOwnSignal(outer, request, callOptions, next, timeoutMs, timedOut);
    const now = performance.now();
    if (!open || now >= open.closesAt || open.signal.aborted) open = new TimeoutWindow(now + windowMs, timeoutMs + windowMs, timedOut);
    return open.run(request, callOptions, next);
  });
}

/** The calls started within one window: one controller, one timer, and how to give up on each call still pending. */
class TimeoutWindow {
  private readonly controller = new AbortController();
  private readonly pending = new Set<(reason: unknown) => void>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly closesAt: number,
    expiresInMs: number,
    private readonly timedOut: () => ModelError,
  ) {
    // Every pending call of the window listens on this one signal (through its provider); no leak warning for that.
    setMaxListeners(0, this.controller.signal);
    this.timer = setTimeout(() => this.expire(), expiresInMs);
    // The timer keeps the process alive only while a call of the window is pending, as a per-call timer would.
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  run(request: ModelRequest, callOptions: CallOptions | undefined, next: NextCall): Promise<ModelResponse> {
    return new Promise<ModelResponse>((resolve, reject) => {
      if (this.pending.size === 0) this.timer.ref();
      this.pending.add(reject);
      const settled = () => {
        if (!this.pending.delete(reject)) return false;
        if (this.pending.size === 0) this.timer.unref();
        return true;
      };
      try {
        next(request, { ...callOptions, signal: this.controller.signal }).then(
          (response) => {
            if (settled()) resolve(response);
          },
          (error: unknown) => {
            if (settled()) reject(error);
          },
        );
      } catch (error) {
        if (settled()) reject(error);
      }
    });
  }

  private expire(): void {
    if (this.pending.size === 0) return;
    this.controller.abort(this.timedOut());
    const pending = [...this.pending];
    this.pending.clear();
    for (const giveUp of pending) giveUp(this.timedOut());
  }
}

/** A call with the caller's signal: its own controller and timer, aborted by whichever comes first. */
function withOwnSignal(
  outer: AbortSignal,
  request: ModelRequest,
  callOptions: CallOptions | undefined,
  next: NextCall,
  timeoutMs: number,
  timedOut: () => ModelError,
): Promise<ModelResponse> {
  if (outer.aborted) return Promise.reject(asAborted(outer.reason));
  // One promise settled by whichever comes first (the answer, the timer, the caller's abort): no race over a
  // second promise and no listener on our own signal, which cost a few percent of a fast eval's main thread.
  return new Promise<ModelResponse>((resolve, reject) => {
    const controller = new AbortController();
    const finish = () => {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuterAbort);
    };
    const giveUp = (reason: unknown) => {
      if (controller.signal.aborted) return;
      controller.abort(reason);
      finish();
      reject(reason);
    };
    const onOuterAbort = () => giveUp(asAborted(outer.reason));
    outer.addEventListener('abort', onOuterAbort, { once: true });
    const timer = setTimeout(() => giveUp(timedOut()), timeoutMs);
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
}
