import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { toModelError } from '../../src/models/core/errors.js';
import { attemptsMade, backoffDelayMs, withRetry } from '../../src/models/middleware/retry.js';
import { withTimeout } from '../../src/models/middleware/timeout.js';
import type { GenerateRequest } from '../../src/models/types.js';
import { defaultAnswer, delay, FakeModel } from './fakes.js';

const request: GenerateRequest = { prompt: 'Q', maxTokens: 4 };

function recordingSleep() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

describe('backoffDelayMs', () => {
  it('uses full jitter under an exponential ceiling capped at maxDelayMs', () => {
    const options = { baseDelayMs: 500, maxDelayMs: 30_000 };
    expect(backoffDelayMs(1, { ...options, random: () => 0.999999 })).toBeCloseTo(500, 0);
    expect(backoffDelayMs(3, { ...options, random: () => 0.5 })).toBe(1000);
    expect(backoffDelayMs(20, { ...options, random: () => 0.999999 })).toBeLessThanOrEqual(30_000);
    expect(backoffDelayMs(20, { ...options, random: () => 0.999999 })).toBeGreaterThan(29_999);
    for (let attempt = 1; attempt <= 10; attempt++) {
      for (let i = 0; i < 50; i++) {
        const wait = backoffDelayMs(attempt, options);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** (attempt - 1)));
      }
    }
  });

  it('never waits less than Retry-After', () => {
    expect(backoffDelayMs(1, { random: () => 0, retryAfterSeconds: 7 })).toBe(7000);
    expect(backoffDelayMs(8, { random: () => 0.9, retryAfterSeconds: 1 })).toBeGreaterThan(1000);
  });
});

