import type { ReactNode } from 'react';
import type { Sort } from '../sorting';

/** A column header that sorts its table when clicked; aria-sort says how the table is sorted now. */
export function SortHeader<K extends string>({
  column,
  sort,
  onSort,
  children,
  className,
}: {
  column: K;
  sort: Sort<K> | null;
  onSort: (column: K) => void;
  children: ReactNode;
  className?: string;
}) {
  const active = sort?.key === column;
  return (
    <th className={className} aria-sort={active ? sort.direction : 'none'} data-column={column}>
      <button type="button" className="sort" onClick={() => onSort(column)}>
        {children}
        <span className="sort-mark" aria-hidden="true">
          {active ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}
        </span>
      </button>
    </th>
  );
}

/** A column of a sortable table's header row; `sortable: false` shows a plain header. */
export interface HeaderColumn<K extends string> {
  column: K;
  label: ReactNode;
  className?: string;
  sortable?: boolean;
}

/** The header cells of a table sorted by a click on a column. */
export function SortHeaders<K extends string>({
  columns,
  sort,
  onSort,
}: {
  columns: readonly (HeaderColumn<K> | false)[];
  sort: Sort<K> | null;
  onSort: (column: K) => void;
}) {
  return (
    <>
      {columns.map((header) =>
        !header ? null : header.sortable === false ? (
          <th key={header.column} className={header.className} data-column={header.column}>
            {header.label}
          </th>
        ) : (
          <SortHeader key={header.column} column={header.column} sort={sort} onSort={onSort} className={header.className}>
            {header.label}
          </SortHeader>
        ),
      )}
    </>
  );
}
