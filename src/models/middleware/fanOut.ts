/**
 * Sample fan-out: for a provider that cannot return n completions in one call, a request with
 * n > 1 becomes n single-completion calls with distinct sample indices (core/samples.ts), each
 * cached (and recorded) on its own, and their answers are merged back into one response.
 */
import { mergeSamples, splitSamples } from '../core/samples.js';
import type { GenerateRequest, GenerateResponse, LanguageModel } from '../types.js';
import { wrapModel } from './wrap.js';

export function withSampleFanOut(model: LanguageModel): LanguageModel {
  if (model.capabilities.nativeN) return model;
  return wrapModel(model, (kind, request, callOptions, next) => {
    const generate = request as GenerateRequest;
    // Not an async function: a single completion passes through without a promise of this layer's own.
    if (kind !== 'generate' || (generate.n ?? 1) <= 1) return next(request, callOptions);
    const parts = splitSamples(generate);
    return Promise.all(parts.map((part) => next(part, callOptions) as Promise<GenerateResponse>)).then(mergeSamples);
  });
}
