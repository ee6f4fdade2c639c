/**
 * Answers whose gold is an arithmetic expression (SVAMP's `( 84.0 / 2.0 )`): the output may give
 * a number or an expression ("The answer is (84 / 2)."); both are compared by value.
 */
import { evaluateArithmetic, leadingArithmetic } from './arithmetic.js';
import { bareNumber, DEFAULT_TOLERANCE, firstSentence, formatNumber, numberReader, numbersClose, parseNumber } from './numbers.js';
import { stripEmphasis, stripTrailingPunctuation } from './text.js';
import type { AnswerReader } from './types.js';

export const expressionReader: AnswerReader = {
  stated(text) {
    const value = leadingArithmetic(stripEmphasis(text).trimStart());
    if (value !== null) return { answer: formatNumber(value) };
    const number = parseNumber(firstSentence(stripEmphasis(text)));
    return number === null ? null : { answer: formatNumber(number) };
  },
  bare(text) {
    const value = evaluateArithmetic(stripTrailingPunctuation(stripEmphasis(text)));
    return value !== null ? { answer: formatNumber(value) } : bareNumber(text);
  },
  unstated(text) {
    const whole = evaluateArithmetic(stripTrailingPunctuation(text));
    return whole !== null ? { answer: formatNumber(whole) } : numberReader.unstated(text);
  },
  same(a, b) {
    const x = expressionValue(a);
    const y = expressionValue(b);
    return x !== null && y !== null && numbersClose(x, y);
  },
};

/** Value of a gold or extracted answer: an expression, else the first number in it. */
export function expressionValue(text: string): number | null {
  return evaluateArithmetic(stripTrailingPunctuation(text)) ?? parseNumber(text);
}

export function expressionMatches(extracted: string, target: string, tolerance = DEFAULT_TOLERANCE): boolean {
  const a = expressionValue(extracted);
  const b = expressionValue(target);
  return a !== null && b !== null && numbersClose(a, b, tolerance);
}
