import { Fragment, useMemo, useState } from 'react';
import type { CascadeListing, DistillSweepListing, GrimoireEvalListing, RunListing, RunsResponse } from '../../server/dashboard/api';
import { useApi } from '../api';
import { SearchBox } from '../components/SearchBox';
import { SortHeaders } from '../components/SortHeader';
import { Load } from '../components/Status';
import { estimate, int, percent, usd } from '../format';
import { href } from '../router';
import { sortRows, useSort, type SortAccessors } from '../sorting';
import { useToggleSet } from '../toggleSet';

export function RunsPage() {
  const loaded = useApi<RunsResponse>('/api/runs');
  return <Load loaded={loaded}>{(data) => <RunsTable data={data} />}</Load>;
}

/** A line of the table: a run on its own, or a grimoire evaluation / distillation sweep / cascade holding runs. */
type Entry =
  | { type: 'run'; run: RunListing }
  | { type: 'grimoire'; group: GrimoireEvalListing; members: RunListing[] }
  | { type: 'distill'; group: DistillSweepListing; members: RunListing[] }
  | { type: 'cascade'; group: CascadeListing; members: RunListing[] };

type Column = 'run' | 'kind' | 'task' | 'model' | 'examples' | 'accuracy' | 'invalid' | 'errors' | 'cost' | 'updated';

const RUN_SORT: SortAccessors<RunListing, Column> = {
  run: (run) => run.label,
  kind: (run) => run.command,
  task: (run) => run.task,
  model: (run) => run.model,
  examples: (run) => run.records,
  accuracy: (run) => run.accuracy?.value,
  invalid: (run) => run.invalid,
  errors: (run) => run.errors,
  cost: (run) => run.costUsd,
  updated: (run) => run.modifiedAt,
};

const ENTRY_SORT: SortAccessors<Entry, Column> = {
  run: (e) =>
    e.type === 'run'
      ? e.run.label
      : e.type === 'grimoire'
        ? `grimoire evaluation ${e.group.task ?? ''}`
        : e.type === 'cascade'
          ? `cascade ${e.group.student}`
          : e.group.title,
  kind: (e) => (e.type === 'run' ? e.run.command : e.type === 'grimoire' ? 'grimoire eval' : e.type === 'cascade' ? 'cascade' : 'distill sweep'),
  task: (e) => (e.type === 'run' ? e.run.task : e.type === 'grimoire' ? e.group.task : e.group.dataset),
  model: (e) => (e.type === 'run' ? e.run.model : e.type === 'grimoire' ? e.group.weak : e.type === 'cascade' ? e.group.student : e.group.teacherName),
  examples: (e) => (e.type === 'run' ? e.run.records : e.type === 'grimoire' ? e.group.n : e.type === 'cascade' ? e.group.examples : e.group.testSize),
  accuracy: (e) =>
    e.type === 'run'
      ? e.run.accuracy?.value
      : e.type === 'grimoire'
        ? e.group.headline?.accuracy.value
        : e.type === 'cascade'
          ? e.group.chosen?.accuracy
          : null,
  invalid: (e) => (e.type === 'run' ? e.run.invalid : e.type === 'grimoire' ? e.group.invalid : null),
  errors: (e) => (e.type === 'run' ? e.run.errors : e.type === 'grimoire' ? e.group.errors : null),
  cost: (e) => (e.type === 'run' ? e.run.costUsd : e.type === 'grimoire' ? e.group.costUsd : null),
  updated: (e) => (e.type === 'run' ? e.run.modifiedAt : e.group.modifiedAt),
};

const runText = (run: RunListing) => [run.id, run.label, run.command, run.task, run.model, run.split].join(' ').toLowerCase();
const groupText = (entry: Exclude<Entry, { type: 'run' }>) =>
  (entry.type === 'grimoire'
    ? ['grimoire evaluation', entry.group.id, entry.group.task, entry.group.weak, entry.group.split]
    : entry.type === 'cascade'
      ? ['cascade', entry.group.id, entry.group.student, entry.group.teacher, entry.group.dataset]
      : ['distillation sweep', entry.group.id, entry.group.title, entry.group.dataset, entry.group.teacherName, ...entry.group.methods]
  )
    .join(' ')
    .toLowerCase();

function entriesOf(data: RunsResponse): Entry[] {
  const members = (kind: 'grimoire' | 'distill' | 'cascade', id: string) => data.runs.filter((run) => run.group?.kind === kind && run.group.id === id);
  return [
    ...data.grimoireEvals.map((group): Entry => ({ type: 'grimoire', group, members: members('grimoire', group.id) })),
    ...data.distillSweeps.map((group): Entry => ({ type: 'distill', group, members: members('distill', group.id) })),
    ...data.cascades.map((group): Entry => ({ type: 'cascade', group, members: members('cascade', group.id) })),
    ...data.runs.filter((run) => !run.group).map((run): Entry => ({ type: 'run', run })),
  ];
}

