/**
 * Turns a model's output into an answer for the task's answer type and decides whether it is
 * correct. One module per answer type; this file only dispatches.
 */
import type { AnswerType, Example } from '../../data/types.js';
import { choiceMatches, extractChoice } from './choices.js';
import { expressionMatches, extractExpression } from './expression.js';
import { extractFreeText, freeTextMatches } from './freeText.js';
import { extractLabel, labelMatches } from './labels.js';
import { DEFAULT_TOLERANCE, extractNumber, numbersClose, parseNumber } from './numbers.js';
import type { Extraction } from './types.js';

export type { Extraction } from './types.js';
export { evaluateArithmetic } from './arithmetic.js';
export { cutInventedContinuation, normalizeAnswerText } from './text.js';
export { findNumbers, numbersClose, parseNumber } from './numbers.js';

export function extractAnswer(output: string, answer: AnswerType, example: Example): Extraction {
  switch (answer.kind) {
    case 'label':
      return extractLabel(output, answer.labels);
    case 'number':
      return extractNumber(output);
    case 'expression':
      return extractExpression(output);
    case 'multiple_choice':
      return extractChoice(output, example.choices ?? []);
    case 'free_text':
      return extractFreeText(output);
  }
}

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
