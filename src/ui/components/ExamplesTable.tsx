import { Fragment, useDeferredValue, useMemo, useState } from 'react';
import type { ExampleRow, ExampleStatus, PromptMessage } from '../../server/dashboard/api';
import { int, usd } from '../format';
import { sortRows, useSort, type SortAccessors } from '../sorting';
import { SortHeader } from './SortHeader';
import { STATUS_LABEL } from '../../eval/records';
import { StatusBadge } from './Status';

type Filter = 'all' | 'correct' | 'wrong' | 'invalid' | 'error' | 'unscored' | 'not-correct';
const PAGE = 100;

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

const FILTER_LABEL: Record<Filter, string> = {
  all: 'all',
  'not-correct': 'not correct (wrong, invalid, error)',
  correct: STATUS_LABEL.correct,
  wrong: STATUS_LABEL.wrong,
  invalid: STATUS_LABEL.invalid,
  error: STATUS_LABEL.error,
  unscored: STATUS_LABEL.unscored,
};

function matches(row: ExampleRow, filter: Filter): boolean {
  if (filter === 'all') return true;
  if (filter === 'not-correct') return row.status === 'wrong' || row.status === 'invalid' || row.status === 'error';
  return row.status === filter;
}

function promptText(prompt: ExampleRow['prompt']): string {
  if (prompt === null) return '';
  return typeof prompt === 'string' ? prompt : prompt.map((message) => message.content).join('\n');
}

/** Text searched by the search box: everything a row shows, expanded or not. */
function searchText(row: ExampleRow): string {
  return [row.index, row.id, promptText(row.prompt), row.grimoire, row.output, row.extracted, row.gold, ...row.fields.map((field) => field.value)]
    .filter((part) => part !== null && part !== undefined)
    .join('\n')
    .toLowerCase();
}

export function ExamplesTable({ rows }: { rows: readonly ExampleRow[] }) {
  const [filter, setFilter] = useState<Filter>('all');
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
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
    const words = deferredQuery.toLowerCase().split(/\s+/).filter(Boolean);
    const kept = rows.filter((row) => matches(row, filter) && words.every((word) => texts.get(row.index)?.includes(word)));
    return sortRows(kept, sort, SORT);
  }, [rows, texts, filter, deferredQuery, sort]);
  const hasGrimoire = rows.some((row) => row.grimoire !== null);
  const shown = filtered.slice(0, limit);
  const toggle = (index: number) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(index)) next.delete(index);
      else next.add(index);
      return next;
    });
  const filters: Filter[] = ['all', 'not-correct', 'correct', 'wrong', 'invalid', 'error', 'unscored'];
  const columns = hasGrimoire ? 9 : 8;

  return (
    <div className="examples">
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search prompts, outputs, answers…"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setLimit(PAGE);
          }}
          aria-label="search examples"
          data-testid="example-search"
        />
        <select
          value={filter}
          onChange={(event) => {
            setFilter(event.target.value as Filter);
            setLimit(PAGE);
          }}
          aria-label="filter by result"
          data-testid="example-filter"
        >
          {filters
            .filter((f) => f === 'all' || f === 'not-correct' || counts[f as ExampleStatus])
            .map((f) => (
              <option key={f} value={f}>
                {FILTER_LABEL[f]}
                {f !== 'all' && f !== 'not-correct' ? ` (${counts[f as ExampleStatus] ?? 0})` : ''}
              </option>
            ))}
        </select>
        <span className="muted" data-testid="example-count">
          {int(filtered.length)} of {int(rows.length)} examples
        </span>
      </div>
      <table className="data examples-table">
        <thead>
          <tr>
            <SortHeader column="index" sort={sort} onSort={onSort} className="num">
              #
            </SortHeader>
            <SortHeader column="status" sort={sort} onSort={onSort}>
              result
            </SortHeader>
            <SortHeader column="prompt" sort={sort} onSort={onSort}>
              prompt
            </SortHeader>
            {hasGrimoire && (
              <SortHeader column="grimoire" sort={sort} onSort={onSort}>
                grimoire
              </SortHeader>
            )}
            <SortHeader column="output" sort={sort} onSort={onSort}>
              raw output
            </SortHeader>
            <SortHeader column="extracted" sort={sort} onSort={onSort}>
              extracted
            </SortHeader>
            <SortHeader column="gold" sort={sort} onSort={onSort}>
              gold
            </SortHeader>
            <SortHeader column="tokens" sort={sort} onSort={onSort} className="num">
              tokens
            </SortHeader>
            <SortHeader column="cost" sort={sort} onSort={onSort} className="num">
              cost
            </SortHeader>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => {
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
      {filtered.length > shown.length && (
        <button type="button" onClick={() => setLimit((n) => n + PAGE * 5)}>
          Show more ({int(filtered.length - shown.length)} left)
        </button>
      )}
      {filtered.length === 0 && <p className="empty">No example matches.</p>}
    </div>
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
