/**
 * Errors in the OpenAI API's shape (`{ error: { message, type, param, code } }`) and the HTTP status
 * each failure maps to, so OpenAI clients report them as they would OpenAI's own.
 */
import { isModelError, type ModelErrorKind } from '../models/errors.js';
import { InputError } from '../util/errors.js';

/** The JSON body of an error answer, as OpenAI's API writes it. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error the server answers with, in OpenAI's error shape and HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  /** Seconds, sent as Retry-After. */
  readonly retryAfterSeconds?: number;

  constructor(status: number, message: string, options: { type?: string; param?: string | null; code?: string | null; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/**
 * Status per model failure. The request's own fault is 4xx; a failure of the model behind the server
 * (upstream server, network, bad answer, its credentials) is 502, a timeout 504. A spent budget is 402,
 * not 429, so clients do not retry what cannot succeed.
 */
const INVALID_REQUEST = { status: 400, type: 'invalid_request_error' };
const UPSTREAM_FAILURE = { status: 502, type: 'upstream_error' };
const STATUS_BY_KIND: Record<ModelErrorKind, { status: number; type: string }> = {
  bad_request: INVALID_REQUEST,
  unsupported: INVALID_REQUEST,
  replay_miss: INVALID_REQUEST,
  budget: { status: 402, type: 'insufficient_quota' },
  rate_limit: { status: 429, type: 'rate_limit_error' },
  aborted: { status: 499, type: 'request_aborted' },
  server: UPSTREAM_FAILURE,
  network: UPSTREAM_FAILURE,
  bad_response: UPSTREAM_FAILURE,
  auth: UPSTREAM_FAILURE,
  not_found: UPSTREAM_FAILURE,
  timeout: { status: 504, type: 'timeout' },
};

/** Any thrown value as an ApiError: ModelError by kind, InputError 400, anything else 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isModelError(error)) {
    const { status, type } = STATUS_BY_KIND[error.kind] ?? { status: 500, type: 'server_error' };
    return new ApiError(status, error.message, { type, code: error.kind, retryAfterSeconds: error.retryAfterSeconds });
  }
  if (error instanceof InputError) return new ApiError(400, error.message, { param: error.field ?? null });
  const fastify = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    // Fastify's own request errors: body not JSON, body too large, unsupported content type.
    return new ApiError(fastify.statusCode, String(fastify.message), { code: typeof fastify.code === 'string' ? fastify.code : null });
  }
  return new ApiError(500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
}
