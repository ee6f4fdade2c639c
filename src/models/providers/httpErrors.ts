/**
 * HTTP and SDK failures as ModelErrors, shared by the providers whose SDKs are generated from the
 * same template (openai, @anthropic-ai/sdk): they throw the same four error classes, so one mapping
 * serves both, given each SDK's classes. Retry-After is read here so the limiter can pause.
 */
import { abortError, isModelError, ModelError, toModelError } from '../core/errors.js';

type ErrorClass<T> = abstract new (...args: never[]) => T;

/** The error classes one SDK exports. */
export interface SdkErrorClasses {
  APIUserAbortError: ErrorClass<Error>;
  APIConnectionTimeoutError: ErrorClass<Error>;
  APIConnectionError: ErrorClass<Error>;
  APIError: ErrorClass<Error & { status?: number; headers?: Headers }>;
}

/** Any SDK/HTTP failure as a ModelError of the right kind. */
export function translateSdkError(sdk: SdkErrorClasses, error: unknown, signal: AbortSignal | undefined, where: string): ModelError {
  if (isModelError(error)) return error;
  if (signal?.aborted) return abortError(signal);
  if (error instanceof sdk.APIUserAbortError) return new ModelError('aborted', `${where}: aborted`, { cause: error });
  if (error instanceof sdk.APIConnectionTimeoutError) return new ModelError('timeout', `${where}: timed out`, { cause: error });
  if (error instanceof sdk.APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return new ModelError('network', `${where}: ${error.message}${cause}`, { cause: error });
  }
  if (error instanceof sdk.APIError) return fromStatus(error.status, error.headers, error.message, where, error);
  if (error instanceof SyntaxError) {
    return new ModelError('bad_response', `${where}: the response is not valid JSON (${error.message})`, { cause: error });
  }
  const translated = toModelError(error);
  return new ModelError(translated.kind, `${where}: ${translated.message}`, { cause: error });
}

/** Maps an HTTP status (and its Retry-After headers) to a ModelError. Shared by the HTTP providers. */
export function fromStatus(
  status: number | undefined,
  headers: Headers | HeaderRecord | undefined,
  message: string,
  where: string,
  cause?: unknown,
): ModelError {
  const text = `${where}: ${message}`;
  if (status === undefined) return new ModelError('bad_response', text, { cause });
  const retryAfterSeconds = headers ? parseRetryAfter(headers) : undefined;
  if (status === 429) return new ModelError('rate_limit', text, { status, retryAfterSeconds, cause });
  if (status === 401 || status === 403) return new ModelError('auth', text, { status, cause });
  if (status === 404) return new ModelError('not_found', text, { status, cause });
  if (status === 408) return new ModelError('timeout', text, { status, retryAfterSeconds, cause });
  // 529 is Anthropic's "overloaded".
  if (status === 409 || status >= 500) return new ModelError('server', text, { status, retryAfterSeconds, cause });
  if (status >= 400) return new ModelError('bad_request', text, { status, cause });
  return new ModelError('bad_response', text, { status, cause });
}

/** Headers as a plain object (node:http's IncomingHttpHeaders is one). */
export type HeaderRecord = Record<string, string | string[] | undefined>;

/**
 * Seconds to wait from `retry-after-ms` (milliseconds) or `Retry-After` (seconds or an HTTP
 * date); undefined when neither is present or readable.
 */
export function parseRetryAfter(headers: Headers | HeaderRecord, now = Date.now()): number | undefined {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const value = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
    return Array.isArray(value) ? value[0] : value;
  };
  const ms = get('retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms) / 1000;
  const value = get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}
