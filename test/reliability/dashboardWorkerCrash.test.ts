/**
 * Item 5 of issue 16, under failure: a dashboard answer worker that dies in the middle of a request (an uncaught
 * exception, an exit, or terminated from outside) fails that request at once with a 503 that says so (never a
 * hang), a new worker is started, and the next requests, the same one included, are answered.
 */
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../src/server/dashboard/api.js';
import { startDashboard, type DashboardServer } from '../../src/server/dashboard/app.js';
import { answerWorkers } from '../../src/server/dashboard/answerWorkers.js';
import { writeDashboardRun as writeRun } from '../support/dashboardRuns.js';
/** Records of the run whose answer the fault interrupts. */
const BIG = 20_000;
/** A request failed by a dead worker is answered within this; a hang would reach the test's timeout. */
const MAX_FAILURE_MS = 5000;

describe('a dashboard answer worker that dies mid-request', () => {
  let root: string;
  let server: DashboardServer;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-worker-crash-'));
    writeRun(root, 'big', BIG);
    writeRun(root, 'small', 4);
    // recheckMs 0 and no stale answers: a big run whose file changed is computed again by the next request.
    server = await startDashboard({ runsDir: root, uiDir: root, cache: { recheckMs: 0, serveStale: false } });
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (id: string) => fetch(`${server.url}/api/run?id=${id}`);

  for (const fault of ['throw', 'exit', 'terminate'] as const) {
    it(`(${fault}) fails that request with a clear 503, and the next requests are served by a new worker`, async () => {
      expect((await get('small')).status).toBe(200); // a worker is running
      // The big run is held by a worker already running (a run goes to its worker: one being started would take the fault only once loaded).
      expect((await get('big')).status).toBe(200);
      const before = answerWorkers.threadIds;
      expect(before.length).toBeGreaterThan(0);
      const changed = new Date(Date.now() + 1000 * ['throw', 'exit', 'terminate'].indexOf(fault));
      utimesSync(join(root, 'big', 'records.jsonl'), changed, changed); // so its answer is computed now, not served as kept
      const asked = performance.now();
      const big = get('big');
      // Once its job is in a worker, the big answer is being computed (its job is handled between the reads of records.jsonl, so a fault sent now arrives mid-answer).
      while (answerWorkers.pendingJobs === 0) await sleep(5);
      answerWorkers.injectFault(fault);
      const failed = await big;
      const failedMs = performance.now() - asked;
      const body = (await failed.json()) as { error: { message: string } };
      expect(failed.status).toBe(503);
      expect(failed.headers.get('retry-after')).toBe('1');
      expect(body.error.message).toMatch(/answer worker stopped .* while computing this answer; it has been restarted: try again/);
      expect(failedMs).toBeLessThan(MAX_FAILURE_MS);

      const again = await get('big');
      expect(again.status).toBe(200);
      expect(((await again.json()) as RunDetail).summary.scored).toBe(BIG);
      expect((await get('small')).status).toBe(200);
      expect((await fetch(`${server.url}/api/runs`)).status).toBe(200);
      expect(answerWorkers.threadIds.some((id) => !before.includes(id))).toBe(true);
    }, 300_000);
  }
});
