import type { ReactNode } from 'react';
import { useApi } from '../api';
import { href } from '../router';
import { Load } from './Status';

/**
 * The page of one results folder (a grimoire evaluation, a distillation sweep, a cascade): crumbs back to the runs
 * list, then the folder's detail from `api` (`?id=`), drawn by `render` once it has loaded.
 */
export function folderPage<T>(api: string, kind: string, render: (detail: T) => ReactNode) {
  return function FolderPage({ id }: { id: string }) {
    const loaded = useApi<T>(`${api}?id=${encodeURIComponent(id)}`);
    return (
      <section>
        <p className="crumbs">
          <a href={href.runs()}>Runs</a> /{' '}
          <span>
            {kind} {id}
          </span>
        </p>
        <Load loaded={loaded}>{render}</Load>
      </section>
    );
  };
}
