/**
 * Multiple-choice answers: a letter ("(d)", "D)", "answer is (d)", a bare "C") or the option's
 * text, mapped to the option text. Options are lettered (a), (b), ... in display order. Letters and
 * option texts under negation ("not (a)") are denied, not chosen.
 */
import { assertedPhrase } from './assertion.js';
import { firstSentence } from './numbers.js';
import { normalizeAnswerText, stripEmphasis } from './text.js';
import type { AnswerReader, Reading } from './types.js';

export function optionLetter(index: number): string {
  return String.fromCharCode(97 + index);
}

export function choiceReader(choices: string[]): AnswerReader {
  const byText = (text: string): Reading | null => {
    const result = assertedPhrase(normalizeAnswerText(text), choices.map(normalizeAnswerText));
    switch (result.kind) {
      case 'asserted':
        return { answer: choices[result.phrase]! };
      case 'ambiguous':
        return { invalid: `the answer names several options (${result.phrases.map((i) => `"${choices[i]}"`).join(', ')})` };
      case 'denied':
        return { invalid: `the answer only rules out ${result.phrases.map((i) => `"${choices[i]}"`).join(', ')}` };
      case 'none':
        return null;
    }
  };
  const read = (text: string): Reading | null => choiceAtStart(text, choices) ?? choiceByLetters(text, choices) ?? byText(text);
  return {
    stated(text) {
      return read(firstSentence(stripEmphasis(text)));
    },
    bare(text) {
      return text.length > 300 ? null : choiceAtStart(stripEmphasis(text), choices, true);
    },
    unstated(text) {
      return read(text) ?? { invalid: 'no option letter or option text in the answer' };
    },
    same: choiceMatches,
  };
}

export function choiceMatches(extracted: string, target: string): boolean {
  return normalizeAnswerText(extracted) === normalizeAnswerText(target);
}

/** "(c) wooded area", "c)", "C.", "C", "wooded area." at the start of the answer; `whole`: nothing else follows. */
function choiceAtStart(text: string, choices: string[], whole = false): Reading | null {
  const trimmed = text.trim().slice(0, 300);
  const letter =
    /^\(([a-z])\)/i.exec(trimmed)?.[1] ?? /^([a-z])\)/i.exec(trimmed)?.[1] ?? /^([a-z])[.:]?$/i.exec(trimmed)?.[1] ?? /^([A-Z])[.:]\s/.exec(trimmed)?.[1];
  if (letter) {
    if (whole) {
      const rest = normalizeAnswerText(trimmed.replace(/^\(?[a-z][).:]?/i, ''));
      const index = letter.toLowerCase().charCodeAt(0) - 97;
      if (rest && rest !== normalizeAnswerText(choices[index] ?? '')) return null;
    }
    return byLetter(letter, choices);
  }
  const normalized = normalizeAnswerText(trimmed);
  const exact = choices.findIndex((choice) => normalizeAnswerText(choice) === normalized);
  return exact >= 0 ? { answer: choices[exact]! } : null;
}

/** Parenthesised letters anywhere in the answer that are not ruled out, when they all name the same option. */
function choiceByLetters(text: string, choices: string[]): Reading | null {
  const marked = text.slice(0, 64 * 1024).replace(/\(([a-z])\)/gi, (_, letter: string) => ` optionletter${letter.toLowerCase()} `);
  const tokens = choices.map((_, i) => `optionletter${optionLetter(i)}`);
  const present = [...new Set([...text.matchAll(/\(([a-z])\)/gi)].map((m) => m[1]!.toLowerCase()))];
  if (present.length === 0) return null;
  const outOfRange = present.find((letter) => letter.charCodeAt(0) - 97 >= choices.length);
  if (present.length === 1 && outOfRange) return byLetter(outOfRange, choices);
  const result = assertedPhrase(normalizeAnswerText(marked), tokens);
  switch (result.kind) {
    case 'asserted':
      return { answer: choices[result.phrase]! };
    case 'ambiguous':
      return { invalid: `the answer names several options (${result.phrases.map((i) => `(${optionLetter(i)})`).join(', ')})` };
    case 'denied':
      return { invalid: `the answer only rules out ${result.phrases.map((i) => `(${optionLetter(i)})`).join(', ')}` };
    case 'none':
      return null;
  }
}

function byLetter(letter: string, choices: string[]): Reading {
  const index = letter.toLowerCase().charCodeAt(0) - 97;
  const choice = choices[index];
  if (choice === undefined) {
    return { invalid: `option (${letter.toLowerCase()}) does not exist; options are (a) to (${optionLetter(choices.length - 1)})` };
  }
  return { answer: choice };
}
