/** Cleanups registered during a test run after it, last first (a failing cleanup does not stop the others). */
import { afterEach } from 'vitest';

export function cleanupAfterEach(): (cleanup: () => unknown) => void {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the test's own assertions are what matters.
      }
    }
  });
  return (cleanup) => void cleanups.push(cleanup);
}
