/** The one event-listening shape both a server's back-pressure and a command's Ctrl-C need. */
import type { EventEmitter } from 'node:events';

/** Resolves with the name of the first of `names` that `emitter` emits, then stops listening to all of them. */
export function firstEvent<Name extends string>(emitter: EventEmitter, names: readonly Name[]): Promise<Name> {
  return new Promise((resolve) => {
    const listeners = names.map((name) => {
      const listener = () => {
        for (const [other, registered] of listeners) emitter.off(other, registered);
        resolve(name);
      };
      return [name, listener] as const;
    });
    for (const [name, listener] of listeners) emitter.on(name, listener);
  });
}
