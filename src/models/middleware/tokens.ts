/**
 * Token counts known before a call is made: a typical estimate (chars/4) for rate limits, which
 * are corrected with the real usage afterwards, and an upper bound for budget reservations,
 * which must never be exceeded.
 */
import type { CallKind, ChatMessage, EmbedRequest, GenerateRequest, LogprobRequest, ModelRequest } from '../types.js';

/** Output assumed when a request does not set maxTokens. */
export const DEFAULT_MAX_TOKENS_ESTIMATE = 1024;
/** Chat templates add a few tokens per message (role markers, separators). */
const TOKENS_PER_MESSAGE = 8;

function inputTexts(kind: CallKind, request: ModelRequest): { texts: string[]; messages: number } {
  if (kind === 'embed') return { texts: (request as EmbedRequest).texts, messages: 0 };
  const { prompt, messages } = request as GenerateRequest | LogprobRequest;
  const texts = [...(prompt !== undefined ? [prompt] : []), ...(messages ?? []).map((m: ChatMessage) => m.content)];
  if (kind === 'logprob') texts.push((request as LogprobRequest).continuation);
  return { texts, messages: messages?.length ?? 0 };
}

/** Output tokens the call may produce: maxTokens (or the default) times n for generation. */
export function maxOutputTokens(kind: CallKind, request: ModelRequest): number {
  if (kind !== 'generate') return 0;
  const generate = request as GenerateRequest;
  return (generate.maxTokens ?? DEFAULT_MAX_TOKENS_ESTIMATE) * (generate.n ?? 1);
}

/** Typical input tokens: characters / 4. */
export function estimateInputTokens(kind: CallKind, request: ModelRequest): number {
  const { texts, messages } = inputTexts(kind, request);
  let chars = 0;
  for (const text of texts) chars += text.length;
  return Math.ceil(chars / 4) + messages * TOKENS_PER_MESSAGE;
}

/** Input tokens cannot exceed the UTF-8 byte count for byte-level BPE tokenizers (plus template tokens). */
export function maxInputTokens(kind: CallKind, request: ModelRequest): number {
  const { texts, messages } = inputTexts(kind, request);
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  return bytes + (messages + 1) * TOKENS_PER_MESSAGE;
}

/** Estimate used by tokens-per-minute limits. */
export function estimateCallTokens(kind: CallKind, request: ModelRequest): number {
  return estimateInputTokens(kind, request) + maxOutputTokens(kind, request);
}
