/**
 * Between OpenAI's wire format and the model layer: request bodies to GenerateRequests (sampling, messages,
 * response format) and answers to OpenAI's JSON (finish reasons, usage, both log-probability formats,
 * warnings).
 */
import { randomInt } from 'node:crypto';
import type * as z from '../util/zod.js';
import type { CallWarning, ChatMessage, Completion, FinishReason, GenerateRequest, ResponseFormat, TokenUsage } from '../models/types.js';
import { ApiError } from './errors.js';
import type { ChatCompletionBody, CompletionBody } from './schemas.js';

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw new ApiError(400, 'the request body must be a JSON object');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const unknownKeys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [];
  const path = [...issue.path.map(String), ...unknownKeys.slice(0, 1)];
  const param = path.join('.');
  const message = unknownKeys.length
    ? `unknown field ${unknownKeys.map((k) => `\`${k}\``).join(', ')}: not part of the OpenAI API this server speaks`
    : issue.message;
  throw new ApiError(400, `${param ? `${param}: ` : ''}${message}`, { param: param || null, code: unknownKeys.length ? 'unknown_parameter' : 'invalid_value' });
}

/** OpenAI's finish_reason for a typed one; a failure part way ('error') is not an answer and is refused. */
export function finishReasonJson(reason: FinishReason): 'stop' | 'length' | 'content_filter' | 'tool_calls' {
  if (reason === 'error') throw new ApiError(502, 'the model reported that generation failed part way', { type: 'upstream_error' });
  return reason === 'other' ? 'stop' : reason;
}

export function usageJson(usage: TokenUsage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Sampling parameters of a request, without undefined fields (they would change the cache key). */
export function samplingOf(body: ChatCompletionBody | CompletionBody, maxTokens: number | undefined): GenerateRequest {
  const temperature = body.temperature ?? 1;
  const request: GenerateRequest = { temperature };
  if (body.top_p !== null && body.top_p !== undefined) request.topP = body.top_p;
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  if (body.stop !== null && body.stop !== undefined) {
    const stops = (typeof body.stop === 'string' ? [body.stop] : body.stop).filter((s) => s !== '');
    if (stops.length) request.stop = stops;
  }
  if (body.seed !== null && body.seed !== undefined) request.seed = body.seed;
  const n = body.n ?? 1;
  if (n > 1) request.n = n;
  // A sampled request without a seed asks for a new sample: give it a sample index no earlier call has.
  if (temperature > 0 && request.seed === undefined) request.sampleIndex = randomInt(1, 2 ** 47);
  return request;
}

export function chatMessages(body: ChatCompletionBody): ChatMessage[] {
  return body.messages.map((message) => ({
    role: message.role === 'developer' ? 'system' : message.role,
    content: typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join(''),
  }));
}

/** The chat request's log-probability and response-format settings, as the model layer names them. */
export function chatExtras(body: ChatCompletionBody): Pick<GenerateRequest, 'logprobs' | 'topLogprobs' | 'responseFormat'> {
  const extras: Pick<GenerateRequest, 'logprobs' | 'topLogprobs' | 'responseFormat'> = {};
  if (body.logprobs) extras.logprobs = true;
  if (body.logprobs && body.top_logprobs) extras.topLogprobs = body.top_logprobs;
  const format = responseFormatOf(body.response_format);
  if (format) extras.responseFormat = format;
  return extras;
}

function responseFormatOf(format: ChatCompletionBody['response_format']): ResponseFormat | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  const { name, schema, strict } = format.json_schema;
  return { type: 'json_schema', name, schema, ...(strict !== null && strict !== undefined ? { strict } : {}) };
}

/** A chat choice's `logprobs.content`. */
export function chatLogprobsJson(completion: Completion) {
  return (completion.logprobs ?? []).map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    bytes: [...Buffer.from(entry.token, 'utf8')],
    top_logprobs: (entry.top ?? []).map((top) => ({ token: top.token, logprob: top.logprob, bytes: [...Buffer.from(top.token, 'utf8')] })),
  }));
}

/** A legacy completion choice's `logprobs`: tokens, their log-probabilities, top alternatives and text offsets. */
export function completionLogprobsJson(completion: Completion, startOffset: number) {
  const entries = completion.logprobs ?? [];
  const textOffset: number[] = [];
  let offset = startOffset;
  for (const entry of entries) {
    textOffset.push(offset);
    offset += entry.token.length;
  }
  return {
    tokens: entries.map((entry) => entry.token),
    token_logprobs: entries.map((entry) => entry.logprob),
    top_logprobs: entries.map((entry) => Object.fromEntries((entry.top ?? []).map((top) => [top.token, top.logprob]))),
    text_offset: textOffset,
  };
}

/** Warnings of an answer as a response field: settings the model did not honour. */
export function warningsJson(warnings: readonly CallWarning[] | undefined) {
  return warnings?.length ? { warnings: warnings.map((warning) => ({ setting: warning.setting, message: warning.message })) } : {};
}

export const WARNINGS_HEADER = 'x-apprentice-warnings';

/** The warnings header (messages joined), or nothing. */
export function warningsHeader(warnings: readonly CallWarning[] | undefined): Record<string, string> {
  return warnings?.length ? { [WARNINGS_HEADER]: warnings.map((warning) => warning.message.replace(/[^\x20-\x7e]+/g, ' ')).join('; ') } : {};
}
