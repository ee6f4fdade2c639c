/**
 * Student evaluation in a distillation sweep goes through the example runner: a cell whose evaluation stopped
 * part-way (its test.jsonl holds some answers, one of them a failed call, and no result.json) is finished by
 * the next run, which keeps the answers already there, answers only the missing and failed examples, and
 * records usage and latency per answer like any evaluation.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { goldRecords } from '../../src/distill/goldRecords.js';
import { cellDir, runSweep, type SweepConfig } from '../../src/distill/sweep.js';
import { readCellAnswers } from '../../src/distill/sweepResults.js';
import type { ExampleRecord } from '../../src/eval/records.js';
import { ModelHub } from '../../src/models/hub.js';

const SPEC = 'synthetic:steps=1,digits=1,distractors=0,seed=4,train=16,validation=4,test=6';

async function sweep(config: SweepConfig) {
  const hub = new ModelHub({ cachePath: 'none' });
  try {
    return (await runSweep(config, hub)).cells[0]!;
  } finally {
    await hub.close();
  }
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ExampleRecord);

describe('student evaluation resumes by example', () => {
  it('keeps the answers already recorded, answers only the missing and failed examples, then finishes the cell', async () => {
    const dataset = await loadDataset(SPEC, {});
    const out = mkdtempSync(join(tmpdir(), 'apprentice-student-resume-'));
    const config: SweepConfig = {
      task: dataset.task,
      train: goldRecords(dataset.splits.train!, 'train'),
      validation: goldRecords(dataset.splits.validation!, 'validation'),
      test: dataset.splits.test!,
      methods: ['standard-ft'],
      fractions: [1],
      seeds: [0],
      alpha: 0.5,
      filter: 'none',
      student: { size: 'tiny', steps: 2, batchSize: 4, learningRate: 3e-3, contextLength: 128, maxTokens: { answer: 4, cot: 16 } },
      out,
      identity: { test: 'student-resume' },
      concurrency: 3,
    };
    const first = await sweep(config);
    const dir = cellDir(out, 'standard-ft', 1, 0);
    const answersFile = join(dir, 'test.jsonl');
    const answered = lines(answersFile);
    expect(answered.map((r) => r.index).sort((a, b) => a - b)).toEqual(dataset.splits.test!.map((e) => e.index));
    for (const record of answered) {
      expect(record).toMatchObject({ id: expect.any(String), valid: expect.any(Boolean), costUsd: 0, cached: false });
      expect(record.usage.promptTokens).toBeGreaterThan(0);
      expect(typeof record.prompt).toBe('string');
    }

    // As if killed during the evaluation: no result.json, two answers recorded (one marked so we can tell it was
    // kept), and one failed call, which must be answered again rather than scored.
    rmSync(join(dir, 'result.json'));
    const [kept, other, failed] = answered;
    const marked = { ...kept!, output: `${kept!.output} [kept]` };
    const failure = { ...failed!, output: null, extracted: null, correct: null, error: { kind: 'timeout', message: 'took too long' } };
    writeFileSync(answersFile, [marked, other, failure].map((r) => JSON.stringify(r)).join('\n') + '\n');

    const again = await sweep(config);
    expect(existsSync(join(dir, 'result.json'))).toBe(true);
    const after = lines(answersFile);
    // The two kept answers, the failed one still on record, and one new line per example answered now.
    expect(after).toHaveLength(3 + (answered.length - 2));
    const final = readCellAnswers(dir)!.records;
    expect(final).toHaveLength(answered.length);
    expect(final.find((r) => r.index === kept!.index)?.output).toBe(marked.output);
    expect(final.find((r) => r.index === failed!.index)?.error).toBeUndefined();
    expect(final.every((r) => !r.error)).toBe(true);
    // Greedy answers of the same checkpoint: the numbers are the first run's.
    expect(again.correct).toBe(first.correct);
    expect(again.correctFlags).toEqual(first.correctFlags);
    expect(again.n).toBe(answered.length);
  }, 240_000);
});
