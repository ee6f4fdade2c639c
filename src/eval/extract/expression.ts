/**
 * Answers whose gold is an arithmetic expression (SVAMP's `( 84.0 / 2.0 )`): the output may give
 * a number or an expression ("The answer is (84 / 2)."); both are compared by value.
 */
import { evaluateArithmetic } from './arithmetic.js';
import {
  ANSWER_MARKER,
  DEFAULT_TOLERANCE,
  extractNumber,
  formatNumber,
  numbersClose,
  parseNumber,
  textAfterLast,
} from './numbers.js';
import { afterLastAnswerMarker, cutInventedContinuation } from './text.js';
import { found, type Extraction } from './types.js';

/** The run of arithmetic-looking characters an answer expression is written with. */
const EXPRESSION_RUN = /^[\s\d.,+\-\u2212*\u00d7/\u00f7()$]+/;

export function extractExpression(output: string): Extraction {
  const body = cutInventedContinuation(output);
  const afterMarker = textAfterLast(body, ANSWER_MARKER);
  if (afterMarker !== null) {
    const value = leadingExpressionValue(afterMarker);
    if (value !== null) return found(formatNumber(value));
  }
  const whole = evaluateArithmetic(stripTrailingPunctuation(afterLastAnswerMarker(body) ?? body));
  if (whole !== null) return found(formatNumber(whole));
  return extractNumber(body);
}

/** Value of a gold or extracted answer: an expression, else the first number in it. */
export function expressionValue(text: string): number | null {
  return evaluateArithmetic(stripTrailingPunctuation(text)) ?? parseNumber(text);
}

export function expressionMatches(extracted: string, target: string, tolerance = DEFAULT_TOLERANCE): boolean {
  const a = expressionValue(extracted);
  const b = expressionValue(target);
  return a !== null && b !== null && numbersClose(a, b, tolerance);
}

/**
 * "(10 - (3 + 6)). So ..." -> 1. Takes the longest evaluable prefix of the arithmetic-looking run,
 * so a sentence-final period or a comma after the expression does not spoil it.
 */
function leadingExpressionValue(text: string): number | null {
  const run = EXPRESSION_RUN.exec(text.trimStart())?.[0] ?? '';
  for (let end = run.length; end > 0; end--) {
    const value = evaluateArithmetic(run.slice(0, end));
    if (value !== null) return value;
  }
  return null;
}

function stripTrailingPunctuation(text: string): string {
  return text.trim().replace(/[.,;:!?]+$/, '');
}
