import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { splitGsm8kAnswer } from '../../src/data/adapters/gsm8k.js';
import { loadDataset } from '../../src/data/load.js';
import type { Dataset } from '../../src/data/types.js';
import { InputError } from '../../src/util/errors.js';
import { jsonLines, tempFiles } from './tempFiles.js';

const DATASETS = fileURLToPath(new URL('../../../shared/datasets', import.meta.url));
const files = tempFiles();

const counts = (dataset: Dataset) => Object.fromEntries(Object.entries(dataset.splits).map(([k, v]) => [k, v.length]));

async function loadError(spec: string): Promise<InputError> {
  const error = await loadDataset(spec, {}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('grimoire layout (small copy)', () => {
  files.write(
    'grimoire/tasks.json',
    JSON.stringify({
      Mood: { taskType: 'sentiment analysis', description: 'Classify the mood.', inputField: 'text', labelField: 'ans_text', labels: ['happy', 'sad'] },
    }),
  );
  files.write('grimoire/tasks/Mood/train.json', JSON.stringify([{ text: 'yay', ans_text: 'happy', ans_label: 'x' }], null, 4));
  files.write('grimoire/tasks/Mood/test.json', '[\n  {"text": "boo", "ans_text": "Sad"},\n  {"text": "meh", "ans_text": "bored"}\n]');
  files.write('grimoire/tasks/Other/train.json', '[]');

  it('reads the task entry from tasks.json two levels up and checks labels per record', async () => {
    const error = await loadError(`grimoire:${files.dir}/grimoire/tasks/Mood`);
    expect(error.message).toBe(`${files.dir}/grimoire/tasks/Mood/test.json:3, field "ans_text": unknown label "bored"; expected one of: happy, sad`);
  });

  it('names tasks.json when the task has no entry', async () => {
    const error = await loadError(`grimoire:${files.dir}/grimoire/tasks/Other`);
    expect(error.message).toBe(`${files.dir}/grimoire/tasks.json: no entry for task "Other"; tasks: Mood`);
  });
});

describe('gsm8k answers', () => {
  it('takes the number after #### and strips calculator annotations from the reasoning', () => {
    expect(splitGsm8kAnswer('He has 3*4 = <<3*4=12>>12 apples.\nThen 1,000+12 = <<1000+12=1012>>1,012.\n#### 1,012')).toEqual({
      target: '1012',
      rationale: 'He has 3*4 = 12 apples.\nThen 1,000+12 = 1,012.',
    });
    expect(splitGsm8kAnswer('Down 7.\n#### -7').target).toBe('-7');
  });

  it('reports an answer without a final number, with its line', async () => {
    files.write(
      'gsm/train.jsonl',
      jsonLines([
        { question: 'q', answer: 'a\n#### 3' },
        { question: 'q2', answer: 'no marker' },
      ]),
    );
    expect((await loadError(`gsm8k:${files.dir}/gsm`)).message).toBe(`${files.dir}/gsm/train.jsonl:2, field "answer": answer has no "#### <number>" ending`);
  });
});

describe.skipIf(!existsSync(DATASETS))('real benchmark data in ../shared/datasets', () => {
  const grimoireTasks: Record<string, { sizes: Record<string, number>; labels: string[] }> = {
    SST5: { sizes: { train: 2000, test: 1000 }, labels: ['very positive', 'positive', 'neutral', 'negative', 'very negative'] },
    Subj: { sizes: { train: 2000, test: 1000 }, labels: ['subjective', 'objective'] },
    AgNews: { sizes: { train: 2000, test: 1000 }, labels: ['World', 'Sports', 'Business', 'Technology'] },
    TREC: { sizes: { train: 1000, test: 500 }, labels: ['Abbreviation', 'Entity', 'Description', 'Person', 'Location', 'Number'] },
    RTE: { sizes: { train: 1832, test: 210 }, labels: ['True', 'False'] },
    QNLI: { sizes: { train: 2000, test: 1000 }, labels: ['True', 'False'] },
  };

  for (const [name, expected] of Object.entries(grimoireTasks)) {
    it(`loads grimoire ${name} with its labels`, async () => {
      const dataset = await loadDataset(`grimoire:${DATASETS}/grimoire/tasks/${name}`, {});
      expect(counts(dataset)).toEqual(expected.sizes);
      expect(dataset.task.name).toBe(name);
      expect(dataset.task.answer).toEqual({ kind: 'label', labels: expected.labels });
      expect(dataset.task.taskType).toMatch(/analysis|classification|inference/);
      const all = Object.values(dataset.splits).flat();
      expect(new Set(all.map((e) => e.target))).toEqual(new Set(expected.labels));
      expect(all.every((e) => e.input.length > 0 && e.input === e.raw.text)).toBe(true);
    });
  }

  it('takes RTE labels from ans_text, not the string ans_label', async () => {
    const dataset = await loadDataset(`grimoire:${DATASETS}/grimoire/tasks/RTE`, {});
    const first = dataset.splits.train?.[0];
    expect(first).toMatchObject({ index: 0, id: 'train-0', target: 'False' });
    expect(first?.raw.ans_label).toBe('not_entailment');
    expect(dataset.task.description).toBe('Please answer the question, just output True / False.');
  });

  it('loads SVAMP 800/200 with equation targets', async () => {
    const dataset = await loadDataset(`svamp:${DATASETS}/svamp`, {});
    expect(counts(dataset)).toEqual({ train: 800, test: 200 });
    expect(dataset.task.answer).toEqual({ kind: 'expression' });
    expect(dataset.splits.train?.[0]).toMatchObject({ id: 'train-0', target: '( 84.0 / 2.0 )' });
    expect(dataset.splits.train?.[0]?.input).toMatch(/^Luke scored 84 points/);
    expect(dataset.splits.test?.[199]).toMatchObject({ index: 199, id: 'test-199' });
  });

  it('loads CommonsenseQA 9741/1221 as multiple choice with rationales and ids', async () => {
    const dataset = await loadDataset(`cqa:${DATASETS}/cqa`, {});
    expect(counts(dataset)).toEqual({ train: 9741, test: 1221 });
    expect(dataset.task.answer).toEqual({ kind: 'multiple_choice' });
    expect(dataset.splits.train?.[0]).toMatchObject({
      id: '6b819727eb8a670df26a7ffad036c119',
      target: 'math problem',
      choices: ['park', 'coloring book', 'garden center', 'math problem', 'gravity'],
      rationale: 'webmath is designed to help you solve',
    });
    const all = Object.values(dataset.splits).flat();
    expect(all.every((e) => e.choices?.length === 5 && e.choices.includes(e.target))).toBe(true);
    expect(all.every((e) => e.input === e.raw.question)).toBe(true);
  });

  it('loads GSM8K 7473/1319 with numeric targets and clean rationales', async () => {
    const dataset = await loadDataset(`gsm8k:${DATASETS}/gsm8k`, {});
    expect(counts(dataset)).toEqual({ train: 7473, test: 1319 });
    expect(dataset.task.answer).toEqual({ kind: 'number' });
    expect(dataset.splits.train?.[0]).toMatchObject({
      target: '72',
      rationale: 'Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.',
    });
    const all = Object.values(dataset.splits).flat();
    expect(all.every((e) => /^-?\d+$/.test(e.target))).toBe(true);
    expect(all.some((e) => e.target.startsWith('-'))).toBe(true);
    expect(all.every((e) => !e.rationale?.includes('<<') && !e.rationale?.includes('####'))).toBe(true);
  });
});