describe('withRetry', () => {
  it('retries retryable failures with backoff and reports the attempts', async () => {
    const inner = new FakeModel({
      behaviour: (call, index) => {
        if (index === 0) throw new ModelError('server', 'HTTP 502', { status: 502 });
        if (index === 1) throw new ModelError('rate_limit', 'HTTP 429', { status: 429, retryAfterSeconds: 3 });
        return defaultAnswer(call);
      },
    });
    const { sleeps, sleep } = recordingSleep();
    const model = withRetry(inner, { sleep, random: () => 0.5, baseDelayMs: 100 });
    const answer = await model.generate(request);
    expect(answer.meta?.attempts).toBe(3);
    expect(inner.calls).toHaveLength(3);
    expect(sleeps).toEqual([50, 3000]);
  });

  it('does not retry non-retryable kinds', async () => {
    const inner = new FakeModel({
      behaviour: () => {
        throw new ModelError('auth', 'HTTP 401', { status: 401 });
      },
    });
    const { sleeps, sleep } = recordingSleep();
    const error = await withRetry(inner, { sleep })
      .generate(request)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth' });
    expect(attemptsMade(error)).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('gives up after maxRetries + 1 attempts with the last error', async () => {
    const inner = new FakeModel({
      behaviour: (_call, index) => {
        throw new ModelError('server', `HTTP 500 #${index}`, { status: 500 });
      },
    });
    const { sleeps, sleep } = recordingSleep();
    const error = await withRetry(inner, { sleep, maxRetries: 2 })
      .generate(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).message).toBe('HTTP 500 #2');
    expect(attemptsMade(error)).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('wraps anything else a provider throws as a typed ModelError keeping the cause', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(toModelError(refused)).toMatchObject({ kind: 'network', cause: refused });
    expect(toModelError(new TypeError('fetch failed', { cause: refused })).kind).toBe('network');
    expect(toModelError(new SyntaxError('Unexpected token < in JSON'))).toMatchObject({ kind: 'bad_response' });
    expect(toModelError('weird')).toMatchObject({ kind: 'bad_response', message: 'weird' });

    const inner = new FakeModel({
      behaviour: (call, index) => {
        if (index === 0) throw refused;
        return defaultAnswer(call);
      },
    });
    const answer = await withRetry(inner, { sleep: async () => {} }).generate(request);
    expect(answer.meta?.attempts).toBe(2);
  });

  it('stops at once when the caller aborts', async () => {
    const controller = new AbortController();
    const inner = new FakeModel({
      behaviour: () => {
        controller.abort();
        throw new ModelError('server', 'HTTP 500');
      },
    });
    const error = await withRetry(inner, { sleep: async () => {} })
      .generate(request, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'aborted' });
    expect(inner.calls).toHaveLength(1);
  });
});

describe('withTimeout', () => {
  it('aborts a slow attempt with ModelError("timeout") passed as the signal reason', async () => {
    let seenReason: unknown;
    const inner = new FakeModel({
      behaviour: (call) =>
        new Promise((_, reject) => {
          call.options!.signal!.addEventListener('abort', () => {
            seenReason = call.options!.signal!.reason;
            reject(new Error('provider-specific abort error'));
          });
        }),
    });
    const error = await withTimeout(inner, { timeoutMs: 20 })
      .generate(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: 'timeout' });
    // The signal is shared with the calls of the same window; each call is given up with an error of its own.
    expect(seenReason).toBeInstanceOf(ModelError);
    expect(seenReason).toMatchObject({ kind: 'timeout', message: (error as ModelError).message });
  });

  it('with a caller signal, passes the very error it gives up with as the signal reason', async () => {
    let seenReason: unknown;
    const inner = new FakeModel({
      behaviour: (call) =>
        new Promise((_, reject) => {
          call.options!.signal!.addEventListener('abort', () => {
            seenReason = call.options!.signal!.reason;
            reject(new Error('provider-specific abort error'));
          });
        }),
    });
    const error = await withTimeout(inner, { timeoutMs: 20 })
      .generate(request, { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(seenReason).toBe(error);
  });

  it('calls of one window share a signal; each still gets its whole timeout and its own error, and one answering does not end another', async () => {
    const signals: AbortSignal[] = [];
    const inner = new FakeModel({
      behaviour: async (call, index) => {
        signals.push(call.options!.signal!);
        if (index === 0) return defaultAnswer(call);
        if (index === 1) {
          await delay(120);
          return defaultAnswer(call);
        }
        return new Promise(() => {});
      },
    });
    const model = withTimeout(inner, { timeoutMs: 200 });
    const started = performance.now();
    const [first, second, third, fourth] = await Promise.allSettled([
      model.generate(request),
      model.generate(request),
      model.generate(request),
      model.generate(request),
    ]);
    const waited = performance.now() - started;
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('fulfilled');
    expect(third).toMatchObject({ status: 'rejected', reason: { kind: 'timeout' } });
    expect(fourth).toMatchObject({ status: 'rejected', reason: { kind: 'timeout' } });
    expect((third as PromiseRejectedResult).reason).not.toBe((fourth as PromiseRejectedResult).reason);
    expect(waited).toBeGreaterThanOrEqual(199);
    expect(new Set(signals).size).toBe(1);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('a call started after the window closed gets a signal of its own window, not an aborted one', async () => {
    const signals: AbortSignal[] = [];
    const inner = new FakeModel({
      behaviour: (call) => {
        signals.push(call.options!.signal!);
        return Promise.resolve(defaultAnswer(call));
      },
    });
    const model = withTimeout(inner, { timeoutMs: 100 });
    await model.generate(request);
    await delay(5);
    await model.generate(request);
    expect(signals).toHaveLength(2);
    expect(signals[0]).not.toBe(signals[1]);
    expect(signals.every((signal) => !signal.aborted)).toBe(true);
  });

  it('gives up on a provider that ignores the signal', async () => {
    const inner = new FakeModel({ behaviour: () => new Promise(() => {}) });
    await expect(withTimeout(inner, { timeoutMs: 30 }).generate(request)).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('is per attempt: a timed-out attempt is retried and can then succeed', async () => {
    const inner = new FakeModel({
      behaviour: async (call, index) => {
        if (index === 0) await delay(500);
        return defaultAnswer(call);
      },
    });
    const model = withRetry(withTimeout(inner, { timeoutMs: 50 }), { sleep: async () => {} });
    const answer = await model.generate(request);
    expect(answer.meta?.attempts).toBe(2);
    expect(answer.completions[0]!.text).toBe('echo(Q)#0.0');
  });

  it('passes a caller abort on as ModelError("aborted")', async () => {
    const controller = new AbortController();
    const inner = new FakeModel({ behaviour: () => new Promise(() => {}) });
    const pending = withTimeout(inner, { timeoutMs: 10_000 }).generate(request, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    expect(inner.calls[0]!.options!.signal!.aborted).toBe(true);
  });
});
