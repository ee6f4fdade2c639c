/**
 * Serving a cascade (`serve --cascade`): each request is answered by cascade/cascade.ts (student first, the
 * teacher below the threshold), and the response says which model answered: the `x-apprentice-answered-by`
 * header (`student` or `teacher`, streamed responses too), `x-apprentice-confidence`, and top-level
 * `answered_by` and `cascade` fields in the JSON body (also what `--store` captures).
 */
import { answerWithCascade, type CascadeSettings } from '../cascade/cascade.js';
import type { Answerer } from './answer.js';
import { ApiError } from './errors.js';

export const ANSWERED_BY_HEADER = 'x-apprentice-answered-by';
export const CONFIDENCE_HEADER = 'x-apprentice-confidence';

export function cascadeAnswerer(settings: CascadeSettings): Answerer {
  return async (request, signal) => {
    if ((request.n ?? 1) > 1) throw new ApiError(400, 'a cascade answers one completion per request (n = 1)', { param: 'n' });
    const answer = await answerWithCascade(settings, request, { signal });
    const confidence = answer.confidence === null ? 'unknown' : answer.confidence.toFixed(6);
    const by = answer.answeredBy === 'student' ? settings.student.spec : settings.teacher.spec;
    return {
      response: answer.response,
      headers: { [ANSWERED_BY_HEADER]: answer.answeredBy, [CONFIDENCE_HEADER]: confidence },
      fields: {
        answered_by: answer.answeredBy,
        cascade: { answered_by: answer.answeredBy, model: by, confidence: answer.confidence, threshold: settings.threshold, signal: settings.signal },
      },
    };
  };
}
