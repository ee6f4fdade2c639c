/**
 * The OpenAI provider (`openai:<model>[@<baseURL>]`): the official OpenAI API or any
 * OpenAI-compatible server (vLLM, llama.cpp server, Ollama, LM Studio, ...).
 *
 * - generate: chat completions with native n, stop, temperature, top_p, max_tokens, seed,
 *   response_format and per-token logprobs (with top_logprobs);
 * - logprob: the legacy completions endpoint with `echo: true, logprobs: 1, max_tokens: 0`, which
 *   returns the log-probability of every prompt token (vLLM and some other servers support it;
 *   when the server does not, the call fails with ModelError('unsupported'));
 * - embed: the embeddings endpoint.
 *
 * Retries, timeouts and concurrency belong to the middleware: a call is one HTTP request, never
 * retried and never timed out here, the caller's AbortSignal is passed to it, and every failure
 * becomes a ModelError of the right kind (never an empty completion). Requests go over pooled
 * keep-alive connections of our own (jsonHttp.ts), not through the openai SDK, whose per-call machinery
 * on top of fetch cost several times the CPU of the call itself; only the SDK's request types are used.
 */
import type OpenAI from 'openai';
import { InputError } from '../../util/errors.js';
import { abortError, isModelError, ModelError } from '../core/errors.js';
import { finishReasonFrom, OPENAI_FINISH_REASONS } from '../core/finish.js';
import { fromStatus } from './httpErrors.js';
import { postJson, type JsonHttpAnswer } from './jsonHttp.js';
import type {
  CallOptions,
  ChatMessage,
  Completion,
  EmbedRequest,
  EmbedResponse,
  GenerateRequest,
  GenerateResponse,
  LanguageModel,
  LogprobRequest,
  LogprobResponse,
  TokenLogprob,
  TokenUsage,
} from '../types.js';
import { isObject } from '../../util/isObject.js';

