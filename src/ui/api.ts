/** Fetching the dashboard API, as a hook that tracks loading and errors. */
import { useEffect, useState } from 'react';
import type { ApiError } from '../server/dashboard/api';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; data: T };

export async function fetchJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await response.json().catch(() => null)) as T | ApiError | null;
  if (!response.ok) {
    const message = body && typeof body === 'object' && 'error' in body ? body.error.message : `${response.status} ${response.statusText}`;
    throw new Error(message);
  }
  return body as T;
}

export function useApi<T>(path: string): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    setLoaded({ state: 'loading' });
    fetchJson<T>(path).then(
      (data) => live && setLoaded({ state: 'ok', data }),
      (error: Error) => live && setLoaded({ state: 'error', message: error.message }),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return loaded;
}

export function runQuery(ids: readonly string[]): string {
  return ids.map((id) => `id=${encodeURIComponent(id)}`).join('&');
}
