/**
 * Label answers (classification). As the Grimoire paper scores them: take the text after the last
 * "Answer:", ignore case, quotes, spacing and trailing punctuation, and compare with the labels.
 * When the answer is a sentence, a label named in it as a whole word or phrase counts.
 */
import {
  afterLastAnswerMarker,
  cutInventedContinuation,
  findPhrases,
  normalizeAnswerText,
  resolvePhraseHits,
} from './text.js';
import { found, notFound, type Extraction } from './types.js';

export function extractLabel(output: string, labels: string[]): Extraction {
  const body = cutInventedContinuation(output);
  const answerText = normalizeAnswerText(afterLastAnswerMarker(body) ?? body);
  if (!answerText) return notFound('empty answer');
  const normalizedLabels = labels.map(normalizeAnswerText);

  const exact = normalizedLabels.indexOf(answerText);
  if (exact >= 0) return found(labels[exact]!);
  const firstLine = normalizeAnswerText(answerText.split('\n')[0] ?? '');
  const exactLine = normalizedLabels.indexOf(firstLine);
  if (exactLine >= 0) return found(labels[exactLine]!);

  const resolved = resolvePhraseHits(findPhrases(answerText, normalizedLabels));
  if (resolved === null) return notFound(`none of the labels (${labels.join(', ')}) appears in the answer`);
  if ('ambiguous' in resolved) {
    const named = resolved.ambiguous.map((i) => labels[i]).join(', ');
    return notFound(`the answer names several labels (${named}) and does not start with one`);
  }
  return found(labels[resolved.phrase]!);
}

export function labelMatches(extracted: string, target: string): boolean {
  return normalizeAnswerText(extracted) === normalizeAnswerText(target);
}
