import { describe, expect, it } from 'vitest';
import { DATASET_KINDS, loadDataset, parseDatasetSpec } from '../../src/data/load.js';
import { InputError } from '../../src/util/errors.js';
import { jsonLines, tempFiles } from './tempFiles.js';

const files = tempFiles();

async function loadError(spec: string, options = {}): Promise<InputError> {
  const error = await loadDataset(spec, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('dataset specs', () => {
  it('splits kind and path, and infers generic kinds from a bare file name', () => {
    expect(parseDatasetSpec('svamp:/data/svamp')).toEqual({ kind: 'svamp', path: '/data/svamp' });
    expect(parseDatasetSpec('CSV:rel/a:b.csv')).toEqual({ kind: 'csv', path: 'rel/a:b.csv' });
    expect(parseDatasetSpec('data/x.jsonl')).toEqual({ kind: 'jsonl', path: 'data/x.jsonl' });
  });

  it('lists the kinds when the kind is unknown or missing', () => {
    const kinds = DATASET_KINDS.join(', ');
    expect(kinds).toBe('grimoire, svamp, cqa, gsm8k, synthetic, captured, json, jsonl, csv');
    expect(() => parseDatasetSpec('parquet:/x')).toThrow(`unknown dataset kind "parquet"; kinds: ${kinds}`);
    expect(() => parseDatasetSpec('/data/x.txt')).toThrow(`write <kind>:<path> with kind one of: ${kinds}`);
    expect(() => parseDatasetSpec('json:')).toThrow('no path after "json:"');
  });
});

describe('generic files', () => {
  const nli = files.write(
    'nli.jsonl',
    jsonLines([
      { premise: 'A dog runs.', hypothesis: 'An animal moves.', label: 0 },
      { premise: 'A cat sleeps.', hypothesis: 'A cat runs.', label: '2' },
      { premise: 'It rains.', hypothesis: 'It is wet.', label: 'Neutral' },
    ]),
  );
  const labels = ['entailment', 'neutral', 'contradiction'];

  it('reads one file as one split, with a template and integer label indices', async () => {
    const dataset = await loadDataset(`jsonl:${nli}`, {
      inputTemplate: 'Premise: {premise}\\nHypothesis: {hypothesis}',
      labels,
      taskDescription: 'Does the premise entail the hypothesis?',
    });
    expect(dataset.task).toEqual({
      name: 'nli',
      description: 'Does the premise entail the hypothesis?',
      inputTemplate: 'Premise: {premise}\nHypothesis: {hypothesis}',
      answer: { kind: 'label', labels },
    });
    expect(Object.keys(dataset.splits)).toEqual(['test']);
    expect(dataset.splits.test?.map((e) => [e.index, e.id, e.target])).toEqual([
      [0, 'test-0', 'entailment'],
      [1, 'test-1', 'contradiction'],
      [2, 'test-2', 'neutral'],
    ]);
    expect(dataset.splits.test?.[0]?.input).toBe('Premise: A dog runs.\nHypothesis: An animal moves.');
    expect(dataset.splits.test?.[0]?.raw).toEqual({ premise: 'A dog runs.', hypothesis: 'An animal moves.', label: 0 });
    expect(dataset.source).toBe(`jsonl:${nli}`);
  });

  it('names the split by option and defaults to free text without labels', async () => {
    const dataset = await loadDataset(`jsonl:${nli}`, { inputField: 'premise', splitName: 'train', taskName: 'mine' });
    expect(Object.keys(dataset.splits)).toEqual(['train']);
    expect(dataset.task.name).toBe('mine');
    expect(dataset.task.answer).toEqual({ kind: 'free_text' });
    expect(dataset.splits.train?.map((e) => e.target)).toEqual(['0', '2', 'Neutral']);
  });

  it('takes a label set from the data when asked for labels without --labels', async () => {
    const file = files.write('sentiment.csv', 'text,label\ngood,pos\nbad,neg\nfine,pos\n');
    const dataset = await loadDataset(`csv:${file}`, { answerType: 'label' });
    expect(dataset.task.answer).toEqual({ kind: 'label', labels: ['pos', 'neg'] });
    expect(dataset.task.description).toBe('Classify the input as one of: pos / neg.');
  });

  it('reads a CSV with quoted fields through a template', async () => {
    const file = files.write('qa.csv', 'id,question,context,answer\nq1,"Who, then?","He said ""me"".",him\n');
    const dataset = await loadDataset(`csv:${file}`, {
      inputTemplate: '{context} {question}',
      labelField: 'answer',
      idField: 'id',
    });
    expect(dataset.splits.test?.[0]).toMatchObject({ id: 'q1', input: 'He said "me". Who, then?', target: 'him' });
  });

  it('reads a directory of split files, each by its extension', async () => {
    files.write(
      'splits/train.jsonl',
      jsonLines([
        { text: 'a', label: 'x' },
        { text: 'b', label: 'y' },
      ]),
    );
    files.write('splits/dev.csv', 'text,label\nc,x\n');
    files.write('splits/test.json', JSON.stringify([{ text: 'd', label: 1 }], null, 2));
    files.write('splits/notes.txt', 'ignored');
    const dataset = await loadDataset(`json:${files.dir}/splits`, { labels: ['x', 'y'] });
    expect(dataset.task.name).toBe('splits');
    expect(Object.fromEntries(Object.entries(dataset.splits).map(([k, v]) => [k, v.map((e) => `${e.id}:${e.input}:${e.target}`)]))).toEqual({
      train: ['train-0:a:x', 'train-1:b:y'],
      validation: ['validation-0:c:x'],
      test: ['test-0:d:y'],
    });
  });

  it('reports each bad record with file, line and field', async () => {
    const file = files.write('bad-labels.jsonl', '{"text": "a", "label": "neutral"}\n\n{"text": "b", "label": "unsure"}\n');
    expect((await loadError(`jsonl:${file}`, { labels })).message).toBe(
      `${file}:3, field "label": unknown label "unsure"; expected one of: entailment, neutral, contradiction`,
    );
    const outOfRange = files.write('bad-index.json', '[\n {"text": "a", "label": 1},\n {"text": "b", "label": 5}\n]');
    expect((await loadError(`json:${outOfRange}`, { labels })).message).toBe(
      `${outOfRange}:3, field "label": label index 5 out of range: 3 labels (entailment, neutral, contradiction), valid indices 0..2`,
    );
    const missing = files.write('missing.csv', 'text,gold\na,x\n,y\n');
    expect((await loadError(`csv:${missing}`, { inputField: 'text', labelField: 'gold' })).message).toBe(`${missing}:3, field "text": empty input`);
    const noField = files.write('no-field.jsonl', '{"text": "a", "label": "x"}\n{"label": "y"}\n');
    expect((await loadError(`jsonl:${noField}`)).message).toBe(`${noField}:2, field "text": missing input field`);
  });

  it('rejects duplicate ids, naming both lines', async () => {
    const file = files.write(
      'dup-ids.jsonl',
      jsonLines([
        { id: 'a', text: 't', label: 'x' },
        { id: 'b', text: 't', label: 'x' },
        { id: 'a', text: 't', label: 'x' },
      ]),
    );
    expect((await loadError(`jsonl:${file}`, { idField: 'id' })).message).toBe(`${file}:3, field "id": duplicate id "a" (first seen on line 1)`);
  });

  it('names a missing file, an empty file and a missing choices field', async () => {
    const missing = `${files.dir}/absent.jsonl`;
    expect((await loadError(`jsonl:${missing}`)).message).toBe(`${missing}: file not found`);
    const empty = files.write('empty.jsonl', '\n\n');
    expect((await loadError(`jsonl:${empty}`)).message).toBe(`${empty}: no records`);
    expect((await loadError(`jsonl:${nli}`, { answerType: 'multiple_choice' })).message).toMatch(/needs --choices-field/);
  });

  it('refuses field flags for built-in layouts', async () => {
    expect((await loadError(`svamp:${files.dir}`, { labelField: 'x' })).message).toBe(
      'field "label-field": --label-field does not apply to svamp: datasets (their fields are fixed); it is for json:, jsonl: and csv:',
    );
  });

  it('names a missing directory and a directory without split files', async () => {
    expect((await loadError(`gsm8k:${files.dir}/nowhere`)).message).toBe(`${files.dir}/nowhere: directory not found`);
    files.write('empty-dir/readme.md', 'nothing');
    expect((await loadError(`cqa:${files.dir}/empty-dir`)).message).toMatch(
      /empty-dir: no split files found; expected some of: cqa_train\.json, cqa_train\.jsonl, /,
    );
  });
});
