import { describe, expect, it } from 'vitest';
import { createRecordMapper, renderTemplate, resolveLabel, templateFields, unescapeTemplate, type FieldOptions } from '../../src/data/fields.js';
import type { SourceRecord } from '../../src/data/readers.js';
import type { AnswerType } from '../../src/data/types.js';
import { InputError } from '../../src/util/errors.js';

const FILE = '/data/nli.jsonl';
const rec = (data: Record<string, unknown>, line = 3): SourceRecord => ({ line, position: 0, data });

function map(options: FieldOptions, data: Record<string, unknown>, answer: AnswerType['kind'] = 'free_text', line = 3) {
  const record = rec(data, line);
  return createRecordMapper(options, { file: FILE, answer, firstRecord: record })(record);
}

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('input and label fields', () => {
  it('reads the named fields', () => {
    expect(map({ inputField: 'sentence', labelField: 'gold' }, { sentence: 'Hi there', gold: 'greeting' })).toEqual({
      input: 'Hi there',
      target: 'greeting',
    });
  });

  it('falls back to common field names, chosen from the first record', () => {
    expect(map({}, { text: 'x', answer: 7 })).toEqual({ input: 'x', target: '7' });
    const error = errorOf(() => map({}, { body: 'x', label: 'a' }));
    expect(error.message).toBe(
      `${FILE}:3: no input field: none of input, text, question, sentence, prompt is present; pass --input-field or --input-template (fields: body, label)`,
    );
  });

  it('names the line and field of a missing input or label', () => {
    const mapper = createRecordMapper({ inputField: 'text', labelField: 'label' }, { file: FILE, answer: 'free_text' });
    expect(errorOf(() => mapper(rec({ label: 'a' }, 9))).message).toBe(`${FILE}:9, field "text": missing input field`);
    expect(errorOf(() => mapper(rec({ text: 'a' }, 10))).message).toBe(`${FILE}:10, field "label": missing label`);
    expect(errorOf(() => mapper(rec({ text: 'a', label: '  ' }, 11))).message).toBe(`${FILE}:11, field "label": empty label`);
    expect(errorOf(() => mapper(rec({ text: ['a'], label: 'b' }, 12))).message).toBe(`${FILE}:12, field "text": expected text, got a list`);
  });

  it('never reads inherited properties as fields', () => {
    const mapper = createRecordMapper({ inputField: 'constructor', labelField: 'label' }, { file: FILE, answer: 'free_text' });
    expect(errorOf(() => mapper(rec({ label: 'a' }))).field).toBe('constructor');
  });

  it('keeps an optional rationale and a source id', () => {
    const options = { inputField: 'q', labelField: 'a', rationaleField: 'why', idField: 'uid' };
    expect(map(options, { q: 'x', a: 'y', why: 'because', uid: 17 })).toEqual({
      input: 'x',
      target: 'y',
      rationale: 'because',
      id: '17',
    });
    expect(map(options, { q: 'x', a: 'y', uid: 'k' })).toEqual({ input: 'x', target: 'y', id: 'k' });
    expect(errorOf(() => map(options, { q: 'x', a: 'y' })).message).toBe(`${FILE}:3, field "uid": missing id field`);
  });
});

describe('input templates', () => {
  const template = 'Premise: {premise}\\nHypothesis: {hypothesis}';

  it('fills several fields and decodes \\n typed on a command line', () => {
    expect(map({ inputTemplate: template, labelField: 'label' }, { premise: 'A dog runs.', hypothesis: 'An animal moves.', label: 'yes' }).input).toBe(
      'Premise: A dog runs.\nHypothesis: An animal moves.',
    );
  });

  it('names the line and the template field a record lacks', () => {
    const error = errorOf(() => map({ inputTemplate: template, labelField: 'label' }, { premise: 'A', label: 'yes' }, 'free_text', 8));
    expect(error.message).toBe(`${FILE}:8, field "hypothesis": missing field used by the input template`);
  });

  it('supports literal braces, nested fields and lists', () => {
    expect(renderTemplate('{{x}} {a.b} [{tags}]', { a: { b: 2 }, tags: ['p', 'q'] })).toBe('{x} 2 [p, q]');
    expect(templateFields('{a} and {b} and {a}')).toEqual(['a', 'b']);
    expect(unescapeTemplate('a\\nb\\tc\\\\n')).toBe('a\nb\tc\\n');
  });

  it('rejects templates that cannot work', () => {
    expect(errorOf(() => map({ inputTemplate: 'no fields', labelField: 'l' }, { l: 'a' })).message).toMatch(/uses no fields/);
    expect(errorOf(() => map({ inputTemplate: '{open', labelField: 'l' }, { l: 'a' })).message).toMatch(/unclosed or empty "\{" at character 1/);
    expect(errorOf(() => map({ inputTemplate: '{a} }', labelField: 'l' }, { a: 'x', l: 'a' })).message).toMatch(/unmatched "\}"/);
  });
});

