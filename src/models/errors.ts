/**
 * Errors a model call can end in. Every failure is one of these, so the evaluation layer can
 * count it as an error (never as an empty, wrong answer).
 */
export type ModelErrorKind =
  | 'rate_limit' // 429 after retries
  | 'server' // 5xx after retries
  | 'timeout' // no answer within the timeout, after retries
  | 'network' // connection refused/reset, after retries
  | 'bad_response' // malformed body or missing fields
  | 'bad_request' // 4xx other than 429: not retried
  | 'auth' // 401/403: not retried
  | 'budget' // refused before sending: the budget would be exceeded
  | 'replay_miss' // replay provider has no recording for this request
  | 'unsupported' // the provider cannot do this kind of call
  | 'aborted';

/** Kinds worth retrying with backoff. */
export const RETRYABLE_KINDS: ReadonlySet<ModelErrorKind> = new Set([
  'rate_limit',
  'server',
  'timeout',
  'network',
  'bad_response',
]);

export class ModelError extends Error {
  readonly kind: ModelErrorKind;
  readonly status?: number;
  /** Seconds the server asked us to wait (Retry-After), if it said. */
  readonly retryAfterSeconds?: number;

  constructor(
    kind: ModelErrorKind,
    message: string,
    options: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }
}

export function isModelError(error: unknown): error is ModelError {
  return error instanceof ModelError;
}
