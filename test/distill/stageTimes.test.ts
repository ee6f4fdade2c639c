/** Per-stage CPU seconds and what they imply for an idle machine: a range, labelled as not measured. */
import { describe, expect, it } from 'vitest';
import { computeLines, formatDuration, idleWallRange, StageClock } from '../../src/distill/stageTimes.js';

/** Keeps one thread busy for about `ms` milliseconds. */
function spin(ms: number): number {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  return x;
}

describe('StageClock', () => {
  it('records each stage in order with CPU seconds that a busy stage uses and a sleeping one does not', async () => {
    const clock = new StageClock();
    await clock.measure('busy', () => spin(300));
    await clock.measure('asleep', () => new Promise((done) => setTimeout(done, 300)));
    const [busy, asleep] = clock.stages();
    expect(busy!.stage).toBe('busy');
    expect(asleep!.stage).toBe('asleep');
    // One thread busy for 0.3 s of wall time: its CPU seconds cannot exceed the wall time by much (one thread);
    // on a loaded machine it may get less than all of it, but not almost nothing.
    expect(busy!.cpuSeconds).toBeGreaterThan(0.03);
    expect(busy!.cpuSeconds).toBeLessThanOrEqual(busy!.wallSeconds + 0.05);
    expect(asleep!.wallSeconds).toBeGreaterThanOrEqual(0.29);
    expect(asleep!.cpuSeconds).toBeLessThan(busy!.cpuSeconds);
  });

  it('records a stage that throws, and passes the error on', async () => {
    const clock = new StageClock();
    await expect(clock.measure('fails', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(clock.stages().map((s) => s.stage)).toEqual(['fails']);
  });
});

describe('the idle range', () => {
  it('is CPU / cores at best and the CPU seconds at worst', () => {
    expect(idleWallRange(532, 2)).toEqual({ cores: 2, atLeastSeconds: 266, atMostSeconds: 532 });
    expect(() => idleWallRange(10, 0)).toThrow(RangeError);
  });

  it('is printed as a range from the CPU seconds, never as a measured idle time', () => {
    const lines = computeLines(
      [
        { stage: 'data', cpuSeconds: 0.4, wallSeconds: 1 },
        { stage: 'students', cpuSeconds: 531.6, wallSeconds: 3360 },
      ],
      { cpuSeconds: 532, wallSeconds: 3361 },
    );
    const text = lines.join('\n');
    expect(text).toMatch(/students\s+532 s CPU/);
    expect(text).toMatch(/total\s+532 s CPU\s+\(56 min 1 s wall here/);
    expect(text).toContain('On 2 idle cores this would take between 4 min 26 s (both cores busy throughout) and 8 min 52 s (one core at a time)');
    expect(text).toContain('not a measured idle time');
  });

  it('formats durations', () => {
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(268)).toBe('4 min 28 s');
  });
});
