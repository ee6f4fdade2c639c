/**
 * Hash routes, so the server only ever serves one page: #/, #/run/<id>, #/compare/<id>,<id>..., #/scaling,
 * #/grimoire/<id>, #/distill/<id>, #/cell/<cell folder id>, #/cascade/<id>.
 */
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'compare'; ids: string[] }
  | { page: 'scaling' }
  | { page: 'grimoire'; id: string }
  | { page: 'distill'; id: string }
  | { page: 'cell'; id: string }
  | { page: 'cascade'; id: string };

export function parseRoute(hash: string): Route {
  const [page = '', rest = ''] = hash.replace(/^#\/?/, '').split(/\/(.*)/s);
  if (page === 'run' && rest) return { page: 'run', id: decodeURIComponent(rest) };
  if (page === 'compare') return { page: 'compare', ids: rest.split(',').filter(Boolean).map(decodeURIComponent) };
  if (page === 'scaling') return { page: 'scaling' };
  if ((page === 'grimoire' || page === 'distill' || page === 'cell' || page === 'cascade') && rest) return { page, id: decodeURIComponent(rest) };
  return { page: 'runs' };
}

export const href = {
  runs: () => '#/',
  run: (id: string) => `#/run/${encodeURIComponent(id)}`,
  compare: (ids: readonly string[]) => `#/compare/${ids.map(encodeURIComponent).join(',')}`,
  scaling: () => '#/scaling',
  grimoire: (id: string) => `#/grimoire/${encodeURIComponent(id)}`,
  distill: (id: string) => `#/distill/${encodeURIComponent(id)}`,
  cell: (id: string) => `#/cell/${encodeURIComponent(id)}`,
  cascade: (id: string) => `#/cascade/${encodeURIComponent(id)}`,
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
