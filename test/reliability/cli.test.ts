/**
 * Issue 16 regressions through the built `apprentice` command, as a user meets them: two identical
 * commands at once (one writer per run folder, no call paid twice), output paths that are a file or a
 * folder, an empty label list, and a server bound beyond loopback without a key. Needs `npm run build`.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../support/runCli.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { jsonLines, tempDirs } from './helpers.js';

const newDir = tempDirs();
const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

function reviews(dir: string, n: number): string {
  const file = join(dir, 'reviews.jsonl');
  writeFileSync(file, jsonLines(Array.from({ length: n }, (_, i) => ({ text: `review number ${i}`, label: i % 2 }))));
  return file;
}

const evalArgs = (file: string, runs: string) => [
  'eval',
  '--dataset',
  `jsonl:${file}`,
  '--input-field',
  'text',
  '--label-field',
  'label',
  '--labels',
  'negative,positive',
  '--runs',
  runs,
  '--json',
  '--no-progress',
];

describe('two identical commands at once', () => {
  it('the second stops with a message naming the first; the first pays each call once; a rerun resumes', async () => {
    const server = await startFakeOpenAIServer({ thread: false, latencyMs: 500, answer: () => 'positive' });
    servers.push(server);
    const dir = newDir();
    const file = reviews(dir, 40);
    const args = [...evalArgs(file, join(dir, 'runs')), '--model', `openai:fake@${server.url}`, '--concurrency', '2'];
    const first = runCli(args, { env: { OPENAI_API_KEY: 'not-needed' } });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await runCli(args, { env: { OPENAI_API_KEY: 'not-needed' } });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/being written by another command \(pid \d+ .*\.lock/);
    const done = await first;
    expect(done.code, done.stderr).toBe(0);
    expect(lastJson(done)).toMatchObject({ n: 40, scored: 40 });
    expect(server.requests).toHaveLength(40);

    const again = await runCli(args, { env: { OPENAI_API_KEY: 'not-needed' } });
    expect(lastJson(again)).toMatchObject({ resumed: true, n: 40 });
    expect(server.requests).toHaveLength(40);
    const [runDir] = readdirSync(join(dir, 'runs'));
    expect(readdirSync(join(dir, 'runs', runDir!)).sort()).toEqual(['config.json', 'records.jsonl', 'summary.json']);
  }, 60_000);
});

describe('a command killed with SIGKILL', () => {
  it('leaves a stale lock that the rerun takes over; no finished example is lost or paid twice', async () => {
    const server = await startFakeOpenAIServer({ thread: false, latencyMs: 300, answer: () => 'positive' });
    servers.push(server);
    const dir = newDir();
    const file = reviews(dir, 30);
    const args = [...evalArgs(file, join(dir, 'runs')), '--model', `openai:fake@${server.url}`, '--concurrency', '2'];
    const killed = runCli(args, {
      env: { OPENAI_API_KEY: 'not-needed' },
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (server.requests.length >= 6) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 10);
      },
    });
    expect((await killed).code).toBe(null);
    const [runDir] = readdirSync(join(dir, 'runs'));
    expect(readdirSync(join(dir, 'runs', runDir!))).toContain('.lock');
    const rerun = await runCli(args, { env: { OPENAI_API_KEY: 'not-needed' } });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(lastJson(rerun)).toMatchObject({ n: 30, scored: 30, resumed: true });
    // Only the calls in flight at the kill (at most --concurrency) are made again.
    expect(server.requests.length).toBeLessThanOrEqual(30 + 2);
    expect(new Set(server.requests.map((r) => JSON.stringify(r.body.messages))).size).toBe(30);
    expect(readdirSync(join(dir, 'runs', runDir!))).not.toContain('.lock');
  }, 90_000);
});

describe('bad paths and flags exit 2 with a message', () => {
  it('--runs naming a file', async () => {
    const dir = newDir();
    const file = reviews(dir, 2);
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    writeFileSync(join(dir, 'runs'), '');
    const result = await runCli([...evalArgs(file, join(dir, 'runs')), '--predictions', join(dir, 'predictions.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${join(dir, 'runs')}: `);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('report --out naming a file', async () => {
    const dir = newDir();
    const file = reviews(dir, 2);
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    const run = lastJson<{ runDir: string }>(await runCli([...evalArgs(file, join(dir, 'runs')), '--predictions', join(dir, 'predictions.jsonl')]));
    writeFileSync(join(dir, 'taken'), '');
    const result = await runCli(['report', run.runDir, '--out', join(dir, 'taken')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`error: ${join(dir, 'taken')}.*: cannot use this path`));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('scale analyze --out naming a file', async () => {
    const dir = newDir();
    const rows = join(dir, 'in.csv');
    writeFileSync(rows, 'model,params,task,metric,score\ns,1e8,t,acc,0.1\nm,1e9,t,acc,0.3\nl,1e10,t,acc,0.6\n');
    writeFileSync(join(dir, 'taken'), '');
    const result = await runCli(['scale', 'analyze', rows, '--out', join(dir, 'taken')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: .*taken.*: cannot use this path/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--labels ""', async () => {
    const dir = newDir();
    const file = reviews(dir, 2);
    const result = await runCli([
      'eval',
      '--dataset',
      `jsonl:${file}`,
      '--input-field',
      'text',
      '--label-field',
      'label',
      '--labels',
      '',
      '--predictions',
      join(dir, 'p.jsonl'),
      '--runs',
      join(dir, 'runs'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the label list is empty');
  });

  it('serve on 0.0.0.0 without --server-key', async () => {
    const result = await runCli(['serve', 'openai:fake@http://127.0.0.1:9/v1', '--host', '0.0.0.0', '--port', '0'], { env: { OPENAI_API_KEY: 'x' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/listening on 0\.0\.0\.0 would let anyone .*--server-key/);
  });
});
