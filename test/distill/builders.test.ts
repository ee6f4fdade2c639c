import { describe, expect, it } from 'vitest';
import type { Example, TaskDefinition } from '../../src/data/types.js';
import { annotationFromOutputs, failedAnnotation, NO_CALL, type AnnotationRecord } from '../../src/distill/annotation.js';
import { buildTrainingData, selectFraction, type TrainingRow } from '../../src/distill/builders.js';
import { exportLines } from '../../src/distill/exportFormats.js';
import { inferencePrompt } from '../../src/distill/studentFormat.js';

const SVAMP: TaskDefinition = { name: 'svamp', description: '', answer: { kind: 'expression' } };
const CQA: TaskDefinition = { name: 'cqa', description: '', answer: { kind: 'multiple_choice' } };
const GSM: TaskDefinition = { name: 'gsm', description: '', answer: { kind: 'number' } };

const ex = (index: number, input: string, target: string, choices?: string[]): Example => ({
  index,
  id: `train-${index}`,
  input,
  target,
  raw: {},
  ...(choices ? { choices } : {}),
});

const svampRecords = (): AnnotationRecord[] => [
  annotationFromOutputs(SVAMP, ex(0, 'Tom has 3 apples and buys 4. How many?', '( 3.0 + 4.0 )'), 'train', [
    'He has 3 + 4 = 7. The answer is (3 + 4).\n\nQ: more',
  ]),
  annotationFromOutputs(SVAMP, ex(1, 'Ann has 9 pens and loses 2. How many?', '( 9.0 - 2.0 )'), 'train', ['She has 9 + 2 = 11. The answer is (9 + 2).']),
  annotationFromOutputs(SVAMP, ex(2, 'Bo has 2 bags of 5 nuts. How many?', '( 2.0 * 5.0 )'), 'train', ['No idea.']),
  failedAnnotation(ex(3, 'Cy has 8 cups. How many?', '8'), 'train', { kind: 'server', message: '500' }, NO_CALL),
];

