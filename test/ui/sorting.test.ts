/** Column sorting of the dashboard's tables: numbers as numbers, text in natural order, empty values last either way, stable ties. */
import { describe, expect, it } from 'vitest';
import { sortRows, type SortAccessors } from '../../src/ui/sorting.js';

interface Row {
  name: string;
  value: number | null;
}
const rows: Row[] = [
  { name: 'run 10', value: 0.5 },
  { name: 'run 2', value: null },
  { name: 'Run 1', value: 0.9 },
  { name: 'run 3', value: 0.5 },
  { name: 'run 20', value: Number.NaN },
];
const by: SortAccessors<Row, 'name' | 'value'> = { name: (r) => r.name, value: (r) => r.value };
const names = (sorted: Row[]) => sorted.map((r) => r.name);

describe('sortRows', () => {
  it('keeps the given order without a sort', () => {
    expect(names(sortRows(rows, null, by))).toEqual(names(rows));
  });

  it('sorts text naturally and case-insensitively, both ways', () => {
    expect(names(sortRows(rows, { key: 'name', direction: 'ascending' }, by))).toEqual(['Run 1', 'run 2', 'run 3', 'run 10', 'run 20']);
    expect(names(sortRows(rows, { key: 'name', direction: 'descending' }, by))).toEqual(['run 20', 'run 10', 'run 3', 'run 2', 'Run 1']);
  });

  it('sorts numbers, keeps ties in their order and empty values last in both directions', () => {
    expect(names(sortRows(rows, { key: 'value', direction: 'ascending' }, by))).toEqual(['run 10', 'run 3', 'Run 1', 'run 2', 'run 20']);
    expect(names(sortRows(rows, { key: 'value', direction: 'descending' }, by))).toEqual(['Run 1', 'run 10', 'run 3', 'run 2', 'run 20']);
  });
});