describe('labels', () => {
  const labels = ['entailment', 'neutral', 'contradiction'];
  const where = { file: FILE, line: 5, field: 'label' };

  it('indexes the label list with integers and integer strings', () => {
    expect(resolveLabel(0, labels, where)).toBe('entailment');
    expect(resolveLabel('2', labels, where)).toBe('contradiction');
    expect(map({ inputField: 't', labels }, { t: 'x', label: 1 }, 'label')).toEqual({ input: 'x', target: 'neutral' });
  });

  it('matches names case-insensitively and returns the list spelling', () => {
    expect(resolveLabel('NEUTRAL', labels, where)).toBe('neutral');
    expect(resolveLabel(' Contradiction ', labels, where)).toBe('contradiction');
  });

  it('prefers a label name over an index when labels look like numbers', () => {
    expect(resolveLabel('1', ['1', '2', '3'], where)).toBe('1');
    expect(resolveLabel(1, ['1', '2', '3'], where)).toBe('2');
  });

  it('reports unknown labels and out-of-range indices with file, line and field', () => {
    expect(errorOf(() => resolveLabel('maybe', labels, where)).message).toBe(
      `${FILE}:5, field "label": unknown label "maybe"; expected one of: entailment, neutral, contradiction`,
    );
    expect(errorOf(() => resolveLabel(3, labels, where)).message).toBe(
      `${FILE}:5, field "label": label index 3 out of range: 3 labels (entailment, neutral, contradiction), valid indices 0..2`,
    );
    expect(errorOf(() => resolveLabel('-1', labels, where)).message).toMatch(/label index -1 out of range/);
    expect(errorOf(() => resolveLabel(1.5, labels, where)).message).toMatch(/not an integer index/);
  });

  it('rejects a label list with duplicates or blanks', () => {
    expect(errorOf(() => map({ inputField: 't', labels: ['a', 'A'] }, { t: 'x', label: 'a' })).message).toMatch(/appears twice/);
    expect(errorOf(() => map({ inputField: 't', labels: ['a', ' '] }, { t: 'x', label: 'a' })).message).toMatch(/empty label/);
  });
});

describe('answers by type', () => {
  it('reads multiple-choice options and resolves answers given as text, index or letter', () => {
    const options = { inputField: 'q', labelField: 'a', choicesField: 'opts' };
    const opts = ['red', 'Green', 'blue'];
    expect(map(options, { q: 'x', a: 'green', opts }, 'multiple_choice')).toEqual({ input: 'x', target: 'Green', choices: opts });
    expect(map(options, { q: 'x', a: 2, opts }, 'multiple_choice').target).toBe('blue');
    expect(map(options, { q: 'x', a: 'A', opts }, 'multiple_choice').target).toBe('red');
    expect(map(options, { q: 'x', a: 'c', opts: '["r", "g", "b"]' }, 'multiple_choice').target).toBe('b');
    expect(errorOf(() => map(options, { q: 'x', a: 'purple', opts }, 'multiple_choice')).message).toBe(
      `${FILE}:3, field "a": answer "purple" is not one of the options (red / Green / blue)`,
    );
    expect(errorOf(() => map(options, { q: 'x', a: 'red', opts: 'red|green' }, 'multiple_choice')).message).toBe(
      `${FILE}:3, field "opts": options must be a list (or a string holding a JSON list)`,
    );
  });

  it('normalises numeric answers and rejects non-numbers', () => {
    const options = { inputField: 'q', labelField: 'a' };
    expect(map(options, { q: 'x', a: '1,080' }, 'number').target).toBe('1080');
    expect(map(options, { q: 'x', a: -3.5 }, 'number').target).toBe('-3.5');
    expect(errorOf(() => map(options, { q: 'x', a: 'twelve' }, 'number')).message).toBe(`${FILE}:3, field "a": answer "twelve" is not a number`);
  });
});