describe('training data builders: exact formats', () => {
  it('standard fine-tuning: gold label, every input with gold (teacher not needed)', () => {
    const { rows, report } = buildTrainingData(SVAMP, svampRecords(), { method: 'standard-ft' });
    expect(rows[0]).toEqual({ prompt: 'Question: Tom has 3 apples and buys 4. How many?\nAnswer:', completion: ' (3 + 4)' });
    expect(rows.map((row) => row.completion)).toEqual([' (3 + 4)', ' (9 - 2)', ' (2 * 5)', ' 8']);
    expect(report).toMatchObject({ inputs: 4, used: 4, rows: 4 });
  });

  it('standard distillation: the teacher label (wrong ones too, unless filtered); unparsed and failed inputs are skipped', () => {
    const { rows, report } = buildTrainingData(SVAMP, svampRecords(), { method: 'standard-distill' });
    expect(rows).toEqual([
      { prompt: 'Question: Tom has 3 apples and buys 4. How many?\nAnswer:', completion: ' (3 + 4)' },
      { prompt: 'Question: Ann has 9 pens and loses 2. How many?\nAnswer:', completion: ' (9 + 2)' },
    ]);
    expect(report.skipped).toMatchObject({ unparsed: 1, failedCall: 1 });
    const filtered = buildTrainingData(SVAMP, svampRecords(), { method: 'standard-distill', filter: 'gold' });
    expect(filtered.rows.map((row) => row.completion)).toEqual([' (3 + 4)']);
    expect(filtered.report.skipped.disagreesWithGold).toBe(1);
  });

  it('step-by-step: [label] and [rationale] rows per input with weights alpha and 1 - alpha and task tags', () => {
    const { rows, report } = buildTrainingData(SVAMP, svampRecords().slice(0, 1), { method: 'step-by-step' });
    expect(rows).toEqual([
      { prompt: '[label] Question: Tom has 3 apples and buys 4. How many?\nAnswer:', completion: ' (3 + 4)', weight: 0.5, task: 'label' },
      { prompt: '[rationale] Question: Tom has 3 apples and buys 4. How many?\nRationale:', completion: ' He has 3 + 4 = 7.', weight: 0.5, task: 'rationale' },
    ]);
    expect(report.byTask).toEqual({ label: 1, rationale: 1 });
    // At inference only the label task runs.
    expect(inferencePrompt('step-by-step', SVAMP.answer, { input: 'Tom has 3 apples and buys 4. How many?' })).toBe(rows[0]!.prompt);
  });

  it('step-by-step: alpha is carried into the data, so sum(weight * loss) = alpha * L_label + (1 - alpha) * L_rationale', () => {
    const alpha = 0.8;
    const { rows } = buildTrainingData(SVAMP, svampRecords(), { method: 'step-by-step', alpha });
    const label = rows.filter((row) => row.task === 'label');
    const rationale = rows.filter((row) => row.task === 'rationale');
    expect(label.every((row) => row.weight === alpha)).toBe(true);
    expect(rationale.every((row) => row.weight === 1 - alpha)).toBe(true);
    // With made-up per-row losses, the weighted sum is the paper's combination of the two task losses.
    const loss = (row: TrainingRow) => (row.task === 'label' ? 2 : 3) + row.prompt.length / 1000;
    const weighted = rows.reduce((sum, row) => sum + row.weight! * loss(row), 0);
    const labelLoss = label.reduce((sum, row) => sum + loss(row), 0);
    const rationaleLoss = rationale.reduce((sum, row) => sum + loss(row), 0);
    expect(weighted).toBeCloseTo(alpha * labelLoss + (1 - alpha) * rationaleLoss, 12);
    expect(() => buildTrainingData(SVAMP, svampRecords(), { method: 'step-by-step', alpha: 1.5 })).toThrow('alpha must be between 0 and 1');
  });

  it('multiple choice: the options are in the prompt and the label is written "(b) zoo"', () => {
    const choices = ['park', 'zoo', 'bank'];
    const record = annotationFromOutputs(CQA, ex(0, 'Where do lions live in a city?', 'zoo', choices), 'train', [
      'Cities keep lions in zoos. So the answer is (b) zoo.',
    ]);
    const { rows } = buildTrainingData(CQA, [record], { method: 'step-by-step' });
    expect(rows[0]).toEqual({
      prompt: '[label] Question: Where do lions live in a city?\nAnswer choices:\n(a) park\n(b) zoo\n(c) bank\nAnswer:',
      completion: ' (b) zoo',
      weight: 0.5,
      task: 'label',
    });
    expect(rows[1]!.completion).toBe(' Cities keep lions in zoos.');
  });
});

