/** Free-text answers: the text a final-answer marker introduces, else the whole output, compared after normalisation. */
import { normalizeAnswerText } from './text.js';
import type { AnswerReader } from './types.js';

export const freeTextReader: AnswerReader = {
  stated(text) {
    const answer = text.trim();
    return answer ? { answer } : null;
  },
  bare() {
    return null;
  },
  unstated(text) {
    const answer = text.trim();
    return answer ? { answer } : { invalid: 'empty output' };
  },
  same(a, b) {
    return normalizeAnswerText(a) === normalizeAnswerText(b);
  },
};

export function freeTextMatches(extracted: string, target: string): boolean {
  return normalizeAnswerText(extracted) === normalizeAnswerText(target);
}
