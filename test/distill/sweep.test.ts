/**
 * The distillation sweep on real (tiny) students: gold records stand in for a perfect teacher, every
 * method trains a few steps with the built-in engine, students are evaluated through `builtin:`, a
 * finished cell is never redone, and the report agrees with the cells.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { buildTrainingData } from '../../src/distill/builders.js';
import { genericAbility } from '../../src/distill/generic.js';
import { goldRecord, goldRecords } from '../../src/distill/goldRecords.js';
import { cellDir, holdOutRecords, runSweep, studentPrompt, sweepPoints, type CellResult, type SweepConfig } from '../../src/distill/sweep.js';
import type { GenericSection } from '../../src/distill/sweepResults.js';
import { concludeSweep, stepBudgets, verdictOf } from '../../src/distill/verdict.js';
import { writeSweepReport } from '../../src/report/sweepReport.js';
import { ModelHub } from '../../src/models/hub.js';

const SPEC = 'synthetic:steps=1,digits=1,distractors=0,seed=4,train=24,validation=6,test=6';

describe('gold records', () => {
  it('carry the gold label and rationale so every builder reads them like a teacher annotation', async () => {
    const dataset = await loadDataset(SPEC, {});
    const example = dataset.splits.train![0]!;
    const record = goldRecord(example, 'train');
    expect(record).toMatchObject({ index: example.index, extracted: example.target, correct: true, valid: true, rationale: example.rationale });
    const sbs = buildTrainingData(dataset.task, [record], { method: 'step-by-step' }).rows;
    expect(sbs.map((row) => row.task)).toEqual(['label', 'rationale']);
    expect(sbs[0]!.completion).toBe(` ${example.target}`);
    expect(sbs[1]!.completion).toBe(` ${example.rationale!.trim()}`);
    const cot = buildTrainingData(dataset.task, [record], { method: 'cot', mix: { 'zero-shot-cot': 1 }, chains: 'one' }).rows;
    expect(cot[0]!.completion).toBe(` ${example.rationale!.trim()} The answer is ${example.target}.`);
  });

  it('hold validation out of train records by seed, disjoint and reproducible', async () => {
    const dataset = await loadDataset(SPEC, {});
    const records = goldRecords(dataset.splits.train!, 'train');
    const a = holdOutRecords(dataset.task, records, 0.25, 3);
    const b = holdOutRecords(dataset.task, records, 0.25, 3);
    expect(a.validation.map((r) => r.index)).toEqual(b.validation.map((r) => r.index));
    expect(a.validation).toHaveLength(6);
    expect(a.train).toHaveLength(18);
    const held = new Set(a.validation.map((r) => r.index));
    expect(a.train.some((r) => held.has(r.index))).toBe(false);
  });

  it('step-by-step students are asked the [label] prompt only', async () => {
    const dataset = await loadDataset(SPEC, {});
    const item = { input: dataset.splits.test![0]!.input };
    expect(studentPrompt('step-by-step', dataset.task, item)).toMatch(/^\[label\] Question: .*\nAnswer:$/s);
    expect(studentPrompt('standard-ft', dataset.task, item)).toMatch(/^Question: .*\nAnswer:$/s);
    expect(studentPrompt('cot', dataset.task, item)).toMatch(/Answer: Let's think step by step\.$/);
  });
});

describe('runSweep', () => {
  it('trains, selects on validation, tests every cell, resumes finished cells and reports consistent numbers', async () => {
    const dataset = await loadDataset(SPEC, {});
    const out = mkdtempSync(join(tmpdir(), 'apprentice-sweep-'));
    const config: SweepConfig = {
      task: dataset.task,
      train: goldRecords(dataset.splits.train!, 'train'),
      validation: goldRecords(dataset.splits.validation!, 'validation'),
      test: dataset.splits.test!,
      methods: ['standard-ft', 'step-by-step'],
      fractions: [0.5, 1],
      seeds: [0],
      alpha: 0.5,
      filter: 'none',
      student: {
        size: 'tiny',
        steps: 3,
        stepsByMethod: { 'step-by-step': 4 },
        batchSize: 4,
        learningRate: 3e-3,
        contextLength: 128,
        maxTokens: { answer: 4, cot: 16 },
      },
      out,
      identity: { test: 'sweep' },
    };
    const hub = new ModelHub({ cachePath: 'none' });
    let first: CellResult[];
    try {
      first = (await runSweep(config, hub)).cells;
    } finally {
      await hub.close();
    }
    expect(first).toHaveLength(4);
    for (const cell of first) {
      expect(cell.skipped).toBeUndefined();
      expect(cell.n).toBe(6);
      expect(cell.correct).toBe(cell.correctFlags.reduce((a, b) => a + b, 0));
      expect(cell.accuracy).toBeCloseTo(cell.correct / cell.n, 10);
      expect(cell.ci95[0]).toBeLessThanOrEqual(cell.accuracy);
      expect(cell.ci95[1]).toBeGreaterThanOrEqual(cell.accuracy);
      expect(existsSync(join(cell.dir, 'student', 'model.safetensors'))).toBe(true);
      const tested = readFileSync(join(cell.dir, 'test.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { prompt: string; correct: boolean });
      expect(tested).toHaveLength(6);
      if (cell.method === 'step-by-step') expect(tested.every((r) => r.prompt.startsWith('[label] '))).toBe(true);
      expect(cell.training.bestStep).toBeGreaterThan(0);
      // A method's own steps when the settings name them, else the common steps.
      expect(cell.training.steps).toBe(cell.method === 'step-by-step' ? 4 : 3);
    }
    // Fractions nest: the half is half the inputs; step-by-step has two rows per input.
    const sbsHalf = first.find((c) => c.method === 'step-by-step' && c.fraction === 0.5)!;
    expect(sbsHalf.inputs).toBe(12);
    expect(sbsHalf.rows).toBe(24);

    // A rerun keeps every finished cell: nothing is trained again.
    const resultFile = join(cellDir(out, 'standard-ft', 1, 0), 'result.json');
    // A finished cell's interval is recomputed from its answers when read back (an older version stored another kind).
    writeFileSync(resultFile, JSON.stringify({ ...JSON.parse(readFileSync(resultFile, 'utf8')), ci95: [0, 1] }));
    const before = statSync(resultFile).mtimeMs;
    const hub2 = new ModelHub({ cachePath: 'none' });
    try {
      const again = await runSweep(config, hub2);
      expect(again.cells.map((c) => c.accuracy)).toEqual(first.map((c) => c.accuracy));
      expect(again.cells.map((c) => c.ci95)).toEqual(first.map((c) => c.ci95));
    } finally {
      await hub2.close();
    }
    expect(statSync(resultFile).mtimeMs).toBe(before);

    const points = sweepPoints(first);
    expect(points).toHaveLength(4);
    const concluded = concludeSweep(out, {
      title: 'test <report>',
      dataset: SPEC,
      teacherName: 'gold',
      teacher: [{ label: 'gold', n: 6, accuracy: 1, ci95: [1, 1] }],
      points,
      cells: first,
      testSize: 6,
      settings: {},
    });
    const report = { ...(await writeSweepReport(out)), results: concluded.results };
    const html = readFileSync(report.htmlPath, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('test &lt;report&gt;');
    expect(readFileSync(report.markdownPath, 'utf8')).toContain('data-efficiency.svg');
    const results = JSON.parse(readFileSync(report.results, 'utf8')) as { points: unknown[]; cells: { correctFlags?: unknown }[]; verdict: string[] };
    expect(results.points).toHaveLength(4);
    expect(results.cells[0]!.correctFlags).toBeUndefined();
    expect(results.verdict.length).toBeGreaterThan(0);

    // Generic ability: ONE model before (a generalist) and after (the same checkpoint warm-started on the in-task
    // data of the largest fraction), on the in-task test and an out-of-task set.
    const hub3 = new ModelHub({ cachePath: 'none' });
    let generic: GenericSection;
    try {
      generic = await genericAbility(hub3, {
        task: dataset.task,
        out,
        inTask: { dataset: SPEC, test: dataset.splits.test! },
        trainPool: dataset.splits.train!,
        validation: dataset.splits.validation!,
        sets: [{ name: 'two steps', dataset: 'synthetic:steps=2,digits=1,distractors=0,seed=5,train=4,validation=0,test=4' }],
        trainPerSet: 4,
        student: config.student,
        seed: 0,
        cells: first,
        specializeMethod: 'step-by-step',
        specializeSteps: 2,
      });
    } finally {
      await hub3.close();
    }
    expect(generic.rows.map((r) => r.role)).toEqual(['before', 'after']);
    expect(generic.rows[1]!.model).toMatch(
      /^the same generalist, specialised on distilling step-by-step \(teacher labels \+ teacher rationales\) data of fraction 1 \(24 in-task inputs, 48 rows\), 2 steps$/,
    );
    for (const row of generic.rows) expect(Object.values(row.scores).map((v) => v.n)).toEqual([6, 4]);
    expect(generic.note).toMatch(/One model before and after specialization/);
    const specialized = JSON.parse(readFileSync(join(out, 'generalist-specialized', 'config.json'), 'utf8')) as Record<string, unknown> & {
      apprentice: Record<string, unknown>;
    };
    const generalist = JSON.parse(readFileSync(join(out, 'generalist', 'config.json'), 'utf8')) as Record<string, unknown> & {
      apprentice: Record<string, unknown>;
    };
    expect(specialized.apprentice).toMatchObject({
      initFrom: join(out, 'generalist'),
      method: 'step-by-step',
      fraction: 1,
      steps: 2,
      lossNormalization: 'task',
    });
    expect({ ...specialized, apprentice: null }).toEqual({ ...generalist, apprentice: null });
    expect(readFileSync(join(out, 'generalist-specialized', 'tokenizer.json'), 'utf8')).toBe(readFileSync(join(out, 'generalist', 'tokenizer.json'), 'utf8'));
    expect(readFileSync(join(out, 'generalist-specialized', 'model.safetensors')).equals(readFileSync(join(out, 'generalist', 'model.safetensors')))).toBe(
      false,
    );
  }, 240_000);
});

describe('verdictOf', () => {
  const point = (method: 'standard-ft' | 'standard-distill' | 'step-by-step', accuracy: number, ci95: [number, number]) => ({
    method,
    fraction: 1,
    inputs: 100,
    seeds: [0, 1, 2],
    accuracy,
    ci95,
    perSeed: [accuracy],
  });
  const flags = (right: number, n = 50) => Array.from({ length: n }, (_, i) => (i < right ? 1 : 0));
  const cell = (method: 'standard-distill' | 'step-by-step' | 'cot-zero-shot-cot', seed: number, right: number, steps = 300) =>
    ({ method, fraction: 1, seed, correctFlags: flags(right), training: { steps } }) as unknown as CellResult;

  it('compares each method with its own baseline on seeds and examples, and says so in words', () => {
    const cells = [0, 1, 2].flatMap((seed) => [cell('standard-distill', seed, 10), cell('step-by-step', seed, 30)]);
    const lines = verdictOf([point('standard-distill', 0.2, [0.1, 0.3]), point('step-by-step', 0.6, [0.5, 0.7])], [], cells);
    expect(lines[0]).toMatch(
      /^Distilling step-by-step \(teacher labels \+ teacher rationales\) against its baseline standard distillation, at fraction 1: \+40\.0 points \[.*\] \(3 seeds × 50 test examples, paired bootstrap over seeds and examples\): better/,
    );
  });

  it('names the steps of each method when they differ between methods, and says nothing when they are equal', () => {
    const equal = [0, 1, 2].flatMap((seed) => [cell('standard-distill', seed, 10), cell('step-by-step', seed, 30)]);
    expect(stepBudgets(equal)).toBeNull();
    expect(verdictOf([], [], equal).join(' ')).not.toMatch(/steps/);
    const unequal = [0, 1, 2].flatMap((seed) => [cell('standard-distill', seed, 10), cell('cot-zero-shot-cot', seed, 30, 450)]);
    const line = verdictOf([], [], unequal).find((l) => l.includes('steps'));
    expect(line).toBe(stepBudgets(unequal));
    expect(line).toMatch(/standard distillation 300 steps.*CoT specialization \(zero-shot-cot\) 450 steps/);
  });

  it('one seed is no verdict, however large the difference', () => {
    const cells = [cell('standard-distill', 0, 10), cell('step-by-step', 0, 40)];
    expect(verdictOf([], [], cells)[0]).toMatch(/one seed only.*no verdict/);
  });

  it('shows the chance level and names the results that do not beat it', () => {
    const chance = { answer: '1', accuracy: 0.18, chosenOn: 400, n: 200 };
    const lines = verdictOf([point('standard-ft', 0.2, [0.15, 0.25]), point('step-by-step', 0.6, [0.5, 0.7])], [], [], { chance });
    expect(lines.join(' ')).toMatch(/Chance level: always answering "1".*18\.0%/);
    const below = lines.find((line) => line.startsWith('Not above chance'));
    expect(below).toMatch(/standard fine-tuning at fraction 1/);
    expect(below).not.toMatch(/step-by-step/);
  });
});
