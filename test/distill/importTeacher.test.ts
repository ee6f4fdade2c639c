import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importTeacherOutputs, readTeacherOutputs } from '../../src/distill/importTeacher.js';
import { readAnnotations } from '../../src/distill/store.js';
import { InputError } from '../../src/util/errors.js';

const DATASETS = fileURLToPath(new URL('../../../shared/datasets', import.meta.url));
const haveShared = existsSync(`${DATASETS}/svamp/teacher-palm-540b`) && existsSync(`${DATASETS}/cqa/teacher-palm-540b`);
const temp = () => mkdtempSync(join(tmpdir(), 'apprentice-import-'));

function svampCopy(rows: { input: string; label: string }[], outputs: Record<string, unknown>): { data: string; teacher: string } {
  const dir = temp();
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'teacher'));
  writeFileSync(join(dir, 'data', 'svamp_train.json'), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  for (const [name, value] of Object.entries(outputs)) writeFileSync(join(dir, 'teacher', name), JSON.stringify(value));
  return { data: join(dir, 'data'), teacher: join(dir, 'teacher') };
}

const ROWS = [
  { input: 'Tom has 3 apples and buys 4. How many?', label: '( 3.0 + 4.0 )' },
  { input: 'Ann has 9 pens and loses 2. How many?', label: '( 9.0 - 2.0 )' },
  { input: 'Bo has 2 bags of 5 nuts. How many?', label: '( 2.0 * 5.0 )' },
];

describe('importing <split>_CoT_<k>.json teacher outputs', () => {
  it('concatenates the numbered files in k order and scores each completion against its input', async () => {
    const { data, teacher } = svampCopy(ROWS, {
      'train_CoT_1.json': ['Bo has 2 * 5 = 10. The answer is (2 * 5).\n\nQ: next'],
      'train_CoT_0.json': ['3 + 4 = 7. The answer is (3 + 4).', 'Ann lost 2 of 9. The answer is (9 + 2).'],
    });
    const out = join(temp(), 'ann');
    const result = await importTeacherOutputs({ dataset: `svamp:${data}`, teacherOutputs: teacher, out });
    expect(result.splits.train).toMatchObject({ n: 3, parsed: 3, parseRate: 1, correct: 2, cutOutputs: 1 });
    expect(result.splits.train!.teacherAccuracy).toBeCloseTo(2 / 3, 12);

    const annotations = readAnnotations(out);
    expect(annotations.manifest).toMatchObject({ method: 'import', task: { answer: { kind: 'expression' } } });
    expect(annotations.splits.train!.map((r) => [r.index, r.answerText, r.extracted, r.correct])).toEqual([
      [0, '(3 + 4)', '7', true],
      [1, '(9 + 2)', '11', false],
      [2, '(2 * 5)', '10', true],
    ]);
    // Importing again finds the same folder and adds nothing.
    const again = await importTeacherOutputs({ dataset: `svamp:${data}`, teacherOutputs: teacher, out });
    expect(again.splits.train).toEqual(result.splits.train);
  });

  it('names the file and position of a bad completion, a gap in k, and a count that does not match', async () => {
    const bad = svampCopy(ROWS, { 'train_CoT_0.json': ['ok', 7, 'ok'] });
    expect(() => readTeacherOutputs(bad.teacher)).toThrow(`${bad.teacher}/train_CoT_0.json, field "[1]": completion is a number, not a string`);

    const gap = svampCopy(ROWS, { 'train_CoT_0.json': ['a'], 'train_CoT_2.json': ['b'] });
    expect(() => readTeacherOutputs(gap.teacher)).toThrow('expected train_CoT_1.json before train_CoT_2.json');

    const short = svampCopy(ROWS, { 'train_CoT_0.json': ['a', 'b'] });
    const error = await importTeacherOutputs({ dataset: `svamp:${short.data}`, teacherOutputs: short.teacher, out: join(temp(), 'x') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('train_CoT_0.json hold 2 completions but the train split has 3 examples');
  });
});

describe.skipIf(!haveShared)('PaLM 540B teacher outputs in ../shared/datasets (skipped when it is absent)', () => {
  it('SVAMP: parse rate and teacher accuracy per split', async () => {
    const result = await importTeacherOutputs({
      dataset: `svamp:${DATASETS}/svamp`,
      teacherOutputs: `${DATASETS}/svamp/teacher-palm-540b`,
      out: join(temp(), 'svamp'),
    });
    // test: 2 of 200 completions never state an answer but end on a complete sentence, so their last number is
    // read, as `eval --predictions` reads it; 156 of 200 labels equal gold.
    expect(result.splits.test).toMatchObject({ n: 200, parsed: 200, correct: 156, teacherAccuracy: 0.78, errors: 0 });
    expect(result.splits.train).toMatchObject({ n: 800, correct: 595 });
    expect(result.splits.train!.teacherAccuracy).toBeCloseTo(595 / 800, 12);
  });

  it('CommonsenseQA: parse rate and teacher accuracy per split', async () => {
    const result = await importTeacherOutputs({
      dataset: `cqa:${DATASETS}/cqa`,
      teacherOutputs: `${DATASETS}/cqa/teacher-palm-540b`,
      out: join(temp(), 'cqa'),
    });
    expect(result.splits.test).toMatchObject({ n: 1221, parsed: 1205, correct: 962 });
    expect(result.splits.train).toMatchObject({ n: 9741, parsed: 9559, correct: 7388 });
    expect(result.splits.test!.parseRate).toBeCloseTo(1205 / 1221, 12);
    expect(result.splits.test!.teacherAccuracy).toBeCloseTo(962 / 1221, 12);
  });
});
