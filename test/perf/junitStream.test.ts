/**
 * `eval --junit` on a run whose records.jsonl does not fit a small heap: in a child process with
 * --max-old-space-size=48, reading the records whole runs out of memory, and the streamed way writes a case for
 * every example, in index order, with the right counts.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, 'support', 'junitChild.ts');
const RECORDS = 30_000;
/** 2 KB outputs: about 70 MB of records.jsonl. */
const FILLER = 'the model thought about it for a while and wrote this down '.repeat(34);

describe('eval --junit streams a run larger than a small heap', () => {
  let root: string;
  let records: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-junit-stream-'));
    records = join(root, 'records.jsonl');
    const fd = openSync(records, 'w');
    let chunk: string[] = [];
    // Appended in swapped pairs, as concurrent workers do; every 100th example failed its call.
    for (let i = 0; i < RECORDS; i++) {
      const index = i % 2 ? i - 1 : i + 1;
      const correct = index % 4 !== 0;
      const failed = index % 100 === 99;
      chunk.push(
        JSON.stringify({
          index,
          id: `ex-${index}`,
          prompt: null,
          output: failed ? null : `${FILLER} answer ${correct ? 'yes' : 'no'}`,
          extracted: failed ? null : correct ? 'yes' : 'no',
          gold: 'yes',
          valid: !failed,
          correct: failed ? null : correct,
          ...(failed ? { error: { kind: 'server', message: 'x' } } : {}),
          usage: { promptTokens: 10, completionTokens: 20 },
          costUsd: 0,
          latencyMs: 5,
          cached: false,
        }) + '\n',
      );
      if (chunk.length === 1000) {
        writeSync(fd, chunk.join(''));
        chunk = [];
      }
    }
    writeSync(fd, chunk.join(''));
    closeSync(fd);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const child = (mode: 'streamed' | 'whole', out: string) =>
    run(process.execPath, ['--max-old-space-size=48', '--import', 'tsx', CHILD, mode, records, out], { maxBuffer: 1 << 24, timeout: 110_000 });

  it('the whole-file way runs out of memory in the same heap', async () => {
    const failure = await child('whole', join(root, 'whole.xml')).then(
      () => undefined,
      (error: { signal?: string; stderr?: string }) => error,
    );
    expect(failure).toBeDefined();
    expect(`${failure?.signal ?? ''} ${failure?.stderr ?? ''}`).toMatch(/heap|SIGABRT/i);
  }, 120_000);

  it('the streamed way writes every example in index order with the right counts', async () => {
    const out = join(root, 'streamed.xml');
    const { stdout } = await child('streamed', out);
    const failed = RECORDS / 100;
    const wrong = RECORDS / 4;
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ tests: RECORDS, failures: wrong, errors: failed, skipped: 0 });
    const xml = readFileSync(out, 'utf8');
    expect(xml).toContain(`<testsuite name="streamed" tests="${RECORDS}" failures="${wrong}" errors="${failed}" skipped="0">`);
    const names = [...xml.matchAll(/<testcase name="example (\d+) /g)].map((match) => Number(match[1]));
    expect(names).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
    expect(xml.match(/<failure /g)).toHaveLength(wrong);
  }, 120_000);
});
