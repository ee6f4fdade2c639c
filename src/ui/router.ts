/** Hash routes, so the server only ever serves one page: #/, #/run/<id>, #/compare/<id>,<id>..., #/scaling. */
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'compare'; ids: string[] }
  | { page: 'scaling' };

export function parseRoute(hash: string): Route {
  const [page = '', rest = ''] = hash.replace(/^#\/?/, '').split(/\/(.*)/s);
  if (page === 'run' && rest) return { page: 'run', id: decodeURIComponent(rest) };
  if (page === 'compare') return { page: 'compare', ids: rest.split(',').filter(Boolean).map(decodeURIComponent) };
  if (page === 'scaling') return { page: 'scaling' };
  return { page: 'runs' };
}

export const href = {
  runs: () => '#/',
  run: (id: string) => `#/run/${encodeURIComponent(id)}`,
  compare: (ids: readonly string[]) => `#/compare/${ids.map(encodeURIComponent).join(',')}`,
  scaling: () => '#/scaling',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => {
      setRoute(parseRoute(window.location.hash));
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
