/**
 * Errors a model call can end in. Every failure is one of these, so the evaluation layer can
 * count it as an error (never as an empty, wrong answer). On the floor of the model layer: providers
 * turn their failures into these, middleware (retry, timeout) classifies and rethrows them.
 */
export type ModelErrorKind =
  | 'rate_limit' // 429 after retries
  | 'server' // 5xx after retries
  | 'timeout' // no answer within the timeout, after retries
  | 'network' // connection refused/reset, after retries
  | 'bad_response' // malformed body or missing fields
  | 'bad_request' // 4xx other than 429: not retried
  | 'auth' // 401/403: not retried; stops an evaluation at once
  | 'not_found' // 404 (an unknown model, or an endpoint the server lacks): not retried; stops an evaluation at once
  | 'budget' // refused before sending: the budget would be exceeded
  | 'replay_miss' // replay provider has no recording for this request
  | 'unsupported' // the provider cannot do this kind of call
  | 'aborted';

/** Kinds worth retrying with backoff. */
export const RETRYABLE_KINDS: ReadonlySet<ModelErrorKind> = new Set(['rate_limit', 'server', 'timeout', 'network', 'bad_response']);

/**
 * Kinds that no later call can escape (a wrong key, a model that does not exist): an evaluation stops at the
 * first one, with the provider's message, instead of paying for, or waiting on, every other example.
 */
export const FATAL_KINDS: ReadonlySet<string> = new Set<ModelErrorKind>(['auth', 'not_found']);

/** The error every model call fails with, its `kind` saying why (auth, rate limit, timeout, budget…). */
export class ModelError extends Error {
  readonly kind: ModelErrorKind;
  readonly status?: number;
  /** Seconds the server asked us to wait (Retry-After), if it said. */
  readonly retryAfterSeconds?: number;

  constructor(kind: ModelErrorKind, message: string, options: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }

  get fatal(): boolean {
    return FATAL_KINDS.has(this.kind);
  }
}

/** A request setting the provider cannot honour, refused before the call is sent (hub option `unsupportedSettings: 'refuse'`). */
export class UnsupportedSettingError extends ModelError {
  /** The setting, as named in GenerateRequest (e.g. 'seed', 'logprobs'). */
  readonly setting: string;

  constructor(setting: string, message: string) {
    super('unsupported', message);
    this.name = 'UnsupportedSettingError';
    this.setting = setting;
  }
}

/** Whether `error` is a {@link ModelError}. */
export function isModelError(error: unknown): error is ModelError {
  return error instanceof ModelError;
}

/** The reason an aborted call ended with, as a ModelError (the timeout middleware aborts with one). */
export function asAborted(reason: unknown): ModelError {
  return isModelError(reason) ? reason : new ModelError('aborted', 'the call was aborted', { cause: reason });
}

/** Why a signal was aborted, as a ModelError. */
export function abortError(signal: AbortSignal | undefined): ModelError {
  return asAborted(signal?.reason);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Any thrown value as a ModelError: connection failures are 'network', anything else 'bad_response'. */
export function toModelError(error: unknown): ModelError {
  if (isModelError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ModelError(looksLikeNetworkFailure(error) ? 'network' : 'bad_response', message, { cause: error });
}

function looksLikeNetworkFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (typeof message === 'string' && /fetch failed|socket hang up|network|connection/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
