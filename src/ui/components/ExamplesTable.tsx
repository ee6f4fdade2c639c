import { Fragment, useDeferredValue, useEffect, useMemo, useState } from 'react';
import type { ExampleRow, ExamplesPage, ExampleStatus, PromptMessage } from '../../server/dashboard/api';
import {
  EXAMPLE_FILTERS,
  EXAMPLE_SORT_KEYS,
  EXAMPLES_PAGE,
  searchText,
  searchWords,
  statusMatches,
  type ExampleFilter,
} from '../../server/dashboard/exampleQuery';
import { fetchJson } from '../api';
import { int, usd } from '../format';
import { sortRows, useSort, type Sort, type SortAccessors } from '../sorting';
import { useToggleSet } from '../toggleSet';
import { SearchBox } from './SearchBox';
import { SortHeaders, type HeaderColumn } from './SortHeader';
import { STATUS_LABEL } from '../../eval/records';
import { StatusBadge } from './Status';

const PAGE = EXAMPLES_PAGE;

type Column = 'index' | 'status' | 'prompt' | 'grimoire' | 'output' | 'extracted' | 'gold' | 'tokens' | 'cost';
const STATUS_ORDER: Record<ExampleStatus, number> = { correct: 0, wrong: 1, invalid: 2, error: 3, unscored: 4 };
const SORT: SortAccessors<ExampleRow, Column> = {
  index: (row) => row.index,
  status: (row) => STATUS_ORDER[row.status],
  prompt: (row) => lastUserMessage(row.prompt),
  grimoire: (row) => row.grimoire,
  output: (row) => row.output,
  extracted: (row) => row.extracted,
  gold: (row) => row.gold,
  tokens: (row) => row.promptTokens + row.completionTokens,
  cost: (row) => row.costUsd,
};

const FILTER_LABEL: Record<ExampleFilter, string> = {
  all: 'all',
  'not-correct': 'not correct (wrong, invalid, error)',
  correct: STATUS_LABEL.correct,
  wrong: STATUS_LABEL.wrong,
  invalid: STATUS_LABEL.invalid,
  error: STATUS_LABEL.error,
  unscored: STATUS_LABEL.unscored,
};

/**
 * A run's examples: searched, filtered and sorted here when the run was sent whole; else (`run` given, more
 * examples than rows sent) page by page by the server (GET /api/run/examples), sorted on the columns it sorts on.
 */
export function ExamplesTable({ rows, run }: { rows: readonly ExampleRow[]; run?: { id: string; total: number } }) {
  if (run && run.total > rows.length) return <PagedExamplesTable first={rows} runId={run.id} total={run.total} />;
  return <WholeExamplesTable rows={rows} />;
}

function WholeExamplesTable({ rows }: { rows: readonly ExampleRow[] }) {
  const selection = useSelection();
  const { query, filter } = selection;
  const [limit, setLimit] = useState(PAGE);
  const { sort, toggle: onSort } = useSort<Column>();
  const deferredQuery = useDeferredValue(query);
  const texts = useMemo(() => new Map(rows.map((row) => [row.index, searchText(row)])), [rows]);
  const counts = useMemo(() => {
    const result: Partial<Record<ExampleStatus, number>> = {};
    for (const row of rows) result[row.status] = (result[row.status] ?? 0) + 1;
    return result;
  }, [rows]);
  const filtered = useMemo(() => {
    const words = searchWords(deferredQuery);
    const kept = rows.filter((row) => statusMatches(row.status, filter) && words.every((word) => texts.get(row.index)?.includes(word)));
    return sortRows(kept, sort, SORT);
  }, [rows, texts, filter, deferredQuery, sort]);
  const shown = filtered.slice(0, limit);
  return (
    <div className="examples">
      <Toolbar selection={selection} counts={counts} restart={() => setLimit(PAGE)} count={`${int(filtered.length)} of ${int(rows.length)} examples`} />
      <RowsTable rows={shown} hasGrimoire={rows.some((row) => row.grimoire !== null)} sort={sort} onSort={onSort} />
      {filtered.length > shown.length && (
        <button type="button" onClick={() => setLimit((n) => n + PAGE * 5)}>
          Show more ({int(filtered.length - shown.length)} left)
        </button>
      )}
      {filtered.length === 0 && <p className="empty">No example matches.</p>}
    </div>
  );
}

