/**
 * Sample fan-out: for a provider that cannot return n completions in one call, a request with
 * n > 1 becomes n single-completion calls with distinct sample indices, each cached (and
 * recorded) on its own, and their answers are merged back into one response.
 *
 * Sample i of a request with sampleIndex s and n samples gets sampleIndex s*n + i, so the n = 1
 * request with sampleIndex 0 is the same call as the first sample of any n > 1 request with s = 0.
 */
import type { GenerateRequest, GenerateResponse, LanguageModel } from '../types.js';
import { wrapModel } from './wrap.js';

export function splitSamples(request: GenerateRequest): GenerateRequest[] {
  const n = request.n ?? 1;
  if (n <= 1) return [request];
  const base = (request.sampleIndex ?? 0) * n;
  return Array.from({ length: n }, (_, i) => ({ ...request, n: 1, sampleIndex: base + i }));
}

export function mergeSamples(responses: GenerateResponse[]): GenerateResponse {
  const merged: GenerateResponse = {
    completions: responses.flatMap((response) => response.completions),
    usage: {
      promptTokens: responses.reduce((sum, r) => sum + r.usage.promptTokens, 0),
      completionTokens: responses.reduce((sum, r) => sum + r.usage.completionTokens, 0),
    },
  };
  const metas = responses.map((response) => response.meta);
  if (metas.every((meta) => meta !== undefined)) {
    merged.meta = {
      cached: metas.every((meta) => meta!.cached),
      costUsd: metas.reduce((sum, meta) => sum + meta!.costUsd, 0),
      latencyMs: Math.max(...metas.map((meta) => meta!.latencyMs)),
      attempts: metas.reduce((sum, meta) => sum + meta!.attempts, 0),
    };
  }
  return merged;
}

export function withSampleFanOut(model: LanguageModel): LanguageModel {
  if (model.capabilities.nativeN) return model;
  return wrapModel(model, async (kind, request, callOptions, next) => {
    const generate = request as GenerateRequest;
    if (kind !== 'generate' || (generate.n ?? 1) <= 1) return next(request, callOptions);
    const parts = splitSamples(generate);
    const responses = await Promise.all(parts.map((part) => next(part, callOptions) as Promise<GenerateResponse>));
    return mergeSamples(responses);
  });
}
