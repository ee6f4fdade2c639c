/**
 * The normal form answers are compared in (normalizeAnswerText) is computed in one pass for ASCII text; it must
 * equal, character for character, the regular-expression definition kept here as the reference, for any text:
 * seeded random strings over the characters every step treats specially (case humps, quotes, underscores,
 * hyphens, white space, edge punctuation) and non-ASCII ones (which take the reference path).
 */
import { describe, expect, it } from 'vitest';
import { normalizeAnswerText } from '../../src/eval/extract/index.js';
import { sameAnswerText } from '../../src/eval/extract/text.js';
import { labelReader } from '../../src/eval/extract/labels.js';
import { createRng } from '../../src/util/random.js';

const EDGE = new Set([' ', '.', ',', ';', ':', '!', '?']);

function referenceNormalForm(text: string): string {
  const spaced = text
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .replace(/["'`\u2018\u2019\u201c\u201d*]/g, '')
    .replace(/[_-]+/g, ' ')
    .replace(/\s+/g, ' ');
  let start = 0;
  let end = spaced.length;
  while (start < end && EDGE.has(spaced[start]!)) start++;
  while (end > start && EDGE.has(spaced[end - 1]!)) end--;
  return spaced.slice(start, end);
}

const ASCII_SPECIAL = [
  'a',
  'b',
  'z',
  'A',
  'B',
  'Z',
  '0',
  '9',
  '"',
  "'",
  '`',
  '*',
  '_',
  '-',
  ' ',
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  '.',
  ',',
  ';',
  ':',
  '!',
  '?',
  '#',
  '(',
  ')',
  '\x00',
  '\x7f',
];
const NON_ASCII = ['é', 'É', 'ß', 'İ', '\u00a0', '\u2028', '\u2018', '\u201d', 'Σ', 'σ', '😀', '\u3000'];

describe('normalizeAnswerText', () => {
  it('equals the regular-expression definition on random ASCII text (the one-pass path)', () => {
    const rng = createRng('normal-form-ascii');
    for (let i = 0; i < 20_000; i++) {
      const length = rng.int(14);
      let text = '';
      for (let j = 0; j < length; j++) text += ASCII_SPECIAL[rng.int(ASCII_SPECIAL.length)];
      expect(normalizeAnswerText(text), JSON.stringify(text)).toBe(referenceNormalForm(text));
    }
  });

  it('equals it on text with non-ASCII characters (the regular-expression path)', () => {
    const rng = createRng('normal-form-unicode');
    const alphabet = [...ASCII_SPECIAL, ...NON_ASCII];
    for (let i = 0; i < 5_000; i++) {
      const length = rng.int(12);
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet[rng.int(alphabet.length)];
      expect(normalizeAnswerText(text), JSON.stringify(text)).toBe(referenceNormalForm(text));
    }
  });

  it('keeps its documented forms', () => {
    expect(normalizeAnswerText('  **Not_Entailment**.')).toBe('not entailment');
    expect(normalizeAnswerText('noHate')).toBe('no hate');
    expect(normalizeAnswerText('It\'s  -- "Positive"!')).toBe('its positive');
    expect(sameAnswerText('nohate', 'noHate')).toBe(true);
  });
});

describe('labelReader', () => {
  it('reads a label written without its spaces, and a long text as no exact label', () => {
    const reader = labelReader(['no hate', 'hate']);
    expect(reader.bare('NoHate')).toEqual({ answer: 'no hate' });
    expect(reader.bare('n-o h-a-t-e')).toEqual({ answer: 'no hate' });
    expect(reader.bare('hat e')).toEqual({ answer: 'hate' });
    expect(reader.bare('hats')).toBeNull();
    expect(reader.bare('nohate.')).toEqual({ answer: 'no hate' });
    expect(reader.bare('this text is far longer than any label')).toBeNull();
    // The same text read twice in a row (the reader remembers the last normal form) reads the same.
    expect(reader.unstated('It is hate.')).toEqual({ answer: 'hate' });
    expect(reader.unstated('It is hate.')).toEqual({ answer: 'hate' });
  });
});
