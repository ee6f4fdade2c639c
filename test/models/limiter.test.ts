import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { EndpointLimiter, withLimiter } from '../../src/models/middleware/limiter.js';
import { withRetry } from '../../src/models/middleware/retry.js';
import type { GenerateRequest } from '../../src/models/types.js';
import { defaultAnswer, delay, FakeModel, ManualClock, settle } from './fakes.js';

const request = (i: number): GenerateRequest => ({ prompt: `question ${i}`, maxTokens: 10 });

describe('EndpointLimiter concurrency', () => {
  it('never has more calls in flight than the limit, and runs them all', async () => {
    const inner = new FakeModel({
      behaviour: async (call) => {
        await delay(5);
        return defaultAnswer(call);
      },
    });
    const limiter = new EndpointLimiter({ concurrency: 4 });
    const model = withLimiter(inner, { limiter });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => model.generate(request(i))));
    expect(answers).toHaveLength(40);
    expect(inner.maxInFlight).toBe(4);
    expect(limiter.maxInFlight).toBe(4);
    expect(limiter.inFlight).toBe(0);
  });

  it('frees the slot of a failed call', async () => {
    const inner = new FakeModel({
      behaviour: (call, index) => {
        if (index % 2 === 0) throw new ModelError('bad_request', 'HTTP 400');
        return defaultAnswer(call);
      },
    });
    const limiter = new EndpointLimiter({ concurrency: 1 });
    const model = withLimiter(inner, { limiter });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => model.generate(request(i))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(limiter.inFlight).toBe(0);
  });

  it('lets a queued call leave the queue when its caller aborts', async () => {
    const limiter = new EndpointLimiter({ concurrency: 1 });
    const held = await limiter.acquire(1);
    const controller = new AbortController();
    const queued = limiter.acquire(1, controller.signal);
    controller.abort();
    await expect(queued).rejects.toMatchObject({ kind: 'aborted' });
    held.release();
    const next = await limiter.acquire(1);
    expect(limiter.inFlight).toBe(1);
    next.release();
    expect(limiter.inFlight).toBe(0);
  });
});

describe('EndpointLimiter per-minute limits', () => {
  it('holds requests beyond requestsPerMinute until the sliding minute frees room', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter({ requestsPerMinute: 3 }, clock);
    const granted: number[] = [];
    for (let i = 0; i < 5; i++) {
      void limiter.acquire(1).then((permit) => {
        granted.push(clock.now());
        permit.release();
      });
    }
    await settle();
    expect(granted).toEqual([0, 0, 0]);
    await clock.advance(59_999);
    expect(granted).toHaveLength(3);
    await clock.advance(1);
    expect(granted).toEqual([0, 0, 0, 60_000, 60_000]);
  });

  it('holds calls beyond tokensPerMinute, using the real usage once known', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter({ tokensPerMinute: 1000 }, clock);
    const first = await limiter.acquire(800);
    let secondAt: number | undefined;
    void limiter.acquire(500).then((permit) => {
      secondAt = clock.now();
      permit.release(500);
    });
    await clock.advance(1000);
    expect(secondAt).toBeUndefined();
    // The first call really used 300 tokens: 300 + 500 fits.
    first.release(300);
    await clock.advance(1000);
    expect(secondAt).toBe(2000);

    // Window now holds 300 (t=0) + 500 (t=2000): a 400-token call waits for the first to expire.
    let thirdAt: number | undefined;
    void limiter.acquire(400).then((permit) => {
      thirdAt = clock.now();
      permit.release();
    });
    await clock.advance(70_000);
    expect(thirdAt).toBe(60_000);
  });

  it('lets one call larger than the whole limit through when the window is empty', async () => {
    const limiter = new EndpointLimiter({ tokensPerMinute: 100 }, new ManualClock());
    const permit = await limiter.acquire(5000);
    permit.release();
  });
});

describe('Retry-After pauses the whole endpoint', () => {
  it('makes every queued and retried call wait until the pause ends', async () => {
    const clock = new ManualClock();
    const sentAt: number[] = [];
    const inner = new FakeModel({
      behaviour: (call, index) => {
        sentAt.push(clock.now());
        if (index === 0) throw new ModelError('rate_limit', 'HTTP 429', { status: 429, retryAfterSeconds: 10 });
        return defaultAnswer(call);
      },
    });
    const limiter = new EndpointLimiter({ concurrency: 1 }, clock);
    // Retry above the limiter (as in the hub), with no backoff of its own: only the pause holds calls.
    const model = withRetry(withLimiter(inner, { limiter, clock }), { sleep: clock.sleep, random: () => 0, maxRetries: 2 });
    const first = model.generate(request(0));
    const others = [model.generate(request(1)), model.generate(request(2))];
    await settle();
    expect(sentAt).toEqual([0]);
    await clock.advance(9_999);
    expect(sentAt).toEqual([0]);
    await clock.advance(1);
    const answers = await Promise.all([first, ...others]);
    expect(answers[0]!.meta?.attempts).toBe(2);
    expect(sentAt).toHaveLength(4);
    expect(sentAt.slice(1).every((t) => t >= 10_000)).toBe(true);
  });

  it('pauses calls already holding a slot too, not only those queued', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter({ concurrency: 10 }, clock);
    limiter.pauseFor(5000);
    let acquiredAt: number | undefined;
    void limiter.acquire(1).then((permit) => {
      acquiredAt = clock.now();
      permit.release();
    });
    await clock.advance(4999);
    expect(acquiredAt).toBeUndefined();
    expect(limiter.inFlight).toBe(1);
    await clock.advance(1);
    expect(acquiredAt).toBe(5000);
  });
});

describe('EndpointLimiter.tryAcquire', () => {
  it('gives a permit at once while a slot is free and nothing holds calls back, else nothing (acquire waits)', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter({ concurrency: 2, requestsPerMinute: 3 }, clock);
    const first = limiter.tryAcquire(0);
    const second = limiter.tryAcquire(0);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(limiter.tryAcquire(0)).toBeUndefined(); // both slots taken
    first!.release();
    const aborted = new AbortController();
    aborted.abort();
    expect(limiter.tryAcquire(0, aborted.signal)).toBeUndefined();
    const third = limiter.tryAcquire(0);
    expect(third).toBeDefined(); // the third request of the minute
    third!.release();
    expect(limiter.tryAcquire(0)).toBeUndefined(); // the per-minute window is full
    limiter.pauseFor(10);
    second!.release();
    expect(limiter.inFlight).toBe(0);
    expect(limiter.tryAcquire(0)).toBeUndefined();
    const waiting = limiter.acquire(0);
    clock.advance(60_000);
    await settle();
    (await waiting).release();
    expect(limiter.inFlight).toBe(0);
  });
});
