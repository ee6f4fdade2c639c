/**
 * Stable identities for model calls: canonical JSON (sorted keys, undefined dropped) hashed with
 * sha256. The cache key and the record/replay key are both built here so they cannot drift apart.
 */
import { canonicalJson, sha256Hex } from '../../util/canonicalJson.js';
import type { CallKind, GenerateRequest, ModelRequest } from '../types.js';

export { canonicalJson, sha256Hex };

/**
 * The request as it identifies a call: defaults written out the same way whether they were given
 * or omitted (temperature 0, n 1, sampleIndex 0, no stop strings, no logprobs), so `{}` and
 * `{ temperature: 0, n: 1 }` are one call. Everything else is kept verbatim.
 */
export function normalizeRequest(kind: CallKind, request: ModelRequest): Record<string, unknown> {
  if (kind !== 'generate') return { ...request };
  const generate = request as GenerateRequest;
  const normalized: Record<string, unknown> = { ...generate };
  normalized.temperature = generate.temperature ?? 0;
  normalized.n = generate.n ?? 1;
  normalized.sampleIndex = generate.sampleIndex ?? 0;
  normalized.logprobs = generate.logprobs ?? false;
  if (!generate.stop?.length) delete normalized.stop;
  return normalized;
}

/** Which backend answers: provider, model and endpoint. Never includes an API key. */
export interface ModelIdentity {
  provider: string;
  model: string;
  baseURL?: string;
  /** For local models: a fingerprint of the weights, so a retrained model never gets an old model's answers. */
  weights?: string;
}

/** Cache key: the backend identity, the call kind and the full normalized request. */
export function callKey(identity: ModelIdentity, kind: CallKind, request: ModelRequest): string {
  return sha256Hex(
    canonicalJson({
      identity: { provider: identity.provider, model: identity.model, baseURL: identity.baseURL, weights: identity.weights },
      kind,
      request: normalizeRequest(kind, request),
    }),
  );
}

/** Record/replay key: the call kind and the request only, so any model's recording can replay anywhere. */
export function recordingKey(kind: CallKind, request: ModelRequest): string {
  return sha256Hex(canonicalJson({ kind, request: normalizeRequest(kind, request) }));
}