function RunsTable({ data }: { data: RunsResponse }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [query, setQuery] = useState('');
  const [open, toggleOpen] = useToggleSet<string>();
  const { sort, toggle: onSort } = useSort<Column>();
  const entries = useMemo(() => entriesOf(data), [data]);
  // A group is shown when it or one of its runs matches; its runs show when it is opened or they match a search.
  const shown = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (text: string) => words.every((word) => text.includes(word));
    return sortRows(entries, sort, ENTRY_SORT).flatMap((entry): { entry: Entry; members: RunListing[] }[] => {
      if (entry.type === 'run') return matches(runText(entry.run)) ? [{ entry, members: [] }] : [];
      const own = matches(groupText(entry));
      const hits = entry.members.filter((run) => matches(runText(run)));
      if (!own && !hits.length) return [];
      const expanded = open.has(entry.group.id) || (words.length > 0 && hits.length > 0);
      return [{ entry, members: expanded ? sortRows(own ? entry.members : hits, sort, RUN_SORT) : [] }];
    });
  }, [entries, sort, query, open]);
  const toggle = (id: string) => setSelected((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));
  const { runs, root } = data;
  const groups = data.grimoireEvals.length + data.distillSweeps.length + data.cascades.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    <section>
      <h1>Runs</h1>
      <p className="muted">
        {runs.length} run folder{runs.length === 1 ? '' : 's'} under <code>{root}</code>
        {groups > 0
          ? `, ${plural(data.grimoireEvals.length, 'grimoire evaluation')}, ${plural(data.distillSweeps.length, 'distillation sweep')} and ${plural(data.cascades.length, 'cascade')} (their runs are grouped under them)`
          : ''}
        . Tick two or more runs to compare them on the examples they share (the first ticked is the baseline); click a column header to sort.
      </p>
      <div className="toolbar">
        <SearchBox value={query} onChange={setQuery} placeholder="Filter runs (task, model, folder…)" label="filter runs" />
        <a
          className={`button${selected.length < 2 ? ' disabled' : ''}`}
          href={selected.length >= 2 ? href.compare(selected) : undefined}
          aria-disabled={selected.length < 2}
          data-testid="compare-selected"
        >
          Compare {selected.length >= 2 ? `${selected.length} runs` : 'selected'}
        </a>
      </div>
      {entries.length === 0 ? (
        <p className="empty">
          No runs yet: folders holding config.json and records.jsonl appear here (for example after <code>apprentice quickstart</code>).
        </p>
      ) : (
        <table className="data runs">
          <thead>
            <tr>
              <th aria-label="select" />
              <SortHeaders
                columns={[
                  { column: 'run', label: 'run' },
                  { column: 'kind', label: 'kind' },
                  { column: 'task', label: 'task' },
                  { column: 'model', label: 'model' },
                  { column: 'examples', label: 'examples', className: 'num' },
                  { column: 'accuracy', label: 'accuracy [95% CI]' },
                  { column: 'invalid', label: 'invalid', className: 'num' },
                  { column: 'errors', label: 'errors', className: 'num' },
                  { column: 'cost', label: 'cost', className: 'num' },
                  { column: 'updated', label: 'updated' },
                ]}
                sort={sort}
                onSort={onSort}
              />
            </tr>
          </thead>
          <tbody>
            {shown.map(({ entry, members }) =>
              entry.type === 'run' ? (
                <RunRow key={entry.run.id} run={entry.run} selected={selected} onToggle={toggle} />
              ) : (
                <Fragment key={`${entry.type}:${entry.group.id}`}>
                  <GroupRow entry={entry} open={members.length > 0} onOpen={() => toggleOpen(entry.group.id)} />
                  {members.map((run) => (
                    <RunRow key={run.id} run={run} selected={selected} onToggle={toggle} member />
                  ))}
                </Fragment>
              ),
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RunRow({ run, selected, onToggle, member = false }: { run: RunListing; selected: string[]; onToggle: (id: string) => void; member?: boolean }) {
  return (
    <tr data-testid="run-row" className={member ? 'member' : undefined}>
      <td>
        <input type="checkbox" checked={selected.includes(run.id)} onChange={() => onToggle(run.id)} aria-label={`select ${run.id}`} />
        {selected.includes(run.id) && <span className="order">{selected.indexOf(run.id) + 1}</span>}
      </td>
      <td>
        <a href={href.run(run.id)}>{run.label}</a>
        <div className="muted small">{run.id}</div>
      </td>
      <td>{run.command}</td>
      <td>
        {run.task ?? '—'}
        {run.split ? <span className="muted"> · {run.split}</span> : null}
      </td>
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
  );
}

function GroupRow({ entry, open, onOpen }: { entry: Exclude<Entry, { type: 'run' }>; open: boolean; onOpen: () => void }) {
  const count = entry.members.length;
  const expander = count > 0 && (
    <button
      type="button"
      className="expand"
      onClick={onOpen}
      aria-expanded={open}
      aria-label={`${open ? 'hide' : 'show'} the ${count} runs of ${entry.group.id}`}
    >
      {open ? '▾' : '▸'} {count}
    </button>
  );
  const head = headOf(entry);
  return (
    <tr className="group-row" data-testid={`${entry.type}-row`}>
      <td>{expander}</td>
      <td>
        <span className="kind-tag">{head.kind}</span>
        <a href={head.href}>{head.title}</a>
        <div className="muted small">
          {entry.group.id}
          {head.problem ? <span className="problem"> · {head.problem}</span> : head.about}
        </div>
      </td>
      {entry.type === 'grimoire' ? (
        <GrimoireCells group={entry.group} />
      ) : entry.type === 'cascade' ? (
        <CascadeCells cascade={entry.group} />
      ) : (
        <SweepCells sweep={entry.group} />
      )}
      <td className="muted small">{new Date(entry.group.modifiedAt).toLocaleString()}</td>
    </tr>
  );
}

/** What a group's row says of it beside its link: its kind, and what is wrong with it or else what it holds. */
function headOf(entry: Exclude<Entry, { type: 'run' }>): { kind: string; href: string; title: string; problem: string | null; about: string } {
  switch (entry.type) {
    case 'grimoire': {
      const g = entry.group;
      const about = ` · ${g.methods} methods${g.headline ? ` · chosen on validation: ${g.headline.label}` : ''}`;
      return { kind: 'grimoire evaluation', href: href.grimoire(g.id), title: `${g.task ?? g.id}${g.weak ? ` · ${g.weak}` : ''}`, problem: g.problem, about };
    }
    case 'cascade': {
      const c = entry.group;
      const chosen = c.chosen ? `threshold ${c.chosen.threshold.toFixed(4)}, teacher share ${percent(c.chosen.teacherShare)}` : 'no threshold meets the target';
      const about = ` · ${chosen}${c.evaluated.length ? ` · evaluated on ${c.evaluated.join(', ')}` : ''}`;
      return { kind: 'cascade', href: href.cascade(c.id), title: `${c.student} → ${c.teacher}`, problem: c.problem, about };
    }
    case 'distill': {
      const s = entry.group;
      const about = ` · ${s.cells} students (${s.methods.length} methods × ${s.fractions.length} fractions × ${s.seeds.length} seeds)${s.skipped ? `, ${s.skipped} not trained` : ''}`;
      return { kind: 'distillation sweep', href: href.distill(s.id), title: s.title, problem: null, about };
    }
  }
}

function GrimoireCells({ group: g }: { group: GrimoireEvalListing }) {
  return (
    <>
      <td>grimoire eval</td>
      <td>
        {g.task ?? '—'}
        {g.split ? <span className="muted"> · {g.split}</span> : null}
      </td>
      <td>{g.weak ?? '—'}</td>
      <td className="num">{int(g.n)}</td>
      <td>
        {g.headline ? (
          <span title={`chosen on validation: ${g.headline.label}`}>
            {estimate(g.headline.accuracy)} <span className="muted small">(chosen on validation)</span>
          </span>
        ) : (
          '—'
        )}
      </td>
      <td className="num">{int(g.invalid)}</td>
      <td className={`num${g.errors ? ' warn' : ''}`}>{int(g.errors)}</td>
      <td className="num">{usd(g.costUsd)}</td>
    </>
  );
}

function SweepCells({ sweep: s }: { sweep: DistillSweepListing }) {
  return (
    <>
      <td>distill sweep</td>
      <td>{s.dataset}</td>
      <td>{s.teacherName}</td>
      <td className="num">{int(s.testSize)}</td>
      <td>—</td>
      <td className="num">—</td>
      <td className="num">—</td>
      <td className="num">—</td>
    </>
  );
}

function CascadeCells({ cascade: c }: { cascade: CascadeListing }) {
  return (
    <>
      <td>cascade</td>
      <td>
        {c.dataset}
        <span className="muted"> · {c.split}</span>
      </td>
      <td>{c.student}</td>
      <td className="num">{int(c.examples)}</td>
      <td>{c.chosen ? estimate({ value: c.chosen.accuracy, ci95: c.chosen.accuracyCi95 }) : '—'}</td>
      <td className="num">—</td>
      <td className="num">—</td>
      <td className="num">{c.chosen ? usd(c.chosen.costUsd) : '—'}</td>
    </>
  );
}
