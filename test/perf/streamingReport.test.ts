/**
 * `report` on an eval run whose records.jsonl does not fit a small heap: the run is read as a stream (summary
 * from every record, the first records kept for the drill-down). In a child process with --max-old-space-size=48,
 * the whole-file way runs out of memory and the streamed way reports every record. In process, the streamed
 * summary equals the whole-file one bit for bit, on a run with replaced lines, errors and smooth metrics; a comparison
 * of two runs equals the one worked out from their records by hand.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/eval/compare.js';
import { mcnemar, pairedBootstrap } from '../../src/eval/stats.js';
import { readEvalRun } from '../../src/eval/runResult.js';
import { readEvalRunStreamed } from '../../src/eval/runStream.js';
import { largeRunRecord, writeLargeRun } from './support/largeRun.js';
import { expectOutOfMemory, lastJsonLine, runUnderHeap } from './support/smallHeap.js';

const CHILD = join(import.meta.dirname, 'support', 'reportChild.ts');
const RECORDS = 30_000;

describe('report streams a run larger than a small heap', () => {
  let root: string;
  let big: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-stream-report-'));
    big = join(root, 'big');
    // Written in an interleaved order, as concurrent workers append: the drill-down must still keep the lowest indices.
    writeLargeRun(
      big,
      (function* () {
        for (let i = 0; i < RECORDS; i += 2) yield largeRunRecord(RECORDS - 1 - i - (i % 4 === 0 ? 0 : 1));
        for (let i = 0; i < RECORDS; i += 2) yield largeRunRecord(i % 4 === 0 ? i + 1 : i);
      })(),
      RECORDS,
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const child = (mode: 'streamed' | 'whole', keep = 200) => runUnderHeap(CHILD, [mode, big, String(keep)], { heapMb: 48, timeoutMs: 110_000 });

  it('the whole-file way runs out of memory in the same heap', async () => {
    await expectOutOfMemory(child('whole'));
  }, 120_000);

  it('the streamed way reports every record and keeps the lowest indices for the drill-down', async () => {
    const { stdout } = await child('streamed');
    const result = lastJsonLine<{
      summary: { n: number; scored: number; correct: number; missing: number };
      kept: number;
      recordsTotal: number;
    }>(stdout);
    expect(result.summary).toMatchObject({ n: RECORDS, scored: RECORDS, correct: RECORDS - RECORDS / 4, missing: 0 });
    expect(result).toMatchObject({ kept: 200, recordsTotal: RECORDS });
    const html = readFileSync(join(big, 'report.html'), 'utf8');
    expect(html).toContain('The first 200 of 30,000 examples');
    const markdown = readFileSync(join(big, 'report.md'), 'utf8');
    expect(markdown).toContain(`Examples not answered correctly (first 50 of ${(RECORDS / 4).toLocaleString('en-US').replace(/,/g, '')})`);
  }, 120_000);

  it('the streamed summary equals the whole-file one, bit for bit; kept records are the lowest indices', async () => {
    const dir = join(root, 'small');
    const lines: Record<string, unknown>[] = [];
    for (let i = 59; i >= 0; i--) {
      if (i === 17) continue; // never run: missing
      const over: Record<string, unknown> = { scores: { bleu: ((i * 37) % 100) / 100, ...(i % 5 === 0 ? { rougeL: i / 60 } : {}) } };
      if (i % 9 === 0) Object.assign(over, { error: { kind: i % 2 ? 'server' : 'timeout', message: 'x' }, correct: null });
      if (i % 7 === 0) Object.assign(over, { valid: false, correct: false, invalidReason: 'no answer' });
      lines.push(largeRunRecord(i, over));
    }
    lines.push(largeRunRecord(40, { correct: false, extracted: 'no' })); // a later line for an index replaces the earlier one
    writeLargeRun(dir, lines, 60);
    const whole = readEvalRun(dir);
    const streamed = await readEvalRunStreamed(dir, { keep: 10 });
    expect(streamed.summary).toEqual(whole.summary);
    expect(streamed.summary.missing).toBe(1);
    expect(streamed.summary.metrics.bleu!.n).toBeGreaterThan(0);
    expect(streamed.recordsTotal).toBe(59);
    expect(streamed.records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(streamed.records).toEqual(whole.records.slice(0, 10));
  });

  it('a comparison read as streams pairs the last scored record of each example in the order of run A; a different gold is refused by name', async () => {
    const a = join(root, 'cmp-a');
    const b = join(root, 'cmp-b');
    const c = join(root, 'cmp-c');
    // Interleaved order, a replaced line, an error and a missing example, so pairing order and filtering matter.
    const order = [5, 3, 0, 1, 2, 4, 9, 8, 7, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    writeLargeRun(
      a,
      [
        ...order.map((i) => largeRunRecord(i)),
        largeRunRecord(3, { correct: false }),
        largeRunRecord(7, { error: { kind: 'server', message: 'x' }, correct: null }),
      ],
      20,
    );
    writeLargeRun(
      b,
      order.filter((i) => i !== 12).map((i) => largeRunRecord(i, { correct: i % 3 !== 0 })),
      20,
    );
    writeLargeRun(
      c,
      order.map((i) => largeRunRecord(i, i === 8 ? { gold: 'no' } : {})),
      20,
    );
    // Worked out by hand: 7 failed in A (its last line), 12 is absent from B, 3 was replaced by a wrong answer in A.
    const paired = order.filter((i) => i !== 7 && i !== 12);
    const rightA = paired.map((i) => i !== 3 && i % 4 !== 0);
    const rightB = paired.map((i) => i % 3 !== 0);
    const expected = (runA: string, runB: string, x: boolean[], y: boolean[], seed: number) => {
      const bootstrap = pairedBootstrap(x.map(Number), y.map(Number), { seed });
      const test = mcnemar(x, y);
      return {
        runA,
        runB,
        paired: 18,
        unpaired: 2,
        accuracyA: x.filter(Boolean).length / 18,
        accuracyB: y.filter(Boolean).length / 18,
        difference: { mean: bootstrap.meanDiff, ci95: bootstrap.ci95, pValue: bootstrap.pValue },
        mcnemar: { onlyA: test.b, onlyB: test.c, statistic: test.statistic, pValue: test.pValue },
      };
    };
    const ab = await compareRuns(a, b, 4);
    expect(ab).toEqual(expected(a, b, rightA, rightB, 4));
    expect(ab).toMatchObject({ accuracyA: 13 / 18, accuracyB: 12 / 18, mcnemar: { onlyA: 4, onlyB: 3 } });
    expect(ab.difference!.mean).toBeCloseTo(-1 / 18, 12);
    expect(await compareRuns(b, a, 9)).toEqual(expected(b, a, rightB, rightA, 9));
    await expect(compareRuns(a, c)).rejects.toThrow('example 8 has gold "yes" in one run and "no" in the other');
  });
});
