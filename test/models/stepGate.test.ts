import { describe, expect, it } from 'vitest';
import { StepGate } from '../../src/models/providers/stepGate.js';

/** Lets every pending microtask run (not macrotasks). */
const microtasks = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('StepGate', () => {
  it('lets a lone generation go on at once', async () => {
    const gate = new StepGate();
    let passed = false;
    void gate.arrive('a').then(() => (passed = true));
    await microtasks();
    expect(passed).toBe(true);
  });

  it('holds every member until the last one arrives, then lets them all go in a later macrotask', async () => {
    const gate = new StepGate();
    const passed: string[] = [];
    const go = (member: string) => void gate.arrive(member).then(() => passed.push(member));
    go('a'); // alone: passes
    await microtasks();
    go('b'); // b joins; a has not arrived again
    go('a');
    await microtasks();
    expect(passed).toEqual(['a']); // released only after the batch loop had its chance to stop
    await macrotask();
    expect(passed.sort()).toEqual(['a', 'a', 'b']);
  });

  it('does not wait for a member that left, and a late arrival joins the pending release', async () => {
    const gate = new StepGate();
    const passed: string[] = [];
    const go = (member: string) => void gate.arrive(member).then(() => passed.push(member));
    go('a'); // alone: passes
    go('b');
    go('c');
    go('a'); // all three have arrived
    await macrotask();
    expect(passed.sort()).toEqual(['a', 'a', 'b', 'c']);
    passed.length = 0;
    go('a');
    go('b');
    await macrotask();
    expect(passed).toEqual([]); // c has not arrived
    gate.leave('c');
    go('d'); // arrives before the release runs: goes with it
    await macrotask();
    expect(passed.sort()).toEqual(['a', 'b', 'd']);
  });
});
