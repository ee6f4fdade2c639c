/** Free-text answers: the output itself (after a final "Answer:"), compared after normalisation. */
import { cutInventedContinuation, normalizeAnswerText } from './text.js';
import { found, notFound, type Extraction } from './types.js';

const FINAL_ANSWER = /\banswer\s*:/gi;

export function extractFreeText(output: string): Extraction {
  const body = cutInventedContinuation(output);
  let end = -1;
  for (const match of body.matchAll(FINAL_ANSWER)) end = match.index + match[0].length;
  const answer = (end < 0 ? body : body.slice(end)).trim();
  return answer ? found(answer) : notFound('empty output');
}

export function freeTextMatches(extracted: string, target: string): boolean {
  return normalizeAnswerText(extracted) === normalizeAnswerText(target);
}
