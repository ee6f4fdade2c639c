/**
 * HTTP calls of the hosted fine-tuning engines: fetch with the model layer's failure mapping (fromStatus:
 * 429 rate_limit, 5xx server, 401/403 auth, ...) and its retry policy (exponential backoff with full
 * jitter, never sooner than the server's Retry-After; only retryable kinds are tried again).
 */
import { ModelError, toModelError } from '../../models/core/errors.js';
import { backoffDelayMs, DEFAULT_MAX_RETRIES } from '../../models/middleware/retry.js';
import { fromStatus } from '../../models/providers/httpErrors.js';

export interface HttpOptions {
  baseUrl: string;
  apiKey: string;
  /** Names the engine in errors, e.g. "together". */
  where: string;
  maxRetries?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { error: ModelError; attempt: number; delayMs: number }) => void;
}

export interface HttpClient {
  /** JSON in (or multipart form data), JSON out; `path` is relative to the base URL. */
  request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export class HttpNotFoundError extends ModelError {}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function httpClient(options: HttpOptions): HttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const maxAttempts = (options.maxRetries ?? DEFAULT_MAX_RETRIES) + 1;
  const sleep = options.sleep ?? sleepFor;
  return {
    async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
      const where = `${options.where} ${method} ${path.split('?')[0]}`;
      for (let attempt = 1; ; attempt++) {
        try {
          return await once<T>(base, options.apiKey, method, path, body, where);
        } catch (thrown) {
          const error = toModelError(thrown);
          if (!error.retryable || attempt >= maxAttempts) throw error;
          const delayMs = backoffDelayMs(attempt, { baseDelayMs: options.baseDelayMs, retryAfterSeconds: error.retryAfterSeconds });
          options.onRetry?.({ error, attempt, delayMs });
          await sleep(delayMs);
        }
      }
    },
  };
}

async function once<T>(base: string, apiKey: string, method: string, path: string, body: unknown, where: string): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method, headers, body: payload });
  } catch (error) {
    throw new ModelError('network', `${where}: ${(error as Error).message}`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    const message = errorMessage(text) ?? `HTTP ${response.status}`;
    if (response.status === 404) throw new HttpNotFoundError('bad_request', `${where}: ${message}`, { status: 404 });
    throw fromStatus(response.status, response.headers, message, where);
  }
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    throw new ModelError('bad_response', `${where}: the answer is not JSON: ${text.slice(0, 200)}`);
  }
}

/** The message of an error body in any of the engines' shapes ({error: {message}}, {error: "..."}, {message}). */
function errorMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof body.error === 'string') return body.error;
    return body.error?.message ?? body.message;
  } catch {
    return text.trim().slice(0, 300) || undefined;
  }
}
