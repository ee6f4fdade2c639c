/**
 * The dashboard's answer workers (answerWorkers.ts) under routing and failure: each run is read and kept by one
 * worker only, different runs by different workers; a worker that does not answer within the job's time limit
 * is stopped and replaced, its request failing with a 503 that says so while the server keeps answering; and a
 * crashed worker's runs are read again by a new worker while the other worker keeps what it holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExamplesPage, RunDetail, RunsResponse } from '../../src/server/dashboard/api.js';
import { startDashboard, type DashboardServer } from '../../src/server/dashboard/app.js';
import { answerWorkers } from '../../src/server/dashboard/answerWorkers.js';
import { writeDashboardRun } from '../support/dashboardRuns.js';

const RECORDS = 3000;
/** The time limit of the second dashboard's answers (the first has the default, minutes: the machine may be loaded). */
const TIMEOUT_MS = 3000;

/** The threads holding each run folder, as the workers report it. */
async function holders(): Promise<Map<string, number[]>> {
  const byRun = new Map<string, number[]>();
  for (const [thread, dirs] of await answerWorkers.loadedRuns()) {
    for (const dir of dirs) byRun.set(dir, [...(byRun.get(dir) ?? []), thread]);
  }
  return byRun;
}

describe("the dashboard's answer workers", () => {
  let root: string;
  let server: DashboardServer;
  /** A dashboard of the same folder, whose answers have TIMEOUT_MS each. */
  let impatient: DashboardServer;
  let a: string;
  let b: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-answer-workers-'));
    writeDashboardRun(root, 'a', RECORDS);
    writeDashboardRun(root, 'b', RECORDS);
    a = resolve(root, 'a');
    b = resolve(root, 'b');
    server = await startDashboard({ runsDir: root, uiDir: root, cache: { recheckMs: 0, serveStale: false } });
    impatient = await startDashboard({ runsDir: root, uiDir: root, cache: { recheckMs: 0, serveStale: false }, answerTimeoutMs: TIMEOUT_MS });
  });
  afterAll(async () => {
    await server.close();
    await impatient.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(`${server.url}${path}`);
  let offset = 0;
  /** A page of a run's examples not asked for before (so computed by a worker, not kept by the dashboard). */
  const freshPage = async (id: string) => {
    const at = ++offset;
    const page = (await (await get(`/api/run/examples?id=${id}&offset=${at}`)).json()) as ExamplesPage;
    expect(page.rows[0]!.index).toBe(at);
  };
  const runPage = async (id: string) => {
    const response = await get(`/api/run?id=${id}`);
    expect(response.status).toBe(200);
    return (await response.json()) as RunDetail;
  };

  it('reads each run in one worker only, the two runs in different workers', async () => {
    const list = (await (await get('/api/runs')).json()) as RunsResponse;
    expect(list.runs.map((run) => [run.id, run.records])).toEqual(
      expect.arrayContaining([
        ['a', RECORDS],
        ['b', RECORDS],
      ]),
    );
    // Many requests at once over both runs, pages deep in the tables included.
    const pages = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const id = i % 2 ? 'a' : 'b';
        if (i % 3) return (await runPage(id)).summary.scored;
        const page = (await (await get(`/api/run/examples?id=${id}&offset=${100 * i}`)).json()) as ExamplesPage;
        return page.rows[0]!.index;
      }),
    );
    expect(pages.filter((_, i) => i % 3).every((scored) => scored === RECORDS)).toBe(true);
    const held = await holders();
    expect(held.get(a)).toHaveLength(1);
    expect(held.get(b)).toHaveLength(1);
    expect(held.get(a)![0]).not.toBe(held.get(b)![0]);
  }, 60_000);

  it('stops a worker that does not answer in time, fails its request with a clear 503, and answers the next with a new worker', async () => {
    await freshPage('a');
    const before = await holders();
    const [hungThread] = before.get(a)!;
    const [otherThread] = before.get(b)!;
    answerWorkers.injectFault('hang', hungThread);
    const asked = performance.now();
    const page = fetch(`${impatient.url}/api/run/examples?id=a&offset=2999`); // computed by a's worker
    // Meanwhile the server answers, and the other worker too.
    expect((await get('/api/nothing')).status).toBe(404);
    await freshPage('b');
    const failed = await page;
    const failedMs = performance.now() - asked;
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect(((await failed.json()) as { error: { message: string } }).error.message).toMatch(
      /answer worker stopped \(an answer took longer than 3\.0 s, so the worker was taken to be hung\) while computing this answer; it has been restarted: try again/,
    );
    expect(failedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(failedMs).toBeLessThan(TIMEOUT_MS + 10_000);
    while (answerWorkers.threadIds.includes(hungThread!)) await sleep(10); // terminated
    await freshPage('a');
    const after = await holders();
    expect(after.get(a)).toHaveLength(1);
    expect(after.get(a)![0]).not.toBe(hungThread);
    expect(after.get(b)).toEqual([otherThread]);
  }, 60_000);

  it("reads a crashed worker's runs again in a new worker, and the other worker keeps its runs", async () => {
    await Promise.all([freshPage('a'), freshPage('b')]);
    const before = await holders();
    const [crashed] = before.get(a)!;
    const [kept] = before.get(b)!;
    answerWorkers.injectFault('exit', crashed);
    while (answerWorkers.threadIds.includes(crashed!)) await sleep(10);
    await Promise.all([freshPage('a'), freshPage('b')]);
    const after = await holders();
    expect(after.get(a)).toHaveLength(1);
    expect(after.get(a)![0]).not.toBe(crashed);
    expect(after.get(b)).toEqual([kept]);
    expect((await get('/api/runs')).status).toBe(200);
  }, 60_000);
});
