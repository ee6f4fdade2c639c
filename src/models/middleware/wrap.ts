/**
 * The one shape every middleware has: a handler that sees each call (kind, request, options) and
 * decides whether and how to pass it to the next layer. `wrapModel` turns a handler into a
 * LanguageModel around an inner one, so each layer is a small function testable alone.
 *
 * Streaming (`generateStream`, when the inner model has it) goes through the same handler as a
 * 'generate' call whose `next` runs the inner stream and passes its text on as it arrives, so every
 * layer applies to streamed calls too: the limiter holds a concurrency slot for the whole stream, the
 * budget, meter and usage tracker account for it, the timeout bounds it. Where a layer answers without
 * calling `next` (a cache hit, an identical call already in flight) the whole text comes as one piece,
 * and a stream is stored in the cache like any generation once it completes. A stream that fails after
 * text went out is not retried (the text cannot be taken back): it ends with a non-retryable error of
 * the same kind. Streams return one completion (n = 1).
 */
import { ModelError, isModelError } from '../core/errors.js';
import { streamProduced } from '../core/stream.js';
import type {
  CallKind,
  CallOptions,
  EmbedRequest,
  EmbedResponse,
  GenerateRequest,
  GenerateResponse,
  GenerateStreamEvent,
  LanguageModel,
  LogprobRequest,
  LogprobResponse,
  ModelCapabilities,
  ModelRequest,
  ModelResponse,
} from '../types.js';

export type NextCall = (request: ModelRequest, options?: CallOptions) => Promise<ModelResponse>;

export type CallHandler = (kind: CallKind, request: ModelRequest, options: CallOptions | undefined, next: NextCall) => Promise<ModelResponse>;

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
    ...(inner.generateStream ? { generateStream: (request: GenerateRequest, options?: CallOptions) => streamThrough(inner, handler, request, options) } : {}),
    close: overrides.close ?? (inner.close ? () => inner.close!() : undefined),
  };
}

/** A stream that failed after some of its text was delivered: never retried, whatever its kind. */
export class StreamInterruptedError extends ModelError {
  override get retryable(): boolean {
    return false;
  }
}

/** Runs a streamed generation through `handler` (see the module comment). */
async function* streamThrough(
  inner: LanguageModel,
  handler: CallHandler,
  request: GenerateRequest,
  options: CallOptions | undefined,
): AsyncGenerator<GenerateStreamEvent> {
  if ((request.n ?? 1) > 1) throw new ModelError('bad_request', 'a streamed generation returns one completion (n = 1)');
  let delivered = false;
  yield* streamProduced(options?.signal, async (signal, push) => {
    const next: NextCall = async (nextRequest, nextOptions) => {
      if (delivered) throw new StreamInterruptedError('aborted', 'a stream cannot be restarted once its text was delivered');
      let response: GenerateResponse | undefined;
      try {
        for await (const event of inner.generateStream!(nextRequest as GenerateRequest, nextOptions)) {
          if (event.type === 'done') response = event.response;
          else if (event.text !== '') {
            delivered = true;
            push(event.text);
          }
        }
      } catch (error) {
        if (!delivered) throw error;
        const kind = isModelError(error) ? error.kind : 'bad_response';
        const message = error instanceof Error ? error.message : String(error);
        throw new StreamInterruptedError(kind, message, { status: isModelError(error) ? error.status : undefined, cause: error });
      }
      if (!response) throw new ModelError('bad_response', `${inner.spec}: the stream ended without its final response`);
      return response;
    };
    const response = (await handler('generate', request, { ...options, signal }, next)) as GenerateResponse;
    // A layer answered without streaming (e.g. a cache hit): deliver the whole text at once.
    const text = response.completions[0]?.text ?? '';
    if (!delivered && text !== '') push(text);
    return response;
  });
}
