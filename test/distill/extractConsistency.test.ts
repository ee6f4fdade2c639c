/**
 * The same text gets the same answer everywhere: `eval --predictions` and `distill import` read
 * identical per-example answers (and validity, pattern and cut) from the same outputs, on a
 * premise/hypothesis task with an input template and on a numeric task answered "A: 18" — the two
 * cases where they used to disagree. Outputs are written for this test.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetOptions } from '../../src/data/load.js';
import { importTeacherOutputs } from '../../src/distill/importTeacher.js';
import { readAnnotations } from '../../src/distill/store.js';
import { runEvalJob, type EvalJobConfig } from '../../src/eval/job.js';
import { ModelHub } from '../../src/models/hub.js';

const hubs: ModelHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
});

const temp = () => mkdtempSync(join(tmpdir(), 'apprentice-consistency-'));

async function bothWays(rows: Record<string, unknown>[], outputs: string[], datasetOptions: DatasetOptions, answerPattern?: string) {
  const dir = temp();
  const data = join(dir, 'task.jsonl');
  writeFileSync(data, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  const predictions = join(dir, 'predictions.jsonl');
  writeFileSync(predictions, outputs.map((output, index) => JSON.stringify({ index, output })).join('\n') + '\n');
  const teacher = join(dir, 'teacher');
  mkdirSync(teacher);
  writeFileSync(join(teacher, 'test_CoT_0.json'), JSON.stringify(outputs));

  const hub = new ModelHub({ cachePath: 'none', maxRetries: 0 });
  hubs.push(hub);
  const config: EvalJobConfig = {
    dataset: `jsonl:${data}`,
    datasetOptions,
    split: 'test',
    seed: 0,
    predictions,
    style: 'zero-shot',
    shots: 0,
    demoSelection: 'random',
    demoSplit: 'train',
    embedder: 'builtin',
    scoring: 'generate',
    maxTokens: 64,
    temperature: 0,
    targetLogprob: false,
    validationFraction: 0.1,
    concurrency: 2,
    runsRoot: join(dir, 'runs'),
    ...(answerPattern ? { answerPattern } : {}),
  };
  const evaluated = await runEvalJob(config, hub);
  const out = join(dir, 'annotations');
  const imported = await importTeacherOutputs({
    dataset: `jsonl:${data}`,
    datasetOptions,
    teacherOutputs: teacher,
    out,
    ...(answerPattern ? { answerPattern } : {}),
  });
  const annotations = readAnnotations(out).splits.test!;
  const byIndex = <T extends { index: number }>(records: T[]): T[] => [...records].sort((a, b) => a.index - b.index);
  const fromEval = byIndex(evaluated.records).map((r) => ({
    index: r.index,
    answer: r.extracted,
    valid: r.valid,
    pattern: r.answerPattern ?? null,
    cut: r.cutAt ?? null,
  }));
  const fromImport = byIndex(annotations).map((r) => ({
    index: r.index,
    answer: r.extracted,
    valid: r.valid,
    pattern: r.answerPattern ?? null,
    cut: r.cutAt ?? null,
  }));
  return { fromEval, fromImport, summary: evaluated.summary, stats: imported.splits.test! };
}

describe('eval --predictions and distill import read the same answers from the same text', () => {
  it('premise/hypothesis task with run-ons into its own layout, markers, negation and hedges', async () => {
    const rows = [
      { premise: 'A cat sleeps on a warm windowsill.', hypothesis: 'An animal is resting.', label: 'entailment' },
      { premise: 'Two children build a sandcastle.', hypothesis: 'The children are at a funeral.', label: 'contradiction' },
      { premise: 'A woman reads in a library.', hypothesis: 'She is reading a novel.', label: 'neutral' },
      { premise: 'A man repairs a bicycle tyre.', hypothesis: 'A man is fixing something.', label: 'entailment' },
      { premise: 'The band plays to an empty hall.', hypothesis: 'The concert is sold out.', label: 'contradiction' },
      { premise: 'A chef tastes the soup.', hypothesis: 'The soup is too salty.', label: 'neutral' },
      { premise: 'A dog fetches a stick from the lake.', hypothesis: 'A dog is wet.', label: 'neutral' },
      { premise: 'Snow covers the empty road.', hypothesis: 'It is summer in the desert.', label: 'contradiction' },
    ];
    const outputs = [
      'A sleeping cat is resting, and a cat is an animal.\nSo the answer is entailment.\n\nPremise: A boy kicks a ball.\nHypothesis: A boy is asleep.\nSo the answer is contradiction.',
      'Building sandcastles happens at a beach, not at a funeral.\nAnswer: contradiction\n\nPremise: Birds fly south.\nHypothesis: It is autumn.\nAnswer: neutral',
      'The premise does not say what she reads. It is not entailment and not contradiction: neutral.',
      'Repairing a tyre is fixing something. The answer is **entailment**.',
      'It could be contradiction or neutral.',
      '',
      'Premise: A dog fetches a stick from the lake.\nHypothesis: A dog is wet.\nThe dog went into the lake, so it is probably wet, but that is not stated.\nThe answer is neutral.',
      'Snow on a road rules out a summer desert.\nThe answer is contradiction.\nUser: next pair please',
    ];
    const { fromEval, fromImport, summary, stats } = await bothWays(rows, outputs, {
      inputTemplate: 'Premise: {premise}\nHypothesis: {hypothesis}',
      labelField: 'label',
      labels: ['entailment', 'neutral', 'contradiction'],
    });
    expect(fromImport).toEqual(fromEval);
    expect(fromEval.map((r) => r.answer)).toEqual(['entailment', 'contradiction', 'neutral', 'entailment', null, null, 'neutral', 'contradiction']);
    expect(fromEval.map((r) => r.cut)).toEqual(['Premise:', 'Premise:', null, null, null, null, null, 'User:']);
    // Both summaries count the same cut outputs and the same correct answers.
    expect(summary.cutOutputs).toBe(3);
    expect(stats.cutOutputs).toBe(3);
    expect(summary.correct).toBe(stats.correct);
    expect(summary.correct).toBe(6);
  });

  it('a numeric task answered "A: 18" (import read none of these before), and an --answer-pattern both use', async () => {
    const rows = [
      { question: 'Ann buys 3 packs of 6 pens. How many pens?', answer: '18' },
      { question: 'A class has 4 rows of 7 desks. How many desks?', answer: '28' },
      { question: 'Tim had 20 marbles and gave away 5. How many are left?', answer: '15' },
    ];
    const outputs = [
      'Three packs of six pens is 3 * 6 = 18.\nA: 18\n\nQ: Sam has 2 dogs and gets 1 more. How many dogs?\nA: 3',
      'Four rows of seven desks: 4 * 7 = 28.\nA: 28',
      'He gave away 5 of 20, leaving 15.\nA: 15',
    ];
    const options: DatasetOptions = { inputField: 'question', labelField: 'answer', answerType: 'number' };
    const { fromEval, fromImport, stats } = await bothWays(rows, outputs, options);
    expect(fromImport).toEqual(fromEval);
    expect(fromEval.map((r) => [r.answer, r.pattern])).toEqual([
      ['18', 'A:'],
      ['28', 'A:'],
      ['15', 'A:'],
    ]);
    expect(stats).toMatchObject({ parsed: 3, correct: 3, cutOutputs: 1 });

    const custom = ['Working... RESULT<18> checked 2 ways.', 'RESULT<28> from 4 rows', 'RESULT<14> after 5 given away'];
    const patterned = await bothWays(rows, custom, options, String.raw`RESULT<(\d+)>`);
    expect(patterned.fromImport).toEqual(patterned.fromEval);
    expect(patterned.fromEval.map((r) => [r.answer, r.pattern])).toEqual([
      ['18', 'custom'],
      ['28', 'custom'],
      ['14', 'custom'],
    ]);
  });
});
