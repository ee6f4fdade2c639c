/**
 * Checkpoint selection on held-out tasks (Fu et al. 2023) beside validation-loss selection, and the
 * generic-ability check specializing on the data the sweep is about (CoT rows in a CoT sweep) and naming its
 * out-of-task sets. The choice itself is checked with a scripted evaluator (which step answers how many held-out
 * questions right); the sweep and the generic check run on real tiny students.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import type { Example } from '../../src/data/types.js';
import type { ExampleRecord } from '../../src/eval/records.js';
import { genericAbility, specializationCell } from '../../src/distill/generic.js';
import { goldRecords } from '../../src/distill/goldRecords.js';
import { loadHeldOutTasks, selectOnHeldOutTasks } from '../../src/distill/heldOutSelection.js';
import { studentCard } from '../../src/distill/studentCard.js';
import { runSweep, type CellResult, type SweepConfig } from '../../src/distill/sweep.js';
import { concludeSweep } from '../../src/distill/verdict.js';
import { ModelHub } from '../../src/models/hub.js';
import { writeSweepReport } from '../../src/report/sweepReport.js';

const SPEC = 'synthetic:steps=1,digits=1,distractors=0,seed=4,train=24,validation=6,test=6';
const HELD_OUT = 'synthetic:steps=2,digits=1,distractors=0,seed=7,train=4,validation=4,test=4';

describe('checkpoint selection on held-out tasks', () => {
  it('keeps the step with the highest mean accuracy over the held-out tasks, the later one on a tie', async () => {
    const tasks = await loadHeldOutTasks(
      [
        { name: 'two steps', dataset: HELD_OUT },
        { name: 'again', dataset: HELD_OUT },
      ],
      4,
    );
    expect(tasks.map((t) => t.examples.length)).toEqual([4, 4]);
    const cell = mkdtempSync(join(tmpdir(), 'apprentice-selection-'));
    const snapshots = join(cell, 'snapshots');
    for (const step of [10, 20, 30]) mkdirSync(join(snapshots, `step-${step}`), { recursive: true });
    // Right answers per snapshot: step 20 is best on average (3/4 and 2/4), step 30 ties step 10.
    const right: Record<string, [number, number]> = { 'step-10': [1, 1], 'step-20': [3, 2], 'step-30': [0, 2] };
    const asked: string[] = [];
    const evaluate = async (checkpoint: string, _card: unknown, _task: unknown, examples: readonly Example[]): Promise<ExampleRecord[]> => {
      const name = checkpoint.split('/').pop()!;
      const which = asked.filter((a) => a === name).length;
      asked.push(name);
      const k = right[name]![which]!;
      return examples.map((example, i) => ({ index: example.index, correct: i < k }) as unknown as ExampleRecord);
    };
    const chosen = await selectOnHeldOutTasks(evaluate, cell, snapshots, studentCard('standard-ft', { answer: 4, cot: 16 }), tasks);
    expect(chosen.on).toBe('accuracy on held-out tasks');
    expect(chosen.step).toBe(20);
    expect(chosen.checkpoint).toBe(join(snapshots, 'step-20'));
    expect(chosen.byStep!.map((e) => [e.step, e.accuracy])).toEqual([
      [10, 0.25],
      [20, 0.625],
      [30, 0.25],
    ]);
    expect(chosen.tasks).toEqual(['two steps', 'again']);

    right['step-20'] = [1, 1];
    asked.length = 0;
    const tie = await selectOnHeldOutTasks(evaluate, cell, snapshots, studentCard('standard-ft', { answer: 4, cot: 16 }), tasks);
    expect(tie.step).toBe(30);
  });

  it('never reads a test split: a held-out task without validation questions is refused', async () => {
    await expect(loadHeldOutTasks([{ name: 'no validation', dataset: 'synthetic:steps=2,seed=7,train=4,validation=0,test=4' }], 4)).rejects.toThrow(
      /has no validation split/,
    );
    await expect(loadHeldOutTasks([], 4)).rejects.toThrow(/at least one held-out task/);
  });

  it('a sweep tests the chosen snapshot, records the choice and names it in its tables; generic ability specializes on the CoT data', async () => {
    const dataset = await loadDataset(SPEC, {});
    const out = mkdtempSync(join(tmpdir(), 'apprentice-sweep-held-out-'));
    const config: SweepConfig = {
      task: dataset.task,
      train: goldRecords(dataset.splits.train!, 'train'),
      validation: goldRecords(dataset.splits.validation!, 'validation'),
      test: dataset.splits.test!,
      methods: ['standard-ft', 'cot-zero-shot-cot'],
      fractions: [1],
      seeds: [0],
      alpha: 0.5,
      filter: 'none',
      student: { size: 'tiny', steps: 4, evalEvery: 2, batchSize: 4, learningRate: 3e-3, contextLength: 128, maxTokens: { answer: 4, cot: 16 } },
      out,
      identity: { test: 'held-out selection' },
      selection: { on: 'held-out-tasks', tasks: await loadHeldOutTasks([{ name: 'two steps', dataset: HELD_OUT }], 4) },
    };
    const hub = new ModelHub({ cachePath: 'none' });
    let cells: CellResult[];
    try {
      const sweep = await runSweep(config, hub);
      cells = sweep.cells;
      for (const point of sweep.points) expect(point.selectedOn).toBe('accuracy on held-out tasks (two steps)');
      for (const cell of cells) {
        const selection = cell.selection!;
        expect(selection.byStep!.map((e) => e.step)).toEqual([2, 4]);
        const best = Math.max(...selection.byStep!.map((e) => e.accuracy));
        expect(selection.byStep!.find((e) => e.step === selection.step)!.accuracy).toBe(best);
        expect(selection.checkpoint).toBe(join(cell.dir, 'snapshots', `step-${selection.step}`));
        expect(existsSync(join(selection.checkpoint, 'student-prompt.json'))).toBe(true);
        // Every snapshot answered the held-out questions, in the student's own prompt format.
        for (const step of [2, 4]) expect(existsSync(join(cell.dir, 'selection', `step-${step}`))).toBe(true);
      }

      concludeSweep(out, { title: 'held-out', dataset: SPEC, teacherName: 'gold', teacher: [], points: sweep.points, cells, testSize: 6, settings: {} });
      const report = await writeSweepReport(out);
      const markdown = readFileSync(report.markdownPath, 'utf8');
      expect(markdown).toContain('checkpoint selected on');
      expect(markdown).toContain('accuracy on held-out tasks (two steps)');

      // Generic ability: with a CoT method in the sweep and none named, the generalist is specialised on its CoT rows.
      expect(specializationCell(cells, 0)!.method).toBe('cot-zero-shot-cot');
      const generic = await genericAbility(hub, {
        task: dataset.task,
        out,
        inTask: { dataset: SPEC, test: dataset.splits.test! },
        trainPool: dataset.splits.train!,
        validation: dataset.splits.validation!,
        sets: [{ name: 'two steps', dataset: HELD_OUT }],
        trainPerSet: 4,
        student: config.student,
        seed: 0,
        cells,
        specializeSteps: 1,
      });
      expect(generic.rows[1]!.model).toMatch(/^the same generalist, specialised on CoT specialization \(zero-shot-cot\) data of fraction 1/);
      expect(generic.note).toMatch(/^Out-of-task sets: two steps \(synthetic:[^;]*steps=2[^;]*; 4 test problems, 4 in the generalist's training\)\. /);
      const specialized = JSON.parse(readFileSync(join(out, 'generalist-specialized', 'config.json'), 'utf8')) as { apprentice: Record<string, unknown> };
      expect(specialized.apprentice).toMatchObject({ method: 'cot-zero-shot-cot' });
      // The specialised model is asked as the CoT students are: it writes the chain.
      const answersRoot = join(out, 'generic-answers', 'generalist-specialized');
      const prompts = readdirPrompts(answersRoot);
      expect(prompts.length).toBeGreaterThan(0);
      expect(prompts.every((p) => p.endsWith("Answer: Let's think step by step."))).toBe(true);
    } finally {
      await hub.close();
    }
  }, 300_000);
});

function readdirPrompts(root: string): string[] {
  return readdirSync(root).flatMap((dir) =>
    readFileSync(join(root, dir, 'records.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => (JSON.parse(line) as { prompt: string }).prompt),
  );
}