export interface OpenAIModelOptions {
  spec: string;
  model: string;
  baseURL?: string;
  apiKey?: string;
  /** Environment for OPENAI_API_KEY / OPENAI_BASE_URL. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Key sent to servers that need none (local OpenAI-compatible servers). */
export const PLACEHOLDER_API_KEY = 'not-needed';

/** The official API, when neither the spec nor OPENAI_BASE_URL names a server. */
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function createOpenAIModel(options: OpenAIModelOptions): LanguageModel {
  const env = options.env ?? process.env;
  const baseURL = options.baseURL ?? (env.OPENAI_BASE_URL || undefined);
  const apiKey = options.apiKey || env.OPENAI_API_KEY || (baseURL ? PLACEHOLDER_API_KEY : undefined);
  if (!apiKey) {
    throw new InputError(
      `no OpenAI API key for "${options.spec}": set the OPENAI_API_KEY environment variable (or pass an API key), ` +
        'or give an OpenAI-compatible server in the spec, e.g. openai:<model>@http://127.0.0.1:8000/v1',
      { field: 'model' },
    );
  }
  const root = (baseURL ?? OPENAI_BASE_URL).replace(/\/+$/, '');
  if (!URL.canParse(root)) throw new InputError(`"${options.spec}": ${root} is not a valid base URL`, { field: 'model' });
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  // The SDK sent these from the environment; a server that needs them still gets them.
  if (env.OPENAI_ORG_ID) headers['openai-organization'] = env.OPENAI_ORG_ID;
  if (env.OPENAI_PROJECT_ID) headers['openai-project'] = env.OPENAI_PROJECT_ID;
  const where = `${options.spec}`;

  const urls = new Map<string, URL>();
  const urlOf = (path: string): URL => {
    let url = urls.get(path);
    if (!url) urls.set(path, (url = new URL(root + path)));
    return url;
  };
  const post = async (path: string, payload: object, what: string, signal: AbortSignal | undefined): Promise<unknown> => {
    if (signal?.aborted) throw abortError(signal);
    const context = `${what} on ${where}`;
    let answer: JsonHttpAnswer;
    try {
      answer = await postJson(urlOf(path), JSON.stringify(payload), headers, signal);
    } catch (error) {
      throw transportError(error, signal, context);
    }
    if (answer.status < 200 || answer.status > 299) throw statusError(answer, context);
    try {
      return JSON.parse(answer.text) as unknown;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ModelError('bad_response', `${context}: the response is not valid JSON (${message})`, { cause: error });
    }
  };

  const generate = async (request: GenerateRequest, callOptions?: CallOptions): Promise<GenerateResponse> => {
    const signal = callOptions?.signal;
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
      model: options.model,
      messages: chatMessages(request),
    };
    if (request.stop?.length) body.stop = request.stop;
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.n !== undefined && request.n !== 1) body.n = request.n;
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.logprobs) body.logprobs = true;
    if (request.logprobs && request.topLogprobs) body.top_logprobs = request.topLogprobs;
    if (request.responseFormat?.type === 'json_object') body.response_format = { type: 'json_object' };
    if (request.responseFormat?.type === 'json_schema') {
      const { name, schema, strict } = request.responseFormat;
      body.response_format = { type: 'json_schema', json_schema: { name, schema, ...(strict !== undefined ? { strict } : {}) } };
    }
    const raw = await post('/chat/completions', body, 'chat completion', signal);
    return parseChatResponse(raw, request, where);
  };

  const logprob = async (request: LogprobRequest, callOptions?: CallOptions): Promise<LogprobResponse> => {
    const signal = callOptions?.signal;
    const context = request.messages ? renderMessages(request.messages) : (request.prompt ?? '');
    const prompt = context + request.continuation;
    let raw: unknown;
    try {
      const body: OpenAI.Completions.CompletionCreateParamsNonStreaming = { model: options.model, prompt, echo: true, logprobs: 1, max_tokens: 0 };
      raw = await post('/completions', body, 'completion (echo) for logprob', signal);
    } catch (error) {
      throw asUnsupportedLogprob(error, where);
    }
    return parseEchoResponse(raw, context.length, prompt, where);
  };

  const embed = async (request: EmbedRequest, callOptions?: CallOptions): Promise<EmbedResponse> => {
    const signal = callOptions?.signal;
    if (request.texts.length === 0) return { vectors: [], usage: { promptTokens: 0, completionTokens: 0 } };
    const body: OpenAI.Embeddings.EmbeddingCreateParams = { model: options.model, input: request.texts, encoding_format: 'float' };
    const raw = await post('/embeddings', body, 'embeddings', signal);
    return parseEmbeddingResponse(raw, request.texts.length, where);
  };

  return {
    spec: options.spec,
    provider: 'openai',
    modelName: options.model,
    capabilities: { generate: true, logprob: true, embed: true, nativeN: true },
    generate,
    logprob,
    embed,
  };
}

function chatMessages(request: GenerateRequest): OpenAI.Chat.Completions.ChatCompletionMessageParam[] {
  if (request.messages?.length) return request.messages.map((m) => ({ role: m.role, content: m.content }));
  if (request.prompt !== undefined) return [{ role: 'user', content: request.prompt }];
  throw new ModelError('bad_request', 'a generate request needs messages or a prompt');
}

const ROLE_LABELS: Record<ChatMessage['role'], string> = { system: 'System', user: 'User', assistant: 'Assistant' };

/**
 * Chat messages as plain text for the completions endpoint, ending with an open assistant turn:
 * `System: ...\n\nUser: ...\n\nAssistant: ` (a continuation is scored as the assistant's reply).
 */
export function renderMessages(messages: ChatMessage[]): string {
  return messages.map((m) => `${ROLE_LABELS[m.role]}: ${m.content}\n\n`).join('') + 'Assistant: ';
}

// ---------------------------------------------------------------------------------------------
// Response parsing: anything not of the expected shape is a bad_response, never an empty answer.

type Json = Record<string, unknown>;

function badResponse(where: string, what: string, raw: unknown): ModelError {
  const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const excerpt = shown === undefined ? String(raw) : shown.length > 200 ? `${shown.slice(0, 197)}...` : shown;
  return new ModelError('bad_response', `${where}: ${what} (got ${excerpt})`);
}

function usageOf(raw: Json): TokenUsage {
  const usage = raw.usage;
  if (!isObject(usage)) return { promptTokens: 0, completionTokens: 0 };
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
  return { promptTokens: count(usage.prompt_tokens), completionTokens: count(usage.completion_tokens) };
}

