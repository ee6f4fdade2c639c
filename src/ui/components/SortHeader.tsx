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
