/**
 * The recipes as their papers define them: distilling step-by-step's two label settings (Hsieh et al. 2023) with
 * an input's two rows kept in one batch and selection on the label task, and CoT specialization's mixture
 * (Fu et al. 2023) with in-context students evaluated in context.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Example, TaskDefinition } from '../../src/data/types.js';
import { annotationFromOutputs, type AnnotationRecord } from '../../src/distill/annotation.js';
import { buildTrainingData, evaluationDemos } from '../../src/distill/builders.js';
import { baselineOf, expandStepByStep } from '../../src/distill/methods.js';
import { methodLabel, studentPrompt, usesDemos } from '../../src/distill/sweep.js';
import { batchIndices, train } from '../../src/engine/train.js';
import type { TrainingExample } from '../../src/engine/trainingData.js';
import { toyExamples } from '../engine/toy.js';

const SVAMP: TaskDefinition = { name: 'svamp', description: '', answer: { kind: 'expression' } };
const GSM: TaskDefinition = { name: 'gsm', description: '', answer: { kind: 'number' } };
const ex = (index: number, input: string, target: string): Example => ({ index, id: `train-${index}`, input, target, raw: {} });

// The teacher is right on the first input and wrong on the second (9 + 2 where gold is 9 - 2).
const records = (): AnnotationRecord[] => [
  annotationFromOutputs(SVAMP, ex(0, 'Tom has 3 apples and buys 4. How many?', '( 3.0 + 4.0 )'), 'train', ['He has 3 + 4 = 7. The answer is (3 + 4).']),
  annotationFromOutputs(SVAMP, ex(1, 'Ann has 9 pens and loses 2. How many?', '( 9.0 - 2.0 )'), 'train', ['She has 9 + 2 = 11. The answer is (9 + 2).']),
  annotationFromOutputs(SVAMP, ex(2, 'Bo has 5 nuts. How many?', ''), 'train', ['Bo has 5. The answer is 5.']),
];

describe('distilling step-by-step: the two settings of Hsieh et al.', () => {
  it('gold labels + teacher rationales: the label task learns gold, the rationale task the teacher; inputs without gold are skipped', () => {
    const { rows, report } = buildTrainingData(SVAMP, records(), { method: 'step-by-step', labels: 'gold' });
    expect(rows.filter((r) => r.task === 'label').map((r) => r.completion)).toEqual([' (3 + 4)', ' (9 - 2)']);
    expect(rows.filter((r) => r.task === 'rationale').map((r) => r.completion)).toEqual([' He has 3 + 4 = 7.', ' She has 9 + 2 = 11.']);
    expect(report.skipped.noGold).toBe(1);
  });

  it('teacher labels + teacher rationales: the teacher label, wrong or not, and every parsed input', () => {
    for (const labels of ['teacher', undefined] as const) {
      const { rows } = buildTrainingData(SVAMP, records(), { method: 'step-by-step', ...(labels ? { labels } : {}) });
      expect(rows.filter((r) => r.task === 'label').map((r) => r.completion)).toEqual([' (3 + 4)', ' (9 + 2)', ' 5']);
    }
  });

  it('rows come in pairs, label then rationale of the same input, so a group of two is one input', () => {
    const { rows } = buildTrainingData(SVAMP, records(), { method: 'step-by-step', labels: 'gold' });
    expect(rows).toHaveLength(4);
    for (let i = 0; i < rows.length; i += 2) {
      expect(rows[i]!.task).toBe('label');
      expect(rows[i + 1]!.task).toBe('rationale');
      expect(rows[i]!.prompt.replace('[label] ', '').replace(/\nAnswer:$/, '')).toBe(
        rows[i + 1]!.prompt.replace('[rationale] ', '').replace(/\nRationale:$/, ''),
      );
    }
  });

  it('the trainer keeps each pair in one batch and still visits every row once per epoch', () => {
    const count = 40;
    const epoch = [0, 1, 2, 3, 4].flatMap((step) => {
      const batch = batchIndices(step, 8, count, 7, 2);
      for (let i = 0; i < batch.length; i += 2) {
        expect(batch[i]! % 2).toBe(0);
        expect(batch[i + 1]).toBe(batch[i]! + 1);
      }
      return batch;
    });
    expect([...epoch].sort((a, b) => a - b)).toEqual([...Array(count).keys()]);
    expect(batchIndices(0, 8, count, 7, 2)).not.toEqual(batchIndices(0, 8, count, 8, 2));
  });

  it('each setting is named as the paper names it and compared with its own baseline', () => {
    expect(expandStepByStep(['standard-ft', 'standard-distill', 'step-by-step'], 'both')).toEqual([
      'standard-ft',
      'standard-distill',
      'step-by-step-gold',
      'step-by-step',
    ]);
    expect(expandStepByStep(['step-by-step'], 'gold')).toEqual(['step-by-step-gold']);
    expect(baselineOf('step-by-step-gold')).toBe('standard-ft');
    expect(baselineOf('step-by-step')).toBe('standard-distill');
    expect(baselineOf('cot')).toBe('standard-ft');
    expect(methodLabel('step-by-step-gold')).toMatch(/gold labels \+ teacher rationales/);
    expect(methodLabel('step-by-step')).toMatch(/teacher labels \+ teacher rationales/);
  });
});

describe('checkpoint selection on one task', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apprentice-recipes-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('selectOnTask picks the step with the lowest validation loss of that task, not of the mix', async () => {
    // Task "odd" and task "even" rows, paired two by two.
    const data: TrainingExample[] = toyExamples(64);
    const result = await train({
      train: data.slice(0, 48),
      validation: data.slice(48),
      outDir: join(dir, 'select'),
      size: 'tiny',
      contextLength: 32,
      steps: 12,
      batchSize: 8,
      groupSize: 2,
      learningRate: 3e-3,
      evalEvery: 2,
      seed: 3,
      selectOnTask: 'odd',
    });
    const state = JSON.parse(await readFile(join(dir, 'select', 'training', 'state.json'), 'utf8')) as {
      history: { step: number; validationLossByTask: Record<string, number> }[];
    };
    const best = state.history.reduce((a, b) => (b.validationLossByTask.odd! < a.validationLossByTask.odd! ? b : a));
    expect(result.bestStep).toBe(best.step);
    expect(result.validationLoss).toBeCloseTo(best.validationLossByTask.odd!, 10);
    await expect(
      train({ train: data.slice(0, 47), validation: [], outDir: join(dir, 'odd'), size: 'tiny', steps: 1, batchSize: 8, groupSize: 2 }),
    ).rejects.toThrow(/group size 2/);
  }, 120_000);
});

describe('CoT specialization: the Fu et al. mixture', () => {
  const problems = Array.from({ length: 5 }, (_, i) =>
    annotationFromOutputs(GSM, ex(i, `What is ${i} + ${i}?`, String(2 * i)), 'train', [
      `${i} + ${i} = ${2 * i}. The answer is ${2 * i}.`,
      `Twice ${i} is ${2 * i}. The answer is ${2 * i}.`,
      `${i} + ${i} = ${2 * i + 1}. The answer is ${2 * i + 1}.`,
    ]),
  );

  it('by default every correct chain is in both CoT formats, plus answer-only rows in both formats; wrong chains never', () => {
    const { rows, report } = buildTrainingData(GSM, problems, { method: 'cot', shots: 2, seed: 0 });
    // 5 questions × (2 correct chains × 2 CoT formats + 2 answer-only formats).
    expect(report.byTask).toEqual({ 'in-context-cot': 10, 'zero-shot-cot': 10, 'in-context-answer': 5, 'zero-shot-answer': 5 });
    for (let i = 0; i < problems.length; i++) {
      const mine = rows.filter((r) => r.prompt.endsWith(`Question: What is ${i} + ${i}?\nAnswer: Let's think step by step.`));
      const chains = (format: string) =>
        mine
          .filter((r) => r.task === format)
          .map((r) => r.completion)
          .sort();
      expect(chains('zero-shot-cot')).toEqual([` ${i} + ${i} = ${2 * i}. The answer is ${2 * i}.`, ` Twice ${i} is ${2 * i}. The answer is ${2 * i}.`].sort());
      expect(chains('in-context-cot')).toEqual(chains('zero-shot-cot'));
    }
    expect(rows.some((r) => r.completion.includes(String(2 * 3 + 1) + '.'))).toBe(false);
    expect(rows.filter((r) => r.task === 'in-context-cot').every((r) => r.prompt.split('\n\n').length === 3)).toBe(true);
  });

  it('a student trained in context is evaluated in context, with the same kind of demonstrations', () => {
    const demos = evaluationDemos(GSM, problems, 2, 0);
    expect(demos(100)).toHaveLength(2);
    expect(demos(100)).toEqual(demos(100));
    const prompt = studentPrompt('cot', GSM, { input: 'What is 7 + 7?' }, demos(100));
    expect(prompt.split('\n\n')).toHaveLength(3);
    expect(prompt).toMatch(/^Question: What is (\d) \+ \1\?\nAnswer: Let's think step by step\. .*The answer is \d+\.\n\n/);
    expect(prompt.endsWith("Question: What is 7 + 7?\nAnswer: Let's think step by step.")).toBe(true);
    expect(usesDemos('cot')).toBe(true);
    expect(usesDemos('cot-in-context-answer')).toBe(true);
    expect(usesDemos('cot-zero-shot-cot')).toBe(false);
    expect(usesDemos('standard-ft')).toBe(false);
  });
});
