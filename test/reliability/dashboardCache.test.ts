/**
 * Item 5 of issue 16: the dashboard computes each answer once per state of its files. Many requests at once
 * cost one computation; a changed records file (same size or not) gives a new answer; gzip and ETag work.
 */
import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerCache, filesStamp } from '../../src/server/dashboard/answerCache.js';
import { buildDashboardApp } from '../../src/server/dashboard/app.js';
import type { RunDetail, RunsResponse } from '../../src/server/dashboard/api.js';
import { tempDirs } from './helpers.js';

const newDir = tempDirs();
const apps: ReturnType<typeof buildDashboardApp>[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

const record = (index: number, correct: boolean, id = `ex-${index}`) =>
  JSON.stringify({ index, id, output: correct ? 'yes' : 'no', extracted: correct ? 'yes' : 'no', gold: 'yes', valid: true, correct }) + '\n';

function runFolder(root: string, name: string, correct: boolean[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ command: 'eval', identity: { dataset: 'x', split: 'test', examples: correct.map((_, i) => i) } }));
  writeFileSync(join(dir, 'records.jsonl'), correct.map((ok, i) => record(i, ok)).join(''));
  return dir;
}

function dashboard(root: string) {
  const app = buildDashboardApp({ runsDir: root, uiDir: root, cache: { recheckMs: 0, serveStale: false } });
  apps.push(app);
  return (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { host: '127.0.0.1', ...headers } });
}

describe('the dashboard answer cache', () => {
  it('a records file changed in place (same size, new mtime) gives the new accuracy, in /api/run and /api/runs', async () => {
    const root = newDir();
    const dir = runFolder(root, 'run-a', [true, true]);
    const get = dashboard(root);
    expect((await get('/api/run?id=run-a')).json<RunDetail>().summary.correct).toBe(2);
    expect((await get('/api/runs')).json<RunsResponse>().runs[0]).toMatchObject({ id: 'run-a', correct: 2 });

    // Same byte count, so only the modification time tells.
    const before = record(0, true) + record(1, true);
    const after = record(0, false, 'ex-00') + record(1, true);
    expect(after.length).toBe(before.length);
    writeFileSync(join(dir, 'records.jsonl'), after);
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'records.jsonl'), later, later);
    expect((await get('/api/run?id=run-a')).json<RunDetail>().summary.correct).toBe(1);
    expect((await get('/api/runs')).json<RunsResponse>().runs[0]).toMatchObject({ id: 'run-a', correct: 1 });

    appendFileSync(join(dir, 'records.jsonl'), record(2, true));
    expect((await get('/api/run?id=run-a')).json<RunDetail>().summary).toMatchObject({ correct: 2, scored: 3 });
  });

  it('a new run folder appears in the list', async () => {
    const root = newDir();
    runFolder(root, 'run-a', [true]);
    const get = dashboard(root);
    expect((await get('/api/runs')).json<RunsResponse>().runs.map((run) => run.id)).toEqual(['run-a']);
    runFolder(root, 'run-b', [false]);
    expect(
      (await get('/api/runs'))
        .json<RunsResponse>()
        .runs.map((run) => run.id)
        .sort(),
    ).toEqual(['run-a', 'run-b']);
  });

  it('answers gzip to a client that accepts it, and 304 to one that has the current version', async () => {
    const root = newDir();
    runFolder(root, 'run-a', [true, false]);
    const get = dashboard(root);
    const plain = await get('/api/run?id=run-a');
    const zipped = await get('/api/run?id=run-a', { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body);
    const etag = String(plain.headers.etag);
    expect((await get('/api/run?id=run-a', { 'if-none-match': etag })).statusCode).toBe(304);
    appendFileSync(join(root, 'run-a', 'records.jsonl'), record(2, true));
    const changed = await get('/api/run?id=run-a', { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('bounds the work of one comparison', async () => {
    const root = newDir();
    const get = dashboard(root);
    const response = await get(`/api/compare?${Array.from({ length: 21 }, (_, i) => `id=run-${i}`).join('&')}`);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('compare at most 20 runs');
  });

  it('a run removed after it was shown is a 404, not the kept answer', async () => {
    const root = newDir();
    runFolder(root, 'run-a', [true]);
    const get = dashboard(root);
    expect((await get('/api/run?id=run-a')).statusCode).toBe(200);
    writeFileSync(join(root, 'run-a', 'config.json'), 'not json');
    expect((await get('/api/run?id=run-a')).statusCode).toBe(404);
  });
});

describe('AnswerCache', () => {
  it('many requests at once for the same answer cost one computation; a new stamp costs one more', async () => {
    const cache = new AnswerCache({ recheckMs: 0, serveStale: false });
    let stamp = 'v1';
    let computations = 0;
    const compute = async () => {
      computations += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { stamp };
    };
    const answers = await Promise.all(Array.from({ length: 100 }, () => cache.get('k', async () => stamp, compute)));
    expect(computations).toBe(1);
    expect(new Set(answers.map((answer) => answer.json.toString()))).toEqual(new Set(['{"stamp":"v1"}']));
    stamp = 'v2';
    expect((await cache.get('k', async () => stamp, compute)).json.toString()).toBe('{"stamp":"v2"}');
    expect(computations).toBe(2);
  });

  it('by default serves the last answer while the answer to changed files is computed, then the new one', async () => {
    const cache = new AnswerCache({ recheckMs: 0, minAgeFactor: 0 });
    let stamp = 'v1';
    let release = () => {};
    const compute = async () => {
      const answer = { stamp };
      if (stamp === 'v2') await new Promise<void>((resolve) => (release = resolve));
      return answer;
    };
    const get = async () => JSON.parse((await cache.get('k', async () => stamp, compute)).json.toString()) as { stamp: string };
    expect(await get()).toEqual({ stamp: 'v1' });
    stamp = 'v2';
    expect(await get()).toEqual({ stamp: 'v1' }); // v2 is being computed
    expect(await get()).toEqual({ stamp: 'v1' });
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await get()).toEqual({ stamp: 'v2' });
    expect(cache.computed).toBe(2);
  });

  it('does not keep a failed computation, and keeps no more than its byte bound', async () => {
    const cache = new AnswerCache({ recheckMs: 0, serveStale: false, maxBytes: 3_000 });
    await expect(
      cache.get(
        'bad',
        async () => 's',
        async () => Promise.reject(new Error('broken')),
      ),
    ).rejects.toThrow('broken');
    expect(
      (
        await cache.get(
          'bad',
          async () => 's',
          async () => 'fixed',
        )
      ).json.toString(),
    ).toBe('"fixed"');
    let computations = 0;
    const big = async () => {
      computations += 1;
      return 'x'.repeat(1_000);
    };
    for (const key of ['a', 'b', 'c', 'a']) await cache.get(key, async () => 's', big);
    expect(computations).toBe(4); // 'a' was evicted by 'b' and 'c' (each ~1 KB of JSON + gzip)
  });

  it('stamps a folder by its files, and a symbolic link as a link', async () => {
    const root = newDir();
    const dir = runFolder(root, 'run-a', [true]);
    const before = await filesStamp([dir]);
    expect(await filesStamp([dir])).toBe(before);
    appendFileSync(join(dir, 'records.jsonl'), record(1, true));
    expect(await filesStamp([dir])).not.toBe(before);
    expect(await filesStamp([join(root, 'missing')])).toContain('missing');
  });
});
