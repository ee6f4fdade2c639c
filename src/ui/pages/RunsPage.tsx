import { useMemo, useState } from 'react';
import type { RunListing } from '../../server/dashboard/api';
import { useApi } from '../api';
import { Load } from '../components/Status';
import { estimate, int, usd } from '../format';
import { href } from '../router';

export function RunsPage() {
  const loaded = useApi<{ root: string; runs: RunListing[] }>('/api/runs');
  return (
    <Load loaded={loaded}>
      {({ root, runs }) => <RunsTable root={root} runs={runs} />}
    </Load>
  );
}

function RunsTable({ root, runs }: { root: string; runs: RunListing[] }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return runs.filter((run) => {
      const text = [run.id, run.label, run.command, run.task, run.model, run.split].join(' ').toLowerCase();
      return words.every((word) => text.includes(word));
    });
  }, [runs, query]);
  const toggle = (id: string) => setSelected((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));
  return (
    <section>
      <h1>Runs</h1>
      <p className="muted">
        {runs.length} run folder{runs.length === 1 ? '' : 's'} under <code>{root}</code>. Tick two or more to compare them on the examples they share (the first ticked is the baseline).
      </p>
      <div className="toolbar">
        <input type="search" placeholder="Filter runs (task, model, folder…)" value={query} onChange={(event) => setQuery(event.target.value)} aria-label="filter runs" />
        <a
          className={`button${selected.length < 2 ? ' disabled' : ''}`}
          href={selected.length >= 2 ? href.compare(selected) : undefined}
          aria-disabled={selected.length < 2}
          data-testid="compare-selected"
        >
          Compare {selected.length >= 2 ? `${selected.length} runs` : 'selected'}
        </a>
      </div>
      {runs.length === 0 ? (
        <p className="empty">No runs yet: folders holding config.json and records.jsonl appear here (for example after <code>apprentice quickstart</code>).</p>
      ) : (
        <table className="data runs">
          <thead>
            <tr>
              <th aria-label="select" />
              <th>run</th>
              <th>kind</th>
              <th>task</th>
              <th>model</th>
              <th className="num">examples</th>
              <th>accuracy [95% CI]</th>
              <th className="num">invalid</th>
              <th className="num">errors</th>
              <th className="num">cost</th>
              <th>updated</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <tr key={run.id} data-testid="run-row">
                <td>
                  <input type="checkbox" checked={selected.includes(run.id)} onChange={() => toggle(run.id)} aria-label={`select ${run.id}`} />
                  {selected.includes(run.id) && <span className="order">{selected.indexOf(run.id) + 1}</span>}
                </td>
                <td>
                  <a href={href.run(run.id)}>{run.label}</a>
                  <div className="muted small">{run.id}</div>
                </td>
                <td>{run.command}</td>
                <td>{run.task ?? '—'}{run.split ? <span className="muted"> · {run.split}</span> : null}</td>
                <td>{run.model ?? '—'}</td>
                <td className="num">
                  {int(run.records)}
                  {run.records < run.n ? <span className="muted"> / {int(run.n)}</span> : null}
                </td>
                <td>{estimate(run.accuracy)}</td>
                <td className="num">{int(run.invalid)}</td>
                <td className={`num${run.errors ? ' warn' : ''}`}>{int(run.errors)}</td>
                <td className="num">{usd(run.costUsd)}</td>
                <td className="muted small">{new Date(run.modifiedAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
