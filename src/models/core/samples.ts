/**
 * Samples of one request: a request for n completions as n single-completion requests with distinct
 * sample indices, and their answers merged back into one response. The fan-out middleware makes the
 * n calls this way; the replay provider answers an n > 1 request from per-sample recordings.
 *
 * Sample i of a request with sampleIndex s and n samples gets sampleIndex s*n + i, so the n = 1
 * request with sampleIndex 0 is the same call as the first sample of any n > 1 request with s = 0.
 */
import type { CallWarning, GenerateRequest, GenerateResponse } from '../types.js';

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
  const warnings = mergeWarnings(responses.map((response) => response.warnings));
  if (warnings) merged.warnings = warnings;
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

/** The warnings of several answers to one request, each setting's warning once; undefined when there are none. */
export function mergeWarnings(lists: ReadonlyArray<readonly CallWarning[] | undefined>): CallWarning[] | undefined {
  const bySetting = new Map<string, CallWarning>();
  for (const list of lists) for (const warning of list ?? []) if (!bySetting.has(warning.setting)) bySetting.set(warning.setting, warning);
  return bySetting.size ? [...bySetting.values()] : undefined;
}
