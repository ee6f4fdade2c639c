/**
 * `report` on an eval run whose records.jsonl does not fit a small heap: the run is read as a stream (summary
 * from every record, the first records kept for the drill-down). In a child process with --max-old-space-size=48,
 * the whole-file way runs out of memory and the streamed way reports every record. In process, the streamed
 * summary equals the whole-file one bit for bit, on a run with replaced lines, errors and smooth metrics; a comparison
 * of two runs equals the one worked out from their records by hand.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/eval/compare.js';
import { mcnemar, pairedBootstrap } from '../../src/eval/stats.js';
import { readEvalRun } from '../../src/eval/runResult.js';
import { readEvalRunStreamed } from '../../src/eval/runStream.js';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, 'support', 'reportChild.ts');
const RECORDS = 30_000;
/** 2 KB outputs: about 70 MB of records.jsonl. */
const FILLER = 'the model thought about it for a while and wrote this down '.repeat(34);

function record(index: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const correct = index % 4 !== 0;
  return {
    index,
    id: `ex-${index}`,
    prompt: [{ role: 'user', content: `question ${index}` }],
    output: `${FILLER} answer ${correct ? 'yes' : 'no'}`,
    extracted: correct ? 'yes' : 'no',
    gold: 'yes',
    valid: true,
    correct,
    usage: { promptTokens: 10 + (index % 7), completionTokens: 20 },
    costUsd: 0.0001 * (index % 3),
    latencyMs: 5 + (index % 11),
    cached: index % 13 === 0,
    ...over,
  };
}

function writeRun(dir: string, records: Iterable<Record<string, unknown>>, examples: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ command: 'eval', identity: { examples: Array.from({ length: examples }, (_, i) => i), seed: 3, model: 'openai:m', split: 'test' } }),
  );
  const fd = openSync(join(dir, 'records.jsonl'), 'w');
  let chunk: string[] = [];
  for (const line of records) {
    chunk.push(JSON.stringify(line) + '\n');
    if (chunk.length === 1000) {
      writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  writeSync(fd, chunk.join(''));
  closeSync(fd);
}

describe('report streams a run larger than a small heap', () => {
  let root: string;
  let big: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-stream-report-'));
    big = join(root, 'big');
    // Written in an interleaved order, as concurrent workers append: the drill-down must still keep the lowest indices.
    writeRun(
      big,
      (function* () {
        for (let i = 0; i < RECORDS; i += 2) yield record(RECORDS - 1 - i - (i % 4 === 0 ? 0 : 1));
        for (let i = 0; i < RECORDS; i += 2) yield record(i % 4 === 0 ? i + 1 : i);
      })(),
      RECORDS,
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const child = (mode: 'streamed' | 'whole', keep = 200) =>
    run(process.execPath, ['--max-old-space-size=48', '--import', 'tsx', CHILD, mode, big, String(keep)], { maxBuffer: 1 << 24, timeout: 110_000 });

  it('the whole-file way runs out of memory in the same heap', async () => {
    const failure = await child('whole').then(
      () => undefined,
      (error: { signal?: string; stderr?: string }) => error,
    );
    expect(failure).toBeDefined();
    expect(`${failure?.signal ?? ''} ${failure?.stderr ?? ''}`).toMatch(/heap|SIGABRT/i);
  }, 120_000);

  it('the streamed way reports every record and keeps the lowest indices for the drill-down', async () => {
    const { stdout } = await child('streamed');
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      summary: { n: number; scored: number; correct: number; missing: number };
      kept: number;
      recordsTotal: number;
    };
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
      lines.push(record(i, over));
    }
    lines.push(record(40, { correct: false, extracted: 'no' })); // a later line for an index replaces the earlier one
    writeRun(dir, lines, 60);
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
    writeRun(a, [...order.map((i) => record(i)), record(3, { correct: false }), record(7, { error: { kind: 'server', message: 'x' }, correct: null })], 20);
    writeRun(
      b,
      order.filter((i) => i !== 12).map((i) => record(i, { correct: i % 3 !== 0 })),
      20,
    );
    writeRun(
      c,
      order.map((i) => record(i, i === 8 ? { gold: 'no' } : {})),
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
