/** What `serve` and `ui` share as long-running local servers: the key rule for exposed hosts and waiting for Ctrl-C. */
import { isLoopbackHost } from '../server/access.js';
import { InputError } from '../util/errors.js';
import { firstEvent } from '../util/firstEvent.js';
import { registerSecret } from '../util/redact.js';

/**
 * The key clients of a server must present (`--server-key`, or APPRENTICE_SERVER_KEY). Required when
 * the server binds anything but loopback: otherwise anyone who can reach it could `whatAnyoneCanDo`.
 */
export function serverKeyFor(host: string, given: string | undefined, whatAnyoneCanDo: string): string | undefined {
  const key = given ?? (process.env.APPRENTICE_SERVER_KEY || undefined);
  if (key !== undefined && key.length < 16) throw new InputError('the server key must be at least 16 characters', { field: 'server-key' });
  if (!key && !isLoopbackHost(host)) {
    throw new InputError(
      `listening on ${host} would let anyone who can reach it ${whatAnyoneCanDo}; give a key clients must send (--server-key <token> or APPRENTICE_SERVER_KEY), or bind 127.0.0.1`,
      { field: 'host' },
    );
  }
  registerSecret(key);
  return key;
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, or a process manager stopping the command). */
export async function untilInterrupted(): Promise<void> {
  await firstEvent(process, ['SIGINT', 'SIGTERM']);
}
