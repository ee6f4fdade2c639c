/**
 * Numeric answers. The answer is looked for, in order: after the last "#### " (GSM8K's form),
 * after the last "answer is" / "Answer:", else the last number anywhere in the output.
 * Understands thousands separators, signs, decimals, fractions, a currency sign and a percent sign.
 */
import { cutInventedContinuation } from './text.js';
import { found, notFound, type Extraction } from './types.js';

/**
 * One number as written: optional sign, optional currency sign (either side of the sign),
 * digits with optional comma-grouped thousands and decimals, optional "/denominator", optional %.
 * A sign right after a word, digit or ")" is an operator ("10-5"), not part of the number.
 */
const NUMBER_SOURCE =
  String.raw`(?<![\p{L}\p{N}.)\]])([-+\u2212]?)(?:[$\u00a3\u20ac]\s?)?([-+\u2212]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:\s?\/\s?(\d+(?:\.\d+)?))?\s?%?`;

const GSM8K_MARKER = /####\s*/g;
export const ANSWER_MARKER = /\banswer\s*(?:is|:|=)\s*:?/gi;

export const DEFAULT_TOLERANCE = 1e-6;

/** Value of the first number in `text`, or null. Percent signs are dropped: "50%" is 50. */
export function parseNumber(text: string): number | null {
  const match = new RegExp(NUMBER_SOURCE, 'u').exec(text);
  return match ? numberFromMatch(match) : null;
}

/** Every number in `text`, in order. */
export function findNumbers(text: string): number[] {
  const values: number[] = [];
  for (const match of text.matchAll(new RegExp(NUMBER_SOURCE, 'gu'))) {
    const value = numberFromMatch(match);
    if (value !== null) values.push(value);
  }
  return values;
}

export function extractNumber(output: string): Extraction {
  const body = cutInventedContinuation(output);
  const afterMarker = textAfterLast(body, GSM8K_MARKER) ?? textAfterLast(body, ANSWER_MARKER);
  if (afterMarker !== null) {
    const value = parseNumber(firstLine(afterMarker));
    if (value !== null) return found(formatNumber(value));
  }
  const all = findNumbers(body);
  const last = all[all.length - 1];
  if (last === undefined) return notFound('no number in the output');
  return found(formatNumber(last));
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

export function textAfterLast(text: string, marker: RegExp): string | null {
  let end = -1;
  for (const match of text.matchAll(marker)) end = match.index + match[0].length;
  return end < 0 ? null : text.slice(end);
}

function firstLine(text: string): string {
  return text.trimStart().split('\n')[0] ?? '';
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
