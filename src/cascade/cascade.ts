/**
 * Serving a cascade: the student answers first; when its confidence is below the threshold the teacher
 * answers instead. Both are models of the model layer (cache, budget, limits apply to each). The student
 * answers greedily with log-probabilities ('logprob' signal), or k samples vote ('agreement' signal: the
 * answer is the most common sample). A student answer without log-probabilities has unknown confidence
 * and goes to the teacher.
 */
import { ModelError } from '../models/errors.js';
import type { CallOptions, GenerateRequest, GenerateResponse, LanguageModel } from '../models/types.js';
import { agreement, logprobConfidence, textKey, type ConfidenceSignal } from './confidence.js';

export interface CascadeSettings {
  student: LanguageModel;
  teacher: LanguageModel;
  threshold: number;
  signal: ConfidenceSignal;
  /** Samples for the agreement signal. Default 5. */
  samples?: number;
  /** Temperature of the agreement samples when the request is greedy. Default 0.7. */
  sampleTemperature?: number;
}

export interface CascadeAnswer {
  response: GenerateResponse;
  answeredBy: 'student' | 'teacher';
  /** The student's confidence (null: unknown, escalated). */
  confidence: number | null;
  /** The student's own answer, also when the teacher answered. */
  studentResponse: GenerateResponse;
}

/** The student's answer to a request and its confidence by the signal. */
export async function studentAnswer(
  settings: Pick<CascadeSettings, 'student' | 'signal' | 'samples' | 'sampleTemperature'>,
  request: GenerateRequest,
  options?: CallOptions,
): Promise<{ response: GenerateResponse; confidence: number | null }> {
  if (settings.signal === 'logprob') {
    const response = await settings.student.generate({ ...request, n: 1, temperature: 0, logprobs: true }, options);
    const completion = response.completions[0];
    return { response, confidence: completion ? logprobConfidence(completion) : null };
  }
  const k = settings.samples ?? 5;
  const temperature = (request.temperature ?? 0) > 0 ? request.temperature! : (settings.sampleTemperature ?? 0.7);
  const sampled = await settings.student.generate({ ...request, n: k, temperature, logprobs: undefined }, options);
  const { winner, confidence } = agreement(sampled.completions.map((completion) => textKey(completion.text)));
  // The usage stays that of all k samples: they were all paid for.
  return { response: { ...sampled, completions: [sampled.completions[winner]!] }, confidence };
}

export async function answerWithCascade(settings: CascadeSettings, request: GenerateRequest, options?: CallOptions): Promise<CascadeAnswer> {
  if ((request.n ?? 1) > 1) throw new ModelError('bad_request', 'a cascade answers one completion per request (n = 1)');
  const student = await studentAnswer(settings, request, options);
  if (student.confidence !== null && student.confidence >= settings.threshold) {
    return { response: student.response, answeredBy: 'student', confidence: student.confidence, studentResponse: student.response };
  }
  const response = await settings.teacher.generate(request, options);
  return { response, answeredBy: 'teacher', confidence: student.confidence, studentResponse: student.response };
}
