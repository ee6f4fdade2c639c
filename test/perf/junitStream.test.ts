/**
 * `eval --junit` on a run whose records.jsonl does not fit a small heap: in a child process with
 * --max-old-space-size=48, reading the records whole runs out of memory, and the streamed way writes a case for
 * every example, in index order, with the right counts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeRunRecord, writeLargeRun } from './support/largeRun.js';
import { expectOutOfMemory, lastJsonLine, runUnderHeap } from './support/smallHeap.js';

const CHILD = join(import.meta.dirname, 'support', 'junitChild.ts');
/** About 70 MB of records.jsonl. */
const RECORDS = 30_000;

describe('eval --junit streams a run larger than a small heap', () => {
  let root: string;
  let records: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-junit-stream-'));
    records = join(root, 'records.jsonl');
    // Appended in swapped pairs, as concurrent workers do; every 100th example failed its call.
    const failedCall = { output: null, extracted: null, valid: false, correct: null, error: { kind: 'server', message: 'x' } };
    writeLargeRun(
      root,
      (function* () {
        for (let i = 0; i < RECORDS; i++) {
          const index = i % 2 ? i - 1 : i + 1;
          yield largeRunRecord(index, index % 100 === 99 ? failedCall : {});
        }
      })(),
      RECORDS,
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const child = (mode: 'streamed' | 'whole', out: string) => runUnderHeap(CHILD, [mode, records, out], { heapMb: 48, timeoutMs: 110_000 });

  it('the whole-file way runs out of memory in the same heap', async () => {
    await expectOutOfMemory(child('whole', join(root, 'whole.xml')));
  }, 120_000);

  it('the streamed way writes every example in index order with the right counts', async () => {
    const out = join(root, 'streamed.xml');
    const { stdout } = await child('streamed', out);
    const failed = RECORDS / 100;
    const wrong = RECORDS / 4;
    expect(lastJsonLine(stdout)).toEqual({ tests: RECORDS, failures: wrong, errors: failed, skipped: 0 });
    const xml = readFileSync(out, 'utf8');
    expect(xml).toContain(`<testsuite name="streamed" tests="${RECORDS}" failures="${wrong}" errors="${failed}" skipped="0">`);
    const names = [...xml.matchAll(/<testcase name="example (\d+) /g)].map((match) => Number(match[1]));
    expect(names).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
    expect(xml.match(/<failure /g)).toHaveLength(wrong);
  }, 120_000);
});
