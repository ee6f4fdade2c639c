/**
 * The dashboard on an eval run whose records.jsonl does not fit a small heap: the run is read as a stream (its
 * summary, and where each example's line is), its page carries the first rows, and the others are read by
 * offset, page by page, filtered, sorted and searched. In a child process with --max-old-space-size=48 (which
 * the dashboard's answer workers share), the whole-file way runs out of memory and the dashboard answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeRunRecord, writeLargeRun } from './support/largeRun.js';
import { expectOutOfMemory, lastJsonLine, runUnderHeap } from './support/smallHeap.js';

const CHILD = join(import.meta.dirname, 'support', 'dashboardChild.ts');
const RECORDS = 30_000;

describe('the dashboard pages through a run larger than a small heap', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-stream-dashboard-'));
    // Interleaved, as concurrent workers append, and example 7 written twice (the later line counts).
    writeLargeRun(
      join(root, 'big'),
      (function* () {
        for (let i = RECORDS - 1; i >= 0; i -= 2) yield largeRunRecord(i);
        for (let i = 0; i < RECORDS; i += 2) yield largeRunRecord(i);
        yield largeRunRecord(7, { correct: false, extracted: 'no' });
      })(),
      RECORDS,
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const child = (mode: 'dashboard' | 'whole') => runUnderHeap(CHILD, [mode, root, 'big'], { heapMb: 48, timeoutMs: 170_000 });

  it('the whole-file way runs out of memory in the same heap', async () => {
    await expectOutOfMemory(child('whole'));
  }, 180_000);

  it('the run page, pages of examples, a search and the runs list are answered', async () => {
    const { stdout } = await child('dashboard');
    const result = lastJsonLine<{
      run: { summary: { n: number; scored: number; correct: number }; examplesTotal: number; indices: number[]; charts: string[] };
      wrongPage: { total: number; of: number; indices: number[] };
      costliest: [number, number][];
      search: { total: number; indices: number[] };
      listed: [string, number][];
    }>(stdout);
    const wrong = RECORDS / 4 + 1; // every fourth, and example 7 rewritten as wrong
    expect(result.run.summary).toMatchObject({ n: RECORDS, scored: RECORDS, correct: RECORDS - wrong });
    expect(result.run.examplesTotal).toBe(RECORDS);
    expect(result.run.indices).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(result.run.charts).toContain('Outcomes (share of examples run)');
    // Wrong examples in index order: 0, 4, 7, 8, 12, ...; the 101st is 396.
    expect(result.wrongPage).toMatchObject({ total: wrong, of: RECORDS });
    expect(result.wrongPage.indices.slice(0, 3)).toEqual([396, 400, 404]);
    expect(result.wrongPage.indices).toHaveLength(50);
    // The highest cost is 0.0002 (index % 3 == 2); ties in index order.
    expect(result.costliest).toEqual([2, 5, 8, 11, 14].map((index) => [index, 0.0002]));
    expect(result.search).toEqual({ total: 1, indices: [29_996] });
    expect(result.listed).toEqual([['big', RECORDS]]);
  }, 180_000);
});
