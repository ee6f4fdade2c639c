/**
 * Multiple-choice answers: a letter ("(d)", "D)", "answer is (d)", a bare "C") or the option's
 * text, mapped to the option text. Options are lettered (a), (b), ... in display order.
 */
import {
  afterLastAnswerMarker,
  cutInventedContinuation,
  findPhrases,
  normalizeAnswerText,
  resolvePhraseHits,
} from './text.js';
import { found, notFound, type Extraction } from './types.js';

export function optionLetter(index: number): string {
  return String.fromCharCode(97 + index);
}

export function extractChoice(output: string, choices: string[]): Extraction {
  if (!choices.length) return notFound('the example has no answer options');
  const body = cutInventedContinuation(output);
  const answerText = afterLastAnswerMarker(body) ?? body;
  return (
    choiceAtStart(answerText, choices) ??
    choiceByLetters(answerText, choices) ??
    choiceByText(answerText, choices)
  );
}

export function choiceMatches(extracted: string, target: string): boolean {
  return normalizeAnswerText(extracted) === normalizeAnswerText(target);
}

/** "(c) wooded area", "c)", "C.", "C", "wooded area." at the start of the answer. */
function choiceAtStart(text: string, choices: string[]): Extraction | null {
  const trimmed = text.trim();
  const letter =
    /^\(([a-z])\)/i.exec(trimmed)?.[1] ??
    /^([a-z])\)/i.exec(trimmed)?.[1] ??
    /^([a-z])[.:]?$/i.exec(trimmed)?.[1] ??
    /^([A-Z])[.:]\s/.exec(trimmed)?.[1];
  if (letter) return byLetter(letter, choices);
  const normalized = normalizeAnswerText(trimmed);
  const exact = choices.findIndex((choice) => normalizeAnswerText(choice) === normalized);
  return exact >= 0 ? found(choices[exact]!) : null;
}

/** Parenthesised letters anywhere in the answer, when they all name the same option. */
function choiceByLetters(text: string, choices: string[]): Extraction | null {
  const letters = [...new Set([...text.matchAll(/\(([a-z])\)/gi)].map((m) => m[1]!.toLowerCase()))];
  if (letters.length === 0) return null;
  if (letters.length > 1) return notFound(`the answer names several options (${letters.map((l) => `(${l})`).join(', ')})`);
  return byLetter(letters[0]!, choices);
}

function choiceByText(text: string, choices: string[]): Extraction {
  const resolved = resolvePhraseHits(findPhrases(normalizeAnswerText(text), choices.map(normalizeAnswerText)));
  if (resolved === null) return notFound('no option letter or option text in the answer');
  if ('ambiguous' in resolved) {
    const named = resolved.ambiguous.map((i) => `"${choices[i]}"`).join(', ');
    return notFound(`the answer names several options (${named})`);
  }
  return found(choices[resolved.phrase]!);
}

function byLetter(letter: string, choices: string[]): Extraction {
  const index = letter.toLowerCase().charCodeAt(0) - 97;
  const choice = choices[index];
  if (choice === undefined) {
    return notFound(`option (${letter.toLowerCase()}) does not exist; options are (a) to (${optionLetter(choices.length - 1)})`);
  }
  return found(choice);
}
