/** Call metadata on responses: filled in by the middleware, never stored in the cache or in recordings. */
import type { CallMeta, ModelResponse } from '../types.js';

/** The response without call metadata: what is stored in the cache and in recordings. */
export function stripMeta<R extends ModelResponse>(response: R): R {
  if (response.meta === undefined) return response;
  const copy = { ...response };
  delete copy.meta;
  return copy;
}

export function withMeta<R extends ModelResponse>(response: R, meta: CallMeta): R {
  return { ...response, meta };
}
