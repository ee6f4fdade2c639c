/**
 * The one model interface every provider implements (generate, log-probability, embed),
 * and the request/response shapes that the middleware stack (cache, budget, rate limit,
 * retry, accounting) wraps once for all providers.
 */

export type Role = 'system' | 'user' | 'assistant';

/** One turn of a chat conversation. */
export interface ChatMessage {
  role: Role;
  content: string;
}

/** Sampling parameters shared by every generation request. */
export interface SamplingParams {
  /** 0 means greedy. Default 0. */
  temperature?: number;
  topP?: number;
  /** Default chosen by the provider; the middleware uses it for budget reservations. */
  maxTokens?: number;
  /** Generation stops before the first occurrence of any of these strings (which are not returned). */
  stop?: string[];
  /** Number of completions to return for this one request (default 1). */
  n?: number;
  /** Provider-side sampling seed where supported. */
  seed?: number;
  /** Ask for per-token log-probabilities of the generated text where the provider returns them. */
  logprobs?: boolean;
  /** With `logprobs`: also the most likely alternatives at each position (0-20). */
  topLogprobs?: number;
  /** Constrain the answer to JSON (any object, or one matching a JSON schema). */
  responseFormat?: ResponseFormat;
}

/** An answer constrained to JSON: any JSON object, or one that matches `schema` (OpenAI's response_format). */
export type ResponseFormat = { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean };

/**
 * A generation request. Either `messages` (chat) or `prompt` (raw text) is set; chat-only
 * providers turn a prompt into one user message, text-only providers render messages.
 */
export interface GenerateRequest extends SamplingParams {
  messages?: ChatMessage[];
  prompt?: string;
  /** Send `prompt` as it is, with no prompt format or chat template around it (`generate --raw`). */
  raw?: boolean;
  /**
   * Distinguishes intended repeats of the same request (e.g. self-consistency samples made as
   * separate calls); part of the cache key. Default 0.
   */
  sampleIndex?: number;
}

/** Tokens a call used. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** One generated token with its log-probability (and the most likely alternatives when asked for). */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** The most likely tokens at this position, most likely first (when `topLogprobs` was asked for). */
  top?: Array<{ token: string; logprob: number }>;
}

/**
 * Why a completion ended, the same for every provider:
 * - 'stop': the model ended its answer, or a stop string was reached;
 * - 'length': maxTokens (or the context) was reached;
 * - 'content_filter': the provider withheld or cut the answer (a filter, a refusal);
 * - 'tool_calls': the model asked for a tool;
 * - 'error': the backend reported that generation failed part way;
 * - 'other': anything else (the provider's own reason is in `rawFinishReason`).
 */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error' | 'other';

/** One generated text with the reason it ended (and its token log-probabilities when asked for). */
export interface Completion {
  text: string;
  finishReason: FinishReason;
  /** The provider's own word when `finishReason` is 'other' (e.g. Anthropic's 'pause_turn'). */
  rawFinishReason?: string;
  /** Per-token log-probabilities of `text`, when requested and available. */
  logprobs?: TokenLogprob[];
}

/** Filled in by the middleware stack, never by providers, never stored in the cache. */
export interface CallMeta {
  cached: boolean;
  /** Dollars this call cost now (0 for a cache hit). */
  costUsd: number;
  latencyMs: number;
  /** Attempts made, including retries (0 for a cache hit). */
  attempts: number;
}

/** A setting of a generation request (the sampling parameters). */
export type RequestSetting = keyof SamplingParams;

/**
 * Something the caller asked for and did not get, said instead of dropped silently. A provider that
 * cannot honour a setting (Anthropic and `seed`, a server that returns no logprobs) still answers, with
 * a warning naming the setting; with the hub's `unsupportedSettings: 'refuse'` such a call is refused
 * before it is sent (an UnsupportedSettingError naming the setting) where the provider knows in advance.
 */
export interface CallWarning {
  type: 'unsupported-setting';
  setting: RequestSetting;
  /** Says which model ignored what, and why. */
  message: string;
}

