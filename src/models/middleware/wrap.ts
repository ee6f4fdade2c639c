/**
 * The one shape every middleware has: a handler that sees each call (kind, request, options) and
 * decides whether and how to pass it to the next layer. `wrapModel` turns a handler into a
 * LanguageModel around an inner one, so each layer is a small function testable alone.
 */
import type {
  CallKind,
  CallMeta,
  CallOptions,
  EmbedRequest,
  EmbedResponse,
  GenerateRequest,
  GenerateResponse,
  LanguageModel,
  LogprobRequest,
  LogprobResponse,
  ModelCapabilities,
  ModelRequest,
  ModelResponse,
} from '../types.js';

export type NextCall = (request: ModelRequest, options?: CallOptions) => Promise<ModelResponse>;

export type CallHandler = (
  kind: CallKind,
  request: ModelRequest,
  options: CallOptions | undefined,
  next: NextCall,
) => Promise<ModelResponse>;

export function wrapModel(
  inner: LanguageModel,
  handler: CallHandler,
  overrides: { capabilities?: ModelCapabilities; close?: () => Promise<void> } = {},
): LanguageModel {
  const generate: NextCall = (request, options) => inner.generate(request as GenerateRequest, options);
  const logprob: NextCall = (request, options) => inner.logprob(request as LogprobRequest, options);
  const embed: NextCall = (request, options) => inner.embed(request as EmbedRequest, options);
  return {
    spec: inner.spec,
    provider: inner.provider,
    modelName: inner.modelName,
    capabilities: overrides.capabilities ?? inner.capabilities,
    generate: (request, options) => handler('generate', request, options, generate) as Promise<GenerateResponse>,
    logprob: (request, options) => handler('logprob', request, options, logprob) as Promise<LogprobResponse>,
    embed: (request, options) => handler('embed', request, options, embed) as Promise<EmbedResponse>,
    close: overrides.close ?? (inner.close ? () => inner.close!() : undefined),
  };
}

/** The response without call metadata: what is stored in the cache and in recordings. */
export function stripMeta<R extends ModelResponse>(response: R): R {
  if (response.meta === undefined) return response;
  const copy = { ...response };
  delete copy.meta;
  return copy;
}

export function withMeta<R extends ModelResponse>(response: R, meta: CallMeta): R {
  return { ...response, meta };
}
