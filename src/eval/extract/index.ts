/**
 * Turns a model's output into an answer for the task's answer type and decides whether it is
 * correct. One reader per answer type; read.ts is the one pipeline every caller goes through.
 */
import type { AnswerType, Example, TaskDefinition } from '../../data/types.js';
import { choiceMatches, choiceReader } from './choices.js';
import { expressionMatches, expressionReader } from './expression.js';
import { freeTextMatches, freeTextReader } from './freeText.js';
import { labelMatches, labelReader } from './labels.js';
import { answerLayout, cutRunOn, GENERIC_LAYOUT, type AnswerLayout } from './layout.js';
import { DEFAULT_TOLERANCE, numberReader, numbersClose, parseNumber } from './numbers.js';
import { readAnswer, type ReadOptions } from './read.js';
import { notFound, type AnswerReader, type Extraction } from './types.js';

export type { Extraction } from './types.js';
export type { AnswerLayout } from './layout.js';
export type { ReadOptions } from './read.js';
export { answerLayout, GENERIC_LAYOUT } from './layout.js';
export { answerPatternOption, compileAnswerPattern } from './statements.js';
export { evaluateArithmetic } from './arithmetic.js';
export { normalizeAnswerText, READ_LIMIT } from './text.js';
export { findNumbers, numbersClose, parseNumber } from './numbers.js';

// A task's label reader, made once per list of labels (it prepares each label's normal form), not per output.
const labelReaders = new WeakMap<readonly string[], AnswerReader>();

function labelReaderOf(labels: string[]): AnswerReader {
  let reader = labelReaders.get(labels);
  if (!reader) labelReaders.set(labels, (reader = labelReader(labels)));
  return reader;
}

export function readerFor(answer: AnswerType, example: Example): AnswerReader | null {
  switch (answer.kind) {
    case 'label':
      return labelReaderOf(answer.labels);
    case 'number':
      return numberReader;
    case 'expression':
      return expressionReader;
    case 'multiple_choice':
      return example.choices?.length ? choiceReader(example.choices) : null;
    case 'free_text':
      return freeTextReader;
  }
}

/**
 * The answer in `output`. `options.layout` is the prompt's layout (promptLayout) for run-on
 * cutting; without it the generic field names and the example's own input prefixes are used.
 */
export function extractAnswer(output: string, answer: AnswerType, example: Example, options: ReadOptions = {}): Extraction {
  const reader = readerFor(answer, example);
  if (!reader) return notFound('the example has no answer options');
  const layout = options.layout ?? answerLayout({ inputs: [example.input] });
  return readAnswer(output, reader, example.input, { ...options, layout });
}

/**
 * The layout a prompt for `task` shows: the layout's own question fields (e.g. "Question"), the
 * task's input template, and the line prefixes of the example's and the demonstrations' inputs.
 */
export function promptLayout(task: TaskDefinition, example: Example, demos: readonly Pick<Example, 'input'>[] = [], fields: string[] = []): AnswerLayout {
  return answerLayout({ fields, template: task.inputTemplate, inputs: [example.input, ...demos.map((demo) => demo.input)] });
}

/** `output` up to an invented next question or chat turn (generic layout). */
export function cutInventedContinuation(output: string): string {
  return cutRunOn(output, GENERIC_LAYOUT, '', () => -1).body.trimEnd();
}

/** Whether an extracted answer matches the gold target, compared as the task's answer type says. */
export function isCorrect(extraction: Extraction, target: string, answer: AnswerType, _example: Example): boolean {
  if (!extraction.valid || extraction.answer === null) return false;
  const extracted = extraction.answer;
  switch (answer.kind) {
    case 'label':
      return labelMatches(extracted, target);
    case 'number': {
      const a = parseNumber(extracted);
      const b = parseNumber(target);
      return a !== null && b !== null && numbersClose(a, b, answer.tolerance ?? DEFAULT_TOLERANCE);
    }
    case 'expression':
      return expressionMatches(extracted, target, answer.tolerance ?? DEFAULT_TOLERANCE);
    case 'multiple_choice':
      return choiceMatches(extracted, target);
    case 'free_text':
      return freeTextMatches(extracted, target);
  }
}
