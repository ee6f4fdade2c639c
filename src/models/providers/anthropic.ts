/**
 * The Anthropic provider (`anthropic:<model>`): the Messages API through the official SDK.
 *
 * System messages go to the `system` parameter; max_tokens is required by the API (default
 * 1024); one completion per call (nativeN false: the hub's fan-out middleware makes n calls).
 * The API has no log-probabilities and no embeddings, so those calls fail with
 * ModelError('unsupported').
 *
 * Retries, timeouts and concurrency belong to the middleware: the SDK client never retries and
 * never times out by itself, the caller's AbortSignal is passed on, and every failure becomes a
 * ModelError of the right kind (never an empty completion).
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { InputError } from '../../util/errors.js';
import { abortError, ModelError } from '../core/errors.js';
import { ANTHROPIC_FINISH_REASONS, finishReasonFrom } from '../core/finish.js';
import { type SdkErrorClasses, translateSdkError } from './httpErrors.js';
import type { CallOptions, GenerateRequest, GenerateResponse, LanguageModel, ModelCapabilities } from '../types.js';
import { isObject } from '../../util/isObject.js';

export interface AnthropicModelOptions {
  spec: string;
  model: string;
  apiKey?: string;
  /** Default: $ANTHROPIC_BASE_URL, else the SDK's default (https://api.anthropic.com). */
  baseURL?: string;
  /** Environment for ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_ANTHROPIC_MAX_TOKENS = 1024;

/** The SDK's own timeout, far beyond any middleware timeout (which is what really applies). */
const SDK_TIMEOUT_MS = 24 * 60 * 60 * 1000;

const CAPABILITIES: ModelCapabilities = { generate: true, logprob: false, embed: false, nativeN: false };

export function createAnthropicModel(options: AnthropicModelOptions): LanguageModel {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey || env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    throw new InputError(`no Anthropic API key for "${options.spec}": set the ANTHROPIC_API_KEY environment variable (or pass an API key)`, { field: 'model' });
  }
  const baseURL = options.baseURL ?? (env.ANTHROPIC_BASE_URL || undefined);
  const client = new Anthropic({ apiKey, baseURL, maxRetries: 0, timeout: SDK_TIMEOUT_MS });
  const where = options.spec;

  const generateOne = async (request: GenerateRequest, signal: AbortSignal | undefined): Promise<GenerateResponse> => {
    if (signal?.aborted) throw abortError(signal);
    const body = messagesBody(options.model, request);
    let raw: unknown;
    try {
      raw = await client.messages.create(body, { signal });
    } catch (error) {
      throw translateError(error, signal, `messages call on ${where}`);
    }
    return parseMessageResponse(raw, where);
  };

  const generate = async (request: GenerateRequest, callOptions?: CallOptions): Promise<GenerateResponse> => {
    const n = request.n ?? 1;
    if (n <= 1) return generateOne(request, callOptions?.signal);
    // Only reached when called outside the hub (whose fan-out middleware splits n > 1).
    const parts = await Promise.all(Array.from({ length: n }, () => generateOne({ ...request, n: 1 }, callOptions?.signal)));
    return {
      completions: parts.flatMap((part) => part.completions),
      usage: {
        promptTokens: parts.reduce((sum, part) => sum + part.usage.promptTokens, 0),
        completionTokens: parts.reduce((sum, part) => sum + part.usage.completionTokens, 0),
      },
    };
  };

  return {
    spec: options.spec,
    provider: 'anthropic',
    modelName: options.model,
    capabilities: CAPABILITIES,
    generate,
    logprob: async () => {
      throw new ModelError(
        'unsupported',
        `${where}: the Anthropic API does not return log-probabilities; use an OpenAI-compatible server that supports ` +
          'echo with logprobs (e.g. vLLM) or a gguf model for log-probability scoring',
      );
    },
    embed: async () => {
      throw new ModelError(
        'unsupported',
        `${where}: the Anthropic API has no embeddings endpoint; use an embedding model (e.g. openai:text-embedding-3-small or a local one)`,
      );
    },
  };
}

/**
 * The body we send. The installed SDK's types no longer list temperature/top_p (its changelog
 * mentions a temperature deprecation); they are sent only when the caller sets them, and a server
 * that refuses them answers 400, reported as bad_request.
 */
export type MessagesBody = Anthropic.MessageCreateParamsNonStreaming & { temperature?: number; top_p?: number };

/** The Messages API body for a request: system messages joined into `system`, the rest in order. */
export function messagesBody(model: string, request: GenerateRequest): MessagesBody {
  const system: string[] = [];
  const messages: Anthropic.MessageParam[] = [];
  if (request.messages?.length) {
    for (const message of request.messages) {
      if (message.role === 'system') system.push(message.content);
      else messages.push({ role: message.role, content: message.content });
    }
  } else if (request.prompt !== undefined) {
    messages.push({ role: 'user', content: request.prompt });
  }
  if (messages.length === 0) {
    throw new ModelError('bad_request', 'a generate request needs a user message or a prompt (system messages alone are not enough)');
  }
  const body: MessagesBody = {
    model,
    max_tokens: request.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages,
  };
  if (system.length) body.system = system.join('\n\n');
  if (request.stop?.length) body.stop_sequences = request.stop;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  return body;
}

export function parseMessageResponse(raw: unknown, where: string): GenerateResponse {
  const bad = (what: string) => {
    const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const excerpt = shown === undefined ? String(raw) : shown.length > 200 ? `${shown.slice(0, 197)}...` : shown;
    return new ModelError('bad_response', `${where}: ${what} (got ${excerpt})`);
  };
  if (!isObject(raw)) throw bad('the response is not a JSON object');
  if (!Array.isArray(raw.content)) throw bad('the response has no content');
  const texts: string[] = [];
  for (const block of raw.content) {
    if (!isObject(block)) throw bad('a content block is malformed');
    if (block.type === 'text') {
      if (typeof block.text !== 'string') throw bad('a text block has no text');
      texts.push(block.text);
    }
  }
  if (texts.length === 0 && raw.content.length > 0) throw bad('the response has no text block');
  const finish = finishReasonFrom(typeof raw.stop_reason === 'string' ? raw.stop_reason : undefined, ANTHROPIC_FINISH_REASONS);
  const usage = isObject(raw.usage) ? raw.usage : {};
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
  return {
    completions: [{ text: texts.join(''), ...finish }],
    usage: {
      promptTokens: count(usage.input_tokens) + count(usage.cache_read_input_tokens) + count(usage.cache_creation_input_tokens),
      completionTokens: count(usage.output_tokens),
    },
  };
}

const ANTHROPIC_ERRORS: SdkErrorClasses = { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError, APIError };

export function translateError(error: unknown, signal: AbortSignal | undefined, where: string): ModelError {
  return translateSdkError(ANTHROPIC_ERRORS, error, signal, where);
}