/** The answer to a {@link GenerateRequest}: completions, tokens used and settings that were not honoured. */
export interface GenerateResponse {
  completions: Completion[];
  usage: TokenUsage;
  /** Settings of the request that were not honoured (absent when every setting was). Stored with the answer. */
  warnings?: CallWarning[];
  meta?: CallMeta;
}

/** Score a fixed continuation: log P(continuation | context) under the model's own distribution. */
export interface LogprobRequest {
  /** Context as raw text or as chat messages (rendered by the provider). */
  prompt?: string;
  messages?: ChatMessage[];
  continuation: string;
}

/** The answer to a {@link LogprobRequest}: the continuation's log-probability and token count. */
export interface LogprobResponse {
  /** Sum of natural-log probabilities of the continuation's tokens. */
  logprob: number;
  /** Number of tokens the continuation was split into. */
  tokenCount: number;
  /** True when every continuation token was also the model's argmax (greedy) choice. */
  isGreedy?: boolean;
  usage: TokenUsage;
  meta?: CallMeta;
}

/** The texts to embed in one call. */
export interface EmbedRequest {
  texts: string[];
}

/** One vector per text of an {@link EmbedRequest}, in order, with the tokens used. */
export interface EmbedResponse {
  vectors: number[][];
  usage: TokenUsage;
  meta?: CallMeta;
}

/** What a model can do: generate, score log-probabilities, embed, and how. */
export interface ModelCapabilities {
  generate: boolean;
  logprob: boolean;
  embed: boolean;
  /** Whether the provider returns n completions in one call (otherwise the layer loops). */
  nativeN: boolean;
}

/** One event of a streamed generation: a piece of text as it is produced, then the whole response. */
export type GenerateStreamEvent = { type: 'text'; text: string } | { type: 'done'; response: GenerateResponse };

/** Per-call options that are not part of the request identity (never in the cache key). */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * A provider: talks to one backend and nothing else. Generic behaviour (caching, limits,
 * retries, accounting) lives in middleware that wraps this same interface.
 */
export interface LanguageModel {
  /** The model spec string it was built from, e.g. `openai:gpt-4o-mini@http://127.0.0.1:8000/v1`. */
  readonly spec: string;
  /** Provider family: the spec's prefix, the name of its descriptor in registry.ts. */
  readonly provider: string;
  /** Model name as the backend knows it (used for pricing). */
  readonly modelName: string;
  readonly capabilities: ModelCapabilities;
  /**
   * Calls an in-process provider runs at once (more wait inside it). The hub lets no more than this
   * through the endpoint's limiter, so waiting calls queue there, untimed, not inside the provider.
   */
  readonly parallel?: number;
  generate(request: GenerateRequest, options?: CallOptions): Promise<GenerateResponse>;
  logprob(request: LogprobRequest, options?: CallOptions): Promise<LogprobResponse>;
  embed(request: EmbedRequest, options?: CallOptions): Promise<EmbedResponse>;
  /**
   * Optional token streaming: the same generation as `generate` (one completion, n = 1), yielding the
   * text as it is produced and, last, one 'done' event with the whole response (text, finish reason,
   * usage; call metadata once wrapped by the stack). The 'text' deltas joined equal the completion's text.
   * Aborting the signal or leaving the loop early stops the generation. Models without it are
   * generated fully with `generate` by callers that want a stream.
   */
  generateStream?(request: GenerateRequest, options?: CallOptions): AsyncIterable<GenerateStreamEvent>;
  /** Release native resources, sockets, database handles. */
  close?(): Promise<void>;
}

/** The three kinds of model call: generation, log-probability scoring and embedding. */
export type CallKind = 'generate' | 'logprob' | 'embed';

export type ModelRequest = GenerateRequest | LogprobRequest | EmbedRequest;
export type ModelResponse = GenerateResponse | LogprobResponse | EmbedResponse;

/** What the middleware stack reports about each call, for progress, accounting and run records. */
export interface CallRecord {
  spec: string;
  kind: CallKind;
  cached: boolean;
  usage: TokenUsage;
  costUsd: number;
  latencyMs: number;
  attempts: number;
  error?: string;
}
