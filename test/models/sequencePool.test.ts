import { describe, expect, it } from 'vitest';
import { SequencePool } from '../../src/models/providers/sequencePool.js';

/** A promise and its resolver, to hold a task open. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('SequencePool', () => {
  it('lends each item to one task at a time and runs up to its size at once', async () => {
    const pool = new SequencePool(['a', 'b']);
    const inUse = new Set<string>();
    let most = 0;
    const gates = [gate(), gate(), gate()];
    const order: string[] = [];
    const tasks = gates.map((g, i) =>
      pool.use(async (item) => {
        expect(inUse.has(item)).toBe(false);
        inUse.add(item);
        most = Math.max(most, inUse.size);
        order.push(`start ${i}`);
        await g.opened;
        inUse.delete(item);
        return item;
      }),
    );
    await Promise.resolve();
    expect(order).toEqual(['start 0', 'start 1']); // the third waits
    gates[0]!.open();
    await tasks[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['start 0', 'start 1', 'start 2']);
    gates[1]!.open();
    gates[2]!.open();
    expect(await Promise.all(tasks)).toEqual(['a', 'b', 'a']); // the freed item went to the waiting task
    expect(most).toBe(2);
  });

  it('gives a task the free item it scores highest, and takes an item back when its task throws', async () => {
    const pool = new SequencePool([1, 5, 3]);
    expect(
      await pool.use(
        async (item) => item,
        (item) => item,
      ),
    ).toBe(5);
    expect(
      await pool.use(
        async (item) => item,
        (item) => -item,
      ),
    ).toBe(1);
    await expect(pool.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const all = await Promise.all([1, 2, 3].map(() => pool.use(async (item) => item)));
    expect(all.sort()).toEqual([1, 3, 5]);
  });

  it('drains: waits for lent items to come back, then lends nothing', async () => {
    const pool = new SequencePool(['x']);
    const held = gate();
    const running = pool.use(() => held.opened);
    let drained = false;
    const draining = pool.drain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    held.open();
    await running;
    await draining;
    expect(drained).toBe(true);
    expect(() => new SequencePool([])).toThrow(RangeError);
  });
});