export function parseChatResponse(raw: unknown, request: GenerateRequest, where: string): GenerateResponse {
  if (!isObject(raw)) throw badResponse(where, 'the response is not a JSON object', raw);
  const choices = raw.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw badResponse(where, 'the response has no choices', raw);
  const expected = request.n ?? 1;
  if (choices.length < expected) {
    throw badResponse(where, `asked for ${expected} completions, got ${choices.length}`, raw);
  }
  const ordered = [...choices].sort((a, b) => indexOf(a) - indexOf(b));
  const completions = ordered.map((choice): Completion => {
    if (!isObject(choice) || !isObject(choice.message)) throw badResponse(where, 'a choice has no message', raw);
    const content = choice.message.content;
    if (typeof content !== 'string') throw badResponse(where, 'a choice has no message content', raw);
    const completion: Completion = {
      text: content,
      ...finishReasonFrom(typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined, OPENAI_FINISH_REASONS),
    };
    if (request.logprobs) {
      const logprobs = chatLogprobs(choice.logprobs);
      if (logprobs) completion.logprobs = logprobs;
    }
    return completion;
  });
  const response: GenerateResponse = { completions, usage: usageOf(raw) };
  if (request.logprobs && completions.some((completion) => !completion.logprobs)) {
    response.warnings = [
      { type: 'unsupported-setting', setting: 'logprobs', message: `${where} returned no log-probabilities for a request that asked for them` },
    ];
  }
  return response;
}

function indexOf(choice: unknown): number {
  return isObject(choice) && typeof choice.index === 'number' ? choice.index : 0;
}

function chatLogprobs(value: unknown): TokenLogprob[] | undefined {
  if (!isObject(value) || !Array.isArray(value.content)) return undefined;
  const tokens: TokenLogprob[] = [];
  for (const entry of value.content) {
    if (!isObject(entry) || typeof entry.token !== 'string' || typeof entry.logprob !== 'number') return undefined;
    const token: TokenLogprob = { token: entry.token, logprob: entry.logprob };
    if (Array.isArray(entry.top_logprobs) && entry.top_logprobs.length) {
      token.top = entry.top_logprobs.flatMap((top: unknown) =>
        isObject(top) && typeof top.token === 'string' && typeof top.logprob === 'number' ? [{ token: top.token, logprob: top.logprob }] : [],
      );
    }
    tokens.push(token);
  }
  return tokens;
}

/**
 * Sums the log-probabilities of the continuation's tokens in an echoed completion. A token is
 * part of the continuation when it ends after the context does (so a token that straddles the
 * boundary, like " Paris" after "Assistant:", counts for the continuation).
 */
export function parseEchoResponse(raw: unknown, contextLength: number, prompt: string, where: string): LogprobResponse {
  const unsupported = (why: string) =>
    new ModelError(
      'unsupported',
      `${where} cannot score a continuation: ${why}. Log-probabilities need a server whose /completions endpoint ` + 'supports echo with logprobs (e.g. vLLM)',
    );
  if (!isObject(raw)) throw badResponse(where, 'the response is not a JSON object', raw);
  const choice: unknown = Array.isArray(raw.choices) ? raw.choices[0] : undefined;
  if (!isObject(choice)) throw badResponse(where, 'the response has no choices', raw);
  const logprobs = choice.logprobs;
  if (!isObject(logprobs)) throw unsupported('the response has no logprobs');
  const { tokens, token_logprobs: tokenLogprobs, text_offset: textOffset, top_logprobs: topLogprobs } = logprobs;
  if (!Array.isArray(tokens) || !Array.isArray(tokenLogprobs) || !Array.isArray(textOffset)) {
    throw unsupported('the response has no tokens, token_logprobs and text_offset');
  }
  if (tokens.length !== tokenLogprobs.length || tokens.length !== textOffset.length) {
    throw badResponse(where, 'tokens, token_logprobs and text_offset differ in length', raw);
  }
  if (typeof choice.text === 'string' && !choice.text.startsWith(prompt)) {
    throw unsupported('the server did not echo the prompt');
  }
  let sum = 0;
  let count = 0;
  let greedy = Array.isArray(topLogprobs);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const offset = textOffset[i];
    if (typeof token !== 'string' || typeof offset !== 'number') throw badResponse(where, 'a token is malformed', raw);
    if (offset + token.length <= contextLength) continue;
    if (offset >= prompt.length) break; // generated text, if the server produced any
    const logprob = tokenLogprobs[i];
    if (typeof logprob !== 'number') {
      throw unsupported(i === 0 ? 'the first token has no log-probability (the context is empty)' : 'a token has no log-probability');
    }
    sum += logprob;
    count += 1;
    if (greedy) greedy = isTopToken(Array.isArray(topLogprobs) ? topLogprobs[i] : undefined, token, logprob);
  }
  if (count === 0 && prompt.length > contextLength) throw badResponse(where, 'no tokens of the continuation were returned', raw);
  const usage = usageOf(raw);
  const response: LogprobResponse = { logprob: sum, tokenCount: count, usage: { promptTokens: usage.promptTokens, completionTokens: 0 } };
  if (Array.isArray(topLogprobs)) response.isGreedy = greedy;
  return response;
}

