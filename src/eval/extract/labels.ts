/**
 * Label answers (classification). Compared ignoring case, quotes, spacing, trailing punctuation and
 * the spelling of separators ("not entailment" is `not_entailment`). A sentence counts for the label
 * it asserts: "This is not hate speech." asserts no label (it denies `hate`), "It could be positive
 * or negative." hedges between two and is invalid, "Positive, although parts read as negative."
 * opens with its answer.
 */
import { assertedPhrase } from './assertion.js';
import { firstSentence } from './numbers.js';
import { lastSentence, normalizeAnswerText, sameAnswerText, stripEmphasis, withoutSpaces } from './text.js';
import type { AnswerReader, Reading } from './types.js';

export function labelReader(labels: string[]): AnswerReader {
  const normalized = labels.map(normalizeAnswerText);
  const unspaced = normalized.map(withoutSpaces);
  const longestUnspaced = Math.max(0, ...unspaced.map((label) => label.length));
  // An output is read as several candidates (a statement, its last line, the whole text, its last sentence) and
  // the same text is often normalised twice in a row: the last one is remembered.
  let lastText: string | undefined;
  let lastForm = '';
  const normalForm = (text: string): string => {
    if (text !== lastText) {
      lastForm = normalizeAnswerText(text);
      lastText = text;
    }
    return lastForm;
  };
  // sameAnswerText against every label, with the labels' normal forms made once and the text's once per call.
  const exact = (text: string): Reading | null => {
    const form = normalForm(text);
    // A normal form has single spaces and none at its ends, so without them it keeps over half its length: a form
    // too long for every label is compared as it is (no copy without spaces).
    const formUnspaced = (form.length + 1) / 2 > longestUnspaced ? form : withoutSpaces(form);
    const index = normalized.findIndex((label, i) => label === form || unspaced[i] === formUnspaced);
    return index >= 0 ? { answer: labels[index]! } : null;
  };
  const asserted = (text: string): Reading | null => {
    const result = assertedPhrase(normalForm(text), normalized);
    switch (result.kind) {
      case 'asserted':
        return { answer: labels[result.phrase]! };
      case 'ambiguous':
        return { invalid: `the answer names several labels (${result.phrases.map((i) => labels[i]).join(', ')}) and does not start with one` };
      case 'denied':
        return { invalid: `the answer only denies ${result.phrases.map((i) => labels[i]).join(', ')} and asserts no label` };
      case 'none':
        return null;
    }
  };
  return {
    stated(text) {
      const sentence = firstSentence(stripEmphasis(text));
      return exact(sentence) ?? asserted(sentence);
    },
    bare(text) {
      return text.length > 200 ? null : exact(stripEmphasis(text));
    },
    unstated(text) {
      const whole = text.length > 200 ? null : exact(text);
      if (whole) return whole;
      // The last sentence decides when it asserts a label; otherwise the whole text does.
      const last = asserted(lastSentence(text));
      if (last && 'answer' in last) return last;
      return asserted(text) ?? { invalid: `none of the labels (${labels.join(', ')}) appears in the answer` };
    },
    same: sameAnswerText,
  };
}

export function labelMatches(extracted: string, target: string): boolean {
  return sameAnswerText(extracted, target);
}
