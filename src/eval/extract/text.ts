/**
 * Text clean-up shared by the answer extractors: the cap on what is read, the normal form short
 * answers are compared in, and finding label/option phrases as whole words. Every function here is
 * linear in its input (no regular expression that can backtrack over a long run of the same
 * character), so a hostile or degenerate output costs at most a few milliseconds.
 */

/** Longest output read in full; a longer one is read at its first and last halves of this. */
export const READ_LIMIT = 64 * 1024;

/** The part of `text` the extractors read, and whether anything was left out. */
export function cappedText(text: string): { text: string; capped: boolean } {
  if (text.length <= READ_LIMIT) return { text, capped: false };
  const half = READ_LIMIT / 2;
  return { text: `${text.slice(0, half)}\n\n${text.slice(text.length - half)}`, capped: true };
}

const QUOTES = /["'`\u2018\u2019\u201c\u201d*]/g;
const EDGE_PUNCTUATION = new Set([' ', '.', ',', ';', ':', '!', '?']);

/**
 * Case-, whitespace-, quote- and punctuation-insensitive form used to compare short answers.
 * Underscores, hyphens and camelCase humps count as spaces, so "not entailment" matches the label
 * "not_entailment" and "no hate" matches "noHate".
 */
export function normalizeAnswerText(text: string): string {
  return trimEdges(asciiNormalForm(text) ?? unicodeNormalForm(text), EDGE_PUNCTUATION);
}

/** The normal form before its edges are trimmed, by regular expressions: right for any text. */
function unicodeNormalForm(text: string): string {
  return text
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .replace(QUOTES, '')
    .replace(/[_-]+/g, ' ')
    .replace(/\s+/g, ' ');
}

/**
 * {@link unicodeNormalForm} in one pass for ASCII text (most answers and labels; called several times per
 * extracted answer), or null when `text` has another character. The same steps: a space between a lower-
 * and an upper-case letter, lower case, quotes dropped, and every run of underscores, hyphens and white
 * space (with any quotes dropped inside it) made one space.
 */
function asciiNormalForm(text: string): string | null {
  const lower = text.toLowerCase();
  let form = '';
  let runStart = 0;
  let space = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return null;
    if (code === 0x22 || code === 0x27 || code === 0x60 || code === 0x2a) {
      form += lower.slice(runStart, i);
      runStart = i + 1;
      continue;
    }
    // _ - and \s's ASCII members: tab, line feed, vertical tab, form feed, carriage return, space.
    if (code === 0x5f || code === 0x2d || code === 0x20 || (code >= 0x09 && code <= 0x0d)) {
      form += lower.slice(runStart, i);
      runStart = i + 1;
      space = true;
      continue;
    }
    if (code >= 0x41 && code <= 0x5a && i > 0) {
      const before = text.charCodeAt(i - 1);
      if (before >= 0x61 && before <= 0x7a) {
        form += lower.slice(runStart, i);
        runStart = i;
        space = true;
      }
    }
    if (space) {
      form += ' ';
      space = false;
    }
  }
  return form + lower.slice(runStart) + (space ? ' ' : '');
}

/** Equality of two short answers in normal form, also when one writes a label without its spaces ("nohate"). */
export function sameAnswerText(a: string, b: string): boolean {
  const x = normalizeAnswerText(a);
  const y = normalizeAnswerText(b);
  return x === y || withoutSpaces(x) === withoutSpaces(y);
}

/** A normal form without its spaces ("no hate" -> "nohate"). */
export function withoutSpaces(normalized: string): string {
  return normalized.includes(' ') ? normalized.replaceAll(' ', '') : normalized;
}

/** `text` without any of `chars` at either end; a loop, because /[...]+$/ is quadratic on long runs. */
export function trimEdges(text: string, chars: Set<string>): string {
  let start = 0;
  let end = text.length;
  while (start < end && chars.has(text[start]!)) start++;
  while (end > start && chars.has(text[end - 1]!)) end--;
  return text.slice(start, end);
}

const SPACE_AND_PUNCTUATION = new Set([' ', '\t', '\n', '\r', '.', ',', ';', ':', '!', '?']);

/** Trailing sentence punctuation and spaces removed ("(84 / 2)." -> "(84 / 2)"). */
export function stripTrailingPunctuation(text: string): string {
  return trimEdges(text, SPACE_AND_PUNCTUATION);
}

const EMPHASIS = new Set([' ', '\t', '*', '_', '`', '"', '\u201c', '\u201d']);

/** Markdown emphasis, code ticks and quotes around an answer removed ("**18**" -> "18"). */
export function stripEmphasis(text: string): string {
  return trimEdges(text.trim(), EMPHASIS);
}

export interface PhraseHit {
  /** Index into the phrase list. */
  phrase: number;
  start: number;
  end: number;
}

/**
 * Whole-word occurrences of phrases in `text` (both already normalised), in order. An occurrence
 * that lies inside an occurrence of a longer phrase is dropped, so "very positive" does not also
 * count as "positive".
 */
export function findPhrases(text: string, phrases: string[]): PhraseHit[] {
  const hits: PhraseHit[] = [];
  phrases.forEach((phrase, index) => {
    if (!phrase) return;
    let from = 0;
    for (;;) {
      const start = text.indexOf(phrase, from);
      if (start < 0) break;
      const end = start + phrase.length;
      if (isBoundary(text, start - 1) && isBoundary(text, end)) hits.push({ phrase: index, start, end });
      from = start + 1;
    }
  });
  // Sorted by start, longest first: a hit is covered when an earlier-starting (or equal-starting,
  // longer) hit reaches at least as far. One sweep keeps the furthest end seen so far.
  hits.sort((x, y) => x.start - y.start || y.end - x.end);
  const kept: PhraseHit[] = [];
  let reach = -1;
  for (const hit of hits) {
    if (hit.end <= reach) continue;
    kept.push(hit);
    reach = hit.end;
  }
  return kept;
}

function isBoundary(text: string, position: number): boolean {
  if (position < 0 || position >= text.length) return true;
  return !/[\p{L}\p{N}]/u.test(text[position]!);
}

/** Index of the first line break at or after `from`, or the text's length. */
export function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** The last non-blank line of `text`, with its start offset, or null. */
export function lastLine(text: string): { line: string; start: number } | null {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    if (line.trim()) return { line, start };
    end = start - 1;
  }
  return null;
}

/**
 * The last sentence of `text`: from after the last ". ", "! ", "? " or line break before the final
 * one. Decimal points ("3.5") do not end a sentence.
 */
export function lastSentence(text: string): string {
  const trimmed = stripTrailingPunctuation(text);
  for (let i = trimmed.length - 1; i > 0; i--) {
    const c = trimmed[i]!;
    if (c === '\n') return trimmed.slice(i + 1);
    if ((c === ' ' || c === '\t') && /[.!?]/.test(trimmed[i - 1]!)) return trimmed.slice(i + 1);
  }
  return trimmed;
}

/** Whether `text` ends where a sentence or an answer can end (not cut off mid-sentence). */
export function endsComplete(text: string): boolean {
  const trimmed = stripEmphasis(text.trimEnd());
  const last = trimmed[trimmed.length - 1];
  return last !== undefined && /[.!?)\]}\p{N}"'\u201d%$]/u.test(last);
}
