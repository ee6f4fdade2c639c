/**
 * Which examples a table shows: the result filter and the search words, one definition for the browser (a run
 * small enough to send whole, src/ui) and the server (a large run paged: runExamples.ts). No Node code here.
 */
import type { ExampleRow, ExampleStatus } from './api.js';

export type ExampleFilter = 'all' | 'not-correct' | ExampleStatus;

export const EXAMPLE_FILTERS: readonly ExampleFilter[] = ['all', 'not-correct', 'correct', 'wrong', 'invalid', 'error', 'unscored'];

export function isExampleFilter(value: unknown): value is ExampleFilter {
  return typeof value === 'string' && (EXAMPLE_FILTERS as readonly string[]).includes(value);
}

export function statusMatches(status: ExampleStatus, filter: ExampleFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'not-correct') return status === 'wrong' || status === 'invalid' || status === 'error';
  return status === filter;
}

export type ExampleSortKey = 'index' | 'status' | 'tokens' | 'cost';
/** What a large run's table sorts on (the server pages it: runExamples.ts); a run sent whole sorts on any column. */
export const EXAMPLE_SORT_KEYS: readonly ExampleSortKey[] = ['index', 'status', 'tokens', 'cost'];

/** A page of a run's examples (GET /api/run/examples). */
export interface ExampleQuery {
  filter: ExampleFilter;
  /** Search words (searchWords of the box's text). */
  words: readonly string[];
  sort: ExampleSortKey;
  descending: boolean;
  offset: number;
  limit: number;
}

/** A run with at most this many records is sent whole (the table filters, searches and sorts it in the browser). */
export const INLINE_EXAMPLES = 2000;
/** Rows per page of a larger run's table. */
export const EXAMPLES_PAGE = 100;

/** The search box's words: lower-cased, split on white space. */
export function searchWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

export function promptText(prompt: ExampleRow['prompt']): string {
  if (prompt === null) return '';
  return typeof prompt === 'string' ? prompt : prompt.map((message) => message.content).join('\n');
}

/** Text searched by the search box: everything a row shows, expanded or not, lower-cased. */
export function searchText(row: ExampleRow): string {
  return [row.index, row.id, promptText(row.prompt), row.grimoire, row.output, row.extracted, row.gold, ...row.fields.map((field) => field.value)]
    .filter((part) => part !== null && part !== undefined)
    .join('\n')
    .toLowerCase();
}
