/** Table sorting by a clicked column: ascending on the first click, then flipping; empty values always last. */
import { useState } from 'react';

export type SortDirection = 'ascending' | 'descending';
export interface Sort<K extends string> {
  key: K;
  direction: SortDirection;
}
export type SortValue = string | number | null | undefined;
export type SortAccessors<T, K extends string> = Record<K, (row: T) => SortValue>;

export function useSort<K extends string>(initial: Sort<K> | null = null) {
  const [sort, setSort] = useState<Sort<K> | null>(initial);
  const toggle = (key: K) =>
    setSort((current) =>
      current?.key === key ? { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' } : { key, direction: 'ascending' },
    );
  return { sort, toggle };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

const isEmpty = (v: SortValue) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

function compareValues(a: NonNullable<SortValue>, b: NonNullable<SortValue>): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** The rows in the sort's order (stable: ties keep their order), or as given without a sort. */
export function sortRows<T, K extends string>(rows: readonly T[], sort: Sort<K> | null, accessors: SortAccessors<T, K>): T[] {
  if (!sort) return [...rows];
  const value = accessors[sort.key];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: value(row) }))
    .sort((x, y) => {
      // Empty values stay last in both directions.
      if (isEmpty(x.v) || isEmpty(y.v)) return isEmpty(x.v) === isEmpty(y.v) ? x.i - y.i : isEmpty(x.v) ? 1 : -1;
      return sign * compareValues(x.v!, y.v!) || x.i - y.i;
    })
    .map((entry) => entry.row);
}
