/**
 * Numeric answers. A final-answer statement gives the first number of its sentence ("The answer is
 * $1,250.", "#### 72"); a bare number on its own (an emphasised span, the last line: "18",
 * "**18 apples**"); an output that states nothing gives its last number. Understands thousands
 * separators, signs, decimals, fractions, a currency sign and a percent sign.
 */
import { READ_LIMIT, stripEmphasis, stripTrailingPunctuation } from './text.js';
import type { AnswerReader, Reading } from './types.js';

/**
 * One number as written: optional sign, optional currency sign (either side of the sign),
 * digits with optional comma-grouped thousands and decimals, optional "/denominator", optional %.
 * A sign right after a word, digit or ")" is an operator ("10-5"), not part of the number.
 */
const NUMBER_SOURCE = String.raw`(?<![\p{L}\p{N}.)\]])([-+\u2212]?)(?:[$\u00a3\u20ac]\s?)?([-+\u2212]?)((?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?:\s?\/\s?(\d+(?:\.\d+)?))?\s?%?`;
const FIRST_NUMBER = new RegExp(NUMBER_SOURCE, 'u');
const ALL_NUMBERS = new RegExp(NUMBER_SOURCE, 'gu');
/** A number that is all of the text, allowing up to three words of unit after it ("18 apples"). */
const BARE_NUMBER = new RegExp(String.raw`^${NUMBER_SOURCE}(?:[ \t]+[\p{L}][\p{L}'-]{0,30}){0,3}$`, 'u');

export const DEFAULT_TOLERANCE = 1e-6;

/** Value of the first number in `text`, or null. Percent signs are dropped: "50%" is 50. */
export function parseNumber(text: string): number | null {
  const match = FIRST_NUMBER.exec(text.slice(0, READ_LIMIT));
  return match ? numberFromMatch(match) : null;
}

/** Every number in `text`, in order. */
export function findNumbers(text: string): number[] {
  const values: number[] = [];
  for (const match of text.matchAll(ALL_NUMBERS)) {
    const value = numberFromMatch(match);
    if (value !== null) values.push(value);
  }
  return values;
}

/** The first sentence of a statement's text: up to a full stop followed by a space, or the end. */
export function firstSentence(text: string): string {
  const stop = /\.(?:\s|$)/.exec(text);
  return (stop ? text.slice(0, stop.index) : text).trim();
}

export const numberReader: AnswerReader = {
  stated(text) {
    const value = parseNumber(firstSentence(stripEmphasis(text)));
    return value === null ? null : { answer: formatNumber(value) };
  },
  bare(text) {
    return bareNumber(text);
  },
  unstated(text) {
    const all = findNumbers(text);
    const last = all[all.length - 1];
    return last === undefined ? { invalid: 'no number in the output' } : { answer: formatNumber(last) };
  },
  same(a, b) {
    const x = parseNumber(a);
    const y = parseNumber(b);
    return x !== null && y !== null && numbersClose(x, y);
  },
};

export function bareNumber(text: string): Reading | null {
  const trimmed = stripTrailingPunctuation(stripEmphasis(text));
  if (trimmed.length > 200) return null;
  const match = BARE_NUMBER.exec(trimmed);
  if (!match) return null;
  const value = numberFromMatch(match);
  return value === null ? null : { answer: formatNumber(value) };
}

/** Equal within `tolerance`, relative for large values and absolute near zero. */
export function numbersClose(a: number, b: number, tolerance = DEFAULT_TOLERANCE): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Numbers print without float noise ("0.1 + 0.2" reads 0.3) but keep full precision otherwise. */
export function formatNumber(value: number): string {
  const rounded = Number(value.toPrecision(12));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

function numberFromMatch(match: RegExpMatchArray): number | null {
  const [, signBefore = '', signAfter = '', digits = '', denominator] = match;
  const negative = [signBefore, signAfter].filter((s) => s === '-' || s === '\u2212').length % 2 === 1;
  let value = Number(digits.replace(/,/g, ''));
  if (denominator !== undefined) {
    const divisor = Number(denominator);
    if (divisor === 0) return null;
    value /= divisor;
  }
  if (!Number.isFinite(value)) return null;
  return negative ? -value : value;
}