const SERVER_SORTED = new Set<string>(EXAMPLE_SORT_KEYS);

/** The query of the page sent with the run: every example, unsorted. */
const FIRST_KEY = JSON.stringify(['all', '', null]);

function PagedExamplesTable({ first, runId, total }: { first: readonly ExampleRow[]; runId: string; total: number }) {
  const selection = useSelection();
  const { query, filter } = selection;
  const { sort, toggle } = useSort<Column>();
  const words = useDeferredValue(query).trim();
  const key = JSON.stringify([filter, words, sort]);
  /** The rows fetched so far for one query (`key`), and how many examples that query selects. */
  const [pages, setPages] = useState({ key: FIRST_KEY, rows: first, total });
  const [wanted, setWanted] = useState(PAGE);
  const [problem, setProblem] = useState<string | null>(null);
  const current = pages.key === key;
  useEffect(() => {
    const offset = current ? pages.rows.length : 0;
    if (current && offset >= Math.min(wanted, pages.total)) return;
    let live = true;
    const params = new URLSearchParams({ id: runId, offset: String(offset), limit: String(PAGE), filter, q: words });
    if (sort) params.set('sort', sort.key);
    if (sort?.direction === 'descending') params.set('desc', '1');
    fetchJson<ExamplesPage>(`/api/run/examples?${params}`).then(
      (page) => {
        if (!live) return;
        setProblem(null);
        setPages((before) => ({ key, rows: before.key === key ? [...before.rows, ...page.rows] : page.rows, total: page.total }));
      },
      (error: Error) => live && setProblem(error.message),
    );
    return () => {
      live = false;
    };
  }, [key, current, pages, wanted, runId, filter, words, sort]);
  const rows = current ? pages.rows : [];
  const matching = current ? pages.total : null;
  const restart = () => setWanted(PAGE);
  return (
    <div className="examples">
      <Toolbar selection={selection} counts={null} restart={restart} count={`${matching === null ? '…' : int(matching)} of ${int(total)} examples`} />
      <p className="muted">A large run: its examples are read page by page, and sorted by #, result, tokens or cost.</p>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <RowsTable
        rows={rows}
        hasGrimoire={first.some((row) => row.grimoire !== null)}
        sort={sort}
        onSort={(column) => {
          toggle(column);
          restart();
        }}
        sortable={(column) => SERVER_SORTED.has(column)}
      />
      {matching !== null && matching > rows.length && (
        <button type="button" onClick={() => setWanted(rows.length + PAGE)}>
          Show more ({int(matching - rows.length)} left)
        </button>
      )}
      {matching === 0 && <p className="empty">No example matches.</p>}
    </div>
  );
}

/** What the toolbar selects examples by: the search text and the result filter, with their setters. */
interface Selection {
  query: string;
  setQuery: (query: string) => void;
  filter: ExampleFilter;
  setFilter: (filter: ExampleFilter) => void;
}

function useSelection(): Selection {
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<ExampleFilter>('all');
  return { query, setQuery, filter, setFilter };
}

/** The search box and result filter (a change starts the list again from its first page). */
function Toolbar({
  selection: { query, setQuery, filter, setFilter },
  counts,
  restart,
  count,
}: {
  selection: Selection;
  /** Examples per result, to name in the filter (and to leave out results no example has); null: unknown. */
  counts: Partial<Record<ExampleStatus, number>> | null;
  restart: () => void;
  count: string;
}) {
  const onQuery = (next: string) => {
    setQuery(next);
    restart();
  };
  const onFilter = (next: ExampleFilter) => {
    setFilter(next);
    restart();
  };
  const always = (f: ExampleFilter) => f === 'all' || f === 'not-correct';
  return (
    <div className="toolbar">
      <SearchBox value={query} onChange={onQuery} placeholder="Search prompts, outputs, answers…" label="search examples" testId="example-search" />
      <select value={filter} onChange={(event) => onFilter(event.target.value as ExampleFilter)} aria-label="filter by result" data-testid="example-filter">
        {EXAMPLE_FILTERS.filter((f) => always(f) || !counts || counts[f as ExampleStatus]).map((f) => (
          <option key={f} value={f}>
            {FILTER_LABEL[f]}
            {!always(f) && counts ? ` (${counts[f as ExampleStatus] ?? 0})` : ''}
          </option>
        ))}
      </select>
      <span className="muted" data-testid="example-count">
        {count}
      </span>
    </div>
  );
}