function isTopToken(top: unknown, token: string, logprob: number): boolean {
  if (!isObject(top)) return false;
  let best = -Infinity;
  for (const value of Object.values(top)) if (typeof value === 'number' && value > best) best = value;
  return token in top ? (top[token] as number) >= best : logprob >= best;
}

function asUnsupportedLogprob(error: unknown, where: string): unknown {
  if (!isModelError(error) || (error.kind !== 'bad_request' && error.kind !== 'not_found') || ![400, 404, 405, 422, 501].includes(error.status ?? 0)) {
    return error;
  }
  return new ModelError(
    'unsupported',
    `${where} cannot score a continuation: its /completions endpoint refused echo with logprobs (${error.message}). ` +
      'Log-probabilities need a server that supports it (e.g. vLLM)',
    { status: error.status, cause: error },
  );
}

export function parseEmbeddingResponse(raw: unknown, expected: number, where: string): EmbedResponse {
  if (!isObject(raw) || !Array.isArray(raw.data)) throw badResponse(where, 'the response has no data', raw);
  if (raw.data.length !== expected) throw badResponse(where, `asked for ${expected} embeddings, got ${raw.data.length}`, raw);
  const vectors: number[][] = new Array<number[]>(expected);
  raw.data.forEach((item: unknown, position: number) => {
    if (!isObject(item) || !Array.isArray(item.embedding) || !item.embedding.every((x) => typeof x === 'number')) {
      throw badResponse(where, 'an embedding is not an array of numbers', raw);
    }
    const index = typeof item.index === 'number' ? item.index : position;
    if (index < 0 || index >= expected || vectors[index]) throw badResponse(where, 'embedding indices are wrong', raw);
    vectors[index] = item.embedding as number[];
  });
  const usage = usageOf(raw);
  return { vectors, usage: { promptTokens: usage.promptTokens, completionTokens: 0 } };
}

// ---------------------------------------------------------------------------------------------
// Errors

/** A request that got no complete answer: aborted by the caller (with its reason), or a network failure. */
export function transportError(error: unknown, signal: AbortSignal | undefined, where: string): ModelError {
  if (isModelError(error)) return error;
  if (signal?.aborted) return abortError(signal);
  const message = error instanceof Error ? error.message : String(error);
  return new ModelError('network', `${where}: connection error: ${message}`, { cause: error });
}

/**
 * A non-2xx answer as a ModelError, with the server's own message as the openai SDK worded it
 * (`<status> <error.message>`), and Retry-After read for the limiter.
 */
export function statusError(answer: JsonHttpAnswer, where: string): ModelError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    parsed = undefined;
  }
  const error = isObject(parsed) ? parsed.error : undefined;
  const text = answer.text.trim();
  let detail: string;
  if (isObject(error) && error.message !== undefined) {
    detail = typeof error.message === 'string' ? error.message : JSON.stringify(error.message);
  } else if (error !== undefined) {
    detail = JSON.stringify(error);
  } else {
    detail = text ? (text.length > 500 ? `${text.slice(0, 497)}...` : text) : 'status code (no body)';
  }
  return fromStatus(answer.status, answer.headers, `${answer.status} ${detail}`, where);
}