describe('chain-of-thought specialization', () => {
  const problems = Array.from({ length: 6 }, (_, i) =>
    annotationFromOutputs(GSM, ex(i, `What is ${i} + ${i}?`, String(2 * i)), 'train', [
      `${i} + ${i} = ${2 * i}. The answer is ${2 * i}.`,
      `Twice ${i} is ${2 * i}. The answer is ${2 * i}.`,
      `${i} + ${i} = ${2 * i + 1}. The answer is ${2 * i + 1}.`,
    ]),
  );

  it('each format has its exact layout', () => {
    const only = (format: string, extra = {}) =>
      buildTrainingData(GSM, problems, { method: 'cot', mix: { [format]: 1 }, chains: 'one', shots: 2, seed: 1, ...extra }).rows;
    expect(only('zero-shot-answer')[1]).toEqual({ prompt: 'Question: What is 1 + 1?\nAnswer:', completion: ' 2', task: 'zero-shot-answer' });
    expect(only('zero-shot-cot')[1]).toEqual({
      prompt: "Question: What is 1 + 1?\nAnswer: Let's think step by step.",
      completion: ' 1 + 1 = 2. The answer is 2.',
      task: 'zero-shot-cot',
    });
    const inContext = only('in-context-cot')[1]!;
    const blocks = inContext.prompt.split('\n\n');
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toMatch(/^Question: What is (\d) \+ \1\?\nAnswer: Let's think step by step\. \1 \+ \1 = \d+\. The answer is \d+\.$/);
    expect(blocks[2]).toBe("Question: What is 1 + 1?\nAnswer: Let's think step by step.");
    expect(inContext.prompt.split('What is 1 + 1?')).toHaveLength(2); // never its own demo
    const answerOnly = only('in-context-answer')[1]!;
    expect(answerOnly.prompt.split('\n\n')[0]).toMatch(/^Question: What is (\d) \+ \1\?\nAnswer: \d+$/);
    expect(answerOnly.completion).toBe(' 2');
  });

  it('all correct chains per question, by default; wrong chains never', () => {
    const { rows, report } = buildTrainingData(GSM, problems, { method: 'cot', mix: { 'zero-shot-cot': 1 } });
    expect(rows).toHaveLength(12);
    expect(rows.slice(0, 2).map((row) => row.completion)).toEqual([' 0 + 0 = 0. The answer is 0.', ' Twice 0 is 0. The answer is 0.']);
    expect(report).toMatchObject({ used: 6, rows: 12 });
  });

  it('the mix sets the share of each format, seeded', () => {
    const many = Array.from({ length: 400 }, (_, i) => annotationFromOutputs(GSM, ex(i, `q${i}`, '1'), 'train', ['so. The answer is 1.']));
    const mix = { 'zero-shot-cot': 3, 'in-context-cot': 1 };
    const { report } = buildTrainingData(GSM, many, { method: 'cot', mix, seed: 3 });
    expect(report.byTask['zero-shot-cot']! + report.byTask['in-context-cot']!).toBe(400);
    expect(report.byTask['zero-shot-cot']! / 400).toBeGreaterThan(0.68);
    expect(report.byTask['zero-shot-cot']! / 400).toBeLessThan(0.82);
    expect(buildTrainingData(GSM, many, { method: 'cot', mix, seed: 3 }).rows).toEqual(buildTrainingData(GSM, many, { method: 'cot', mix, seed: 3 }).rows);
  });
});

describe('fractions and exports', () => {
  it('a fraction is a seeded subset, in order, and a smaller fraction nests inside a larger one', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const quarter = selectFraction(items, 0.25, 7);
    const half = selectFraction(items, 0.5, 7);
    expect(quarter).toHaveLength(25);
    expect(half).toHaveLength(50);
    expect(quarter.every((i) => half.includes(i))).toBe(true);
    expect([...quarter].sort((a, b) => a - b)).toEqual(quarter);
    expect(selectFraction(items, 0.25, 8)).not.toEqual(quarter);
  });

  it('OpenAI chat JSONL and Hugging Face prompt/completion JSONL', () => {
    const { rows } = buildTrainingData(SVAMP, svampRecords().slice(0, 1), { method: 'step-by-step', alpha: 0.7 });
    const openai = exportLines(rows, 'openai', { system: 'Solve it.' });
    expect(JSON.parse(openai.lines[0]!)).toEqual({
      messages: [
        { role: 'system', content: 'Solve it.' },
        { role: 'user', content: '[label] Question: Tom has 3 apples and buys 4. How many?\nAnswer:' },
        { role: 'assistant', content: '(3 + 4)' },
      ],
    });
    expect(openai.warnings[0]).toContain('OpenAI fine-tuning weighs every example equally');
    const hf = exportLines(rows, 'hf');
    expect(JSON.parse(hf.lines[1]!)).toEqual({
      prompt: '[rationale] Question: Tom has 3 apples and buys 4. How many?\nRationale:',
      completion: ' He has 3 + 4 = 7.',
      weight: 1 - 0.7,
      task: 'rationale',
    });
    expect(hf.warnings).toEqual([]);
  });
});