function RowsTable({
  rows,
  hasGrimoire,
  sort,
  onSort,
  sortable = () => true,
}: {
  rows: readonly ExampleRow[];
  hasGrimoire: boolean;
  sort: Sort<Column> | null;
  onSort: (column: Column) => void;
  sortable?: (column: Column) => boolean;
}) {
  const [open, toggle] = useToggleSet<number>();
  const headers: (HeaderColumn<Column> | false)[] = [
    { column: 'index', label: '#', className: 'num' },
    { column: 'status', label: 'result' },
    { column: 'prompt', label: 'prompt' },
    hasGrimoire && { column: 'grimoire', label: 'grimoire' },
    { column: 'output', label: 'raw output' },
    { column: 'extracted', label: 'extracted' },
    { column: 'gold', label: 'gold' },
    { column: 'tokens', label: 'tokens', className: 'num' },
    { column: 'cost', label: 'cost', className: 'num' },
  ];
  const columns = hasGrimoire ? 9 : 8;
  return (
    <table className="data examples-table">
      <thead>
        <tr>
          <SortHeaders columns={headers.map((header) => header && { ...header, sortable: sortable(header.column) })} sort={sort} onSort={onSort} />
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const expanded = open.has(row.index);
          return (
            <Fragment key={row.index}>
              <tr
                className={`example ${expanded ? 'expanded' : ''}`}
                data-testid="example-row"
                data-status={row.status}
                onClick={() => toggle(row.index)}
                aria-expanded={expanded}
              >
                <td className="num">{row.index}</td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td className="clip">{lastUserMessage(row.prompt)}</td>
                {hasGrimoire && <td className="clip short">{row.grimoire ?? '—'}</td>}
                <td className="clip">{row.output ?? '—'}</td>
                <td className="mono">{row.extracted ?? '—'}</td>
                <td className="mono">{row.gold ?? '—'}</td>
                <td className="num">{int(row.promptTokens + row.completionTokens)}</td>
                <td className="num">{usd(row.costUsd)}</td>
              </tr>
              {expanded && (
                <tr className="detail" data-testid="example-detail">
                  <td colSpan={columns}>
                    <ExampleDetail row={row} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

function lastUserMessage(prompt: ExampleRow['prompt']): string {
  if (prompt === null) return '—';
  if (typeof prompt === 'string') return prompt;
  const user = [...prompt].reverse().find((message) => message.role === 'user') ?? prompt[prompt.length - 1];
  return user?.content ?? '—';
}

function ExampleDetail({ row }: { row: ExampleRow }) {
  return (
    <div className="example-detail">
      <dl>
        <dt>example</dt>
        <dd>
          #{row.index}
          {row.id && row.id !== String(row.index) ? ` · id ${row.id}` : ''} · <StatusBadge status={row.status} />
        </dd>
        {row.grimoire !== null && (
          <>
            <dt>grimoire used</dt>
            <dd>{row.grimoire}</dd>
          </>
        )}
        <dt>extracted answer</dt>
        <dd className="mono">{row.extracted ?? '—'}</dd>
        <dt>gold</dt>
        <dd className="mono">{row.gold ?? '—'}</dd>
        <dt>tokens · cost · latency</dt>
        <dd>
          {int(row.promptTokens)} prompt + {int(row.completionTokens)} completion · {usd(row.costUsd)}
          {row.latencyMs !== null ? ` · ${Math.round(row.latencyMs)} ms` : ''}
          {row.cached ? ' · cached' : ''}
        </dd>
      </dl>
      <h4>Prompt</h4>
      {row.prompt === null ? <p className="muted">No call was made (scored predictions).</p> : <Prompt prompt={row.prompt} />}
      <h4>Raw output</h4>
      <pre>{row.output ?? '—'}</pre>
      {row.fields.map((field) => (
        <Fragment key={field.label}>
          <h4>{field.label}</h4>
          <pre>{field.value}</pre>
        </Fragment>
      ))}
    </div>
  );
}

function Prompt({ prompt }: { prompt: PromptMessage[] | string }) {
  if (typeof prompt === 'string') return <pre>{prompt}</pre>;
  return (
    <div className="messages">
      {prompt.map((message, i) => (
        <div key={i} className={`message role-${message.role}`}>
          <div className="role">{message.role}</div>
          <pre>{message.content}</pre>
        </div>
      ))}
    </div>
  );
}
