/**
 * In-flight de-duplication through the call cache: runs sharing one SQLite cache never both pay for the
 * same request. Across two real processes against a loopback OpenAI server counting calls, and claim by
 * claim in one process: a claim held elsewhere is waited for, a released one or a stale one is taken over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { callKey } from '../../src/models/core/hash.js';
import { withCache } from '../../src/models/middleware/cache.js';
import { CallCache } from '../../src/models/middleware/cacheStore.js';
import type { GenerateRequest } from '../../src/models/types.js';
import { startFakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { defaultAnswer, delay, FakeModel } from './fakes.js';

const defer = cleanupAfterEach();
const caches: CallCache[] = [];
afterEach(() => {
  for (const cache of caches.splice(0)) cache.close();
});

const identity = { provider: 'openai', model: 'm', baseURL: 'http://127.0.0.1:1/v1' };
const request: GenerateRequest = { messages: [{ role: 'user', content: 'Q' }] };
const key = callKey(identity, 'generate', request);

function cacheFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'apprentice-inflight-')), 'cache.sqlite');
}

function open(path: string, claimStaleMs?: number): CallCache {
  const cache = new CallCache(path, { claimStaleMs, warn: () => {} });
  caches.push(cache);
  return cache;
}

interface ChildAnswer {
  text: string;
  cached: boolean;
  costUsd: number;
}

/** Starts a process that asks `count` questions through a hub on `cachePath` once told to go. */
function startRun(script: string, cachePath: string, url: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, cachePath, url, String(count)], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('ready\n')) onReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<ChildAnswer[]>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`run exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildAnswer[]);
    });
  });
  defer(() => {
    if (child.exitCode === null) child.kill();
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

describe('calls in flight across processes', () => {
  it('two processes asking the same questions at once pay for each question once', async () => {
    const server = await startFakeOpenAIServer({ latencyMs: 400 });
    defer(() => server.close());
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-inflight-'));
    const hub = fileURLToPath(new URL('../../src/models/hub.ts', import.meta.url));
    const script = join(dir, 'run.mts');
    writeFileSync(
      script,
      `import { ModelHub } from ${JSON.stringify(hub)};
const [cachePath, url, count] = process.argv.slice(2);
const hub = new ModelHub({ cachePath, concurrency: 16, prices: { m: { input: 1000, output: 1000 } }, warn: () => {} });
const model = await hub.model('openai:m@' + url);
process.stdout.write('ready\\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const answers = await Promise.all(
  Array.from({ length: Number(count) }, (_, i) => model.generate({ messages: [{ role: 'user', content: 'question ' + i }] })),
);
await hub.close();
process.stdout.write(JSON.stringify(answers.map((a) => ({ text: a.completions[0].text, cached: a.meta.cached, costUsd: a.meta.costUsd }))) + '\\n');
`,
    );
    const cachePath = join(dir, 'shared.sqlite');
    const count = 8;
    const runs = [startRun(script, cachePath, server.url, count), startRun(script, cachePath, server.url, count)];
    await Promise.all(runs.map((run) => run.ready));
    for (const run of runs) run.go();
    const [first, second] = await Promise.all(runs.map((run) => run.done));

    const chatCalls = server.requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect(chatCalls).toHaveLength(count);
    expect(new Set(chatCalls.map((r) => JSON.stringify(r.body.messages))).size).toBe(count);
    for (let i = 0; i < count; i++) {
      expect(first![i]!.text).toBe(`echo: question ${i}`);
      expect(second![i]!.text).toBe(first![i]!.text);
      // Exactly one of the two paid for question i; the other got its answer from the cache.
      expect([first![i]!.cached, second![i]!.cached].sort()).toEqual([false, true]);
      expect(first![i]!.costUsd + second![i]!.costUsd).toBeGreaterThan(0);
      expect(Math.min(first![i]!.costUsd, second![i]!.costUsd)).toBe(0);
    }
  }, 60_000);
});

describe('claims on calls in flight', () => {
  it('waits for a call another cache holder is making, and returns its answer without calling', async () => {
    const path = cacheFile();
    const other = open(path);
    expect(other.claim(key)).toBe('claimed');
    const inner = new FakeModel();
    const model = withCache(inner, { cache: open(path), identity });
    const waiting = model.generate(request);
    await delay(150);
    expect(inner.calls).toHaveLength(0);
    other.put(key, { spec: 'openai:m', kind: 'generate', response: defaultAnswer({ kind: 'generate', request }), costUsd: 0.1, createdAt: Date.now() });
    const answer = await waiting;
    expect(inner.calls).toHaveLength(0);
    expect(answer.meta).toMatchObject({ cached: true, costUsd: 0 });
    expect(answer.completions[0]!.text).toBe('echo(Q)#0.0');
  });

  it('makes the call itself when the other holder gives up without an answer', async () => {
    const path = cacheFile();
    const other = open(path);
    other.claim(key);
    const inner = new FakeModel();
    const waiting = withCache(inner, { cache: open(path), identity }).generate(request);
    await delay(100);
    expect(inner.calls).toHaveLength(0);
    other.release(key);
    expect((await waiting).meta?.cached ?? false).toBe(false);
    expect(inner.calls).toHaveLength(1);
  });

  it('takes over a claim whose process is gone, and one whose heartbeat stopped', async () => {
    const path = cacheFile();
    const cache = open(path, 200);
    const db = new Database(path);
    defer(() => db.close());
    const insert = db.prepare('INSERT OR REPLACE INTO claims (key, pid, host, token, heartbeat_at) VALUES (?, ?, ?, ?, ?)');
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    insert.run(key, deadPid, hostname(), 'a-dead-process', Date.now());
    const inner = new FakeModel();
    const model = withCache(inner, { cache, identity });
    await model.generate(request);
    expect(inner.calls).toHaveLength(1);

    const other: GenerateRequest = { messages: [{ role: 'user', content: 'R' }] };
    // A live process (this one) on another machine whose heartbeat stopped a while ago.
    insert.run(callKey(identity, 'generate', other), process.pid, 'another-host', 'a-hung-process', Date.now() - 1000);
    await model.generate(other);
    expect(inner.calls).toHaveLength(2);
    expect(db.prepare('SELECT COUNT(*) AS n FROM claims').get()).toEqual({ n: 0 });
  });

  it('keeps a long call claimed with a heartbeat, so nobody takes it over while it runs', async () => {
    const path = cacheFile();
    const slow = new FakeModel({
      behaviour: async (call) => {
        await delay(400);
        return defaultAnswer(call);
      },
    });
    const first = withCache(slow, { cache: open(path, 150), identity }).generate(request);
    await delay(250); // past the stale time, kept fresh by the heartbeat
    const inner = new FakeModel();
    const second = await withCache(inner, { cache: open(path, 150), identity }).generate(request);
    await first;
    expect(inner.calls).toHaveLength(0);
    expect(slow.calls).toHaveLength(1);
    expect(second.meta?.cached).toBe(true);
  });
});
