import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { firstEvent } from '../../src/util/firstEvent.js';

describe('firstEvent', () => {
  it('resolves with the first of the named events and leaves no listener behind', async () => {
    const emitter = new EventEmitter();
    const first = firstEvent(emitter, ['drain', 'close']);
    expect(emitter.listenerCount('drain')).toBe(1);
    expect(emitter.listenerCount('close')).toBe(1);
    emitter.emit('other');
    emitter.emit('close');
    emitter.emit('drain');
    await expect(first).resolves.toBe('close');
    expect(emitter.listenerCount('drain')).toBe(0);
    expect(emitter.listenerCount('close')).toBe(0);
  });

  it('waits while none of the named events comes', async () => {
    const emitter = new EventEmitter();
    let settled = false;
    void firstEvent(emitter, ['SIGINT', 'SIGTERM']).then(() => (settled = true));
    emitter.emit('drain');
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    emitter.emit('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(true);
  });
});
