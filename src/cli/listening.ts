/** What `serve` and `ui` share as long-running local servers: the exposure warning and waiting for Ctrl-C. */

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Warns on stderr when `host` is not this machine only: the servers have no authentication. */
export function warnIfExposed(host: string, whatAnyoneCanDo: string): void {
  if (!LOOPBACK.has(host)) {
    process.stderr.write(`warning: listening on ${host} without authentication: anyone who can reach it can ${whatAnyoneCanDo}\n`);
  }
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, or a process manager stopping the command). */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
