import { useState } from 'react';
import type { GrimoireEvalDetail, GrimoireMethodView } from '../../server/dashboard/api';
import { folderPage } from '../components/FolderPage';
import { Charts } from '../components/Chart';
import { SortHeaders } from '../components/SortHeader';
import { Metric } from '../components/Status';
import { estimate, int, percent, usd } from '../format';
import { href } from '../router';
import { sortRows, useSort, type SortAccessors } from '../sorting';

export const GrimoirePage = folderPage<GrimoireEvalDetail>('/api/grimoire', 'grimoire evaluation', (detail) => <GrimoireEval detail={detail} />);

function GrimoireEval({ detail }: { detail: GrimoireEvalDetail }) {
  const { eval: ev } = detail;
  return (
    <>
      <h1>
        Grimoire evaluation: {ev.task} · {ev.weak}
      </h1>
      <p className="muted">
        {ev.split} split, {int(ev.n)} examples per method · grimoire set <code>{detail.grimoireSet}</code> · folder <code>{ev.id}</code>
      </p>
      <div className="metrics">
        <Metric label="methods" value={int(ev.methods)} />
        <Metric
          label="headline (chosen on validation)"
          value={ev.headline ? estimate(ev.headline.accuracy) : '—'}
          hint={ev.headline ? `${ev.headline.label}: ${ev.headline.why}` : 'no method was chosen on validation'}
          testId="metric-headline"
        />
        <Metric
          label="best single grimoire (validation)"
          value={detail.bestSingle?.grimoire ?? '—'}
          hint={detail.bestSingle ? `${percent(detail.bestSingle.validationAccuracy)} on validation` : 'not evaluated'}
        />
        <Metric label="invalid / failed" value={`${int(ev.invalid)} / ${int(ev.errors)}`} hint="over all methods" />
        <Metric label="cost" value={usd(ev.costUsd)} hint="test answers and validation selection" />
      </div>
      <CompareLink methods={detail.methods} />
      <h2>Methods</h2>
      <MethodsTable methods={detail.methods} />
      <Charts charts={detail.charts} />
      <Validation detail={detail} />
      <Routing detail={detail} />
      <details className="config">
        <summary>Configuration (config.json)</summary>
        <pre>{JSON.stringify(detail.config, null, 2)}</pre>
      </details>
    </>
  );
}

/** Every method's run against a baseline on the compare page (paired bootstrap and McNemar per method). */
function CompareLink({ methods }: { methods: GrimoireMethodView[] }) {
  const runs = methods.filter((m): m is GrimoireMethodView & { runId: string } => m.runId !== null);
  const [baseline, setBaseline] = useState(() => (runs.find((m) => m.method === 'zero-shot') ?? runs[0])?.runId ?? '');
  if (runs.length < 2) return null;
  const ids = [baseline, ...runs.map((m) => m.runId).filter((runId) => runId !== baseline)];
  return (
    <div className="toolbar">
      <label>
        Baseline{' '}
        <select value={baseline} onChange={(event) => setBaseline(event.target.value)} aria-label="baseline method" data-testid="baseline-method">
          {runs.map((m) => (
            <option key={m.runId} value={m.runId}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <a className="button" href={href.compare(ids)} data-testid="compare-methods">
        Compare all {runs.length} methods against it (paired test)
      </a>
    </div>
  );
}

type MethodColumn = 'method' | 'accuracy' | 'n' | 'invalid' | 'errors' | 'cost' | 'perCorrect' | 'selection';
const METHOD_SORT: SortAccessors<GrimoireMethodView, MethodColumn> = {
  method: (m) => m.label,
  accuracy: (m) => m.accuracy?.value,
  n: (m) => m.n,
  invalid: (m) => m.invalid,
  errors: (m) => m.errors,
  cost: (m) => m.costUsd,
  perCorrect: (m) => m.costPerCorrectUsd,
  selection: (m) => m.selectionCostUsd,
};

function MethodsTable({ methods }: { methods: GrimoireMethodView[] }) {
  const { sort, toggle } = useSort<MethodColumn>();
  return (
    <table className="data" data-testid="methods-table">
      <thead>
        <tr>
          <SortHeaders
            columns={[
              { column: 'method', label: 'method' },
              { column: 'accuracy', label: 'accuracy [95% CI]' },
              { column: 'n', label: 'correct / scored (n)', className: 'num' },
              { column: 'invalid', label: 'invalid', className: 'num' },
              { column: 'errors', label: 'errors', className: 'num' },
              { column: 'cost', label: 'cost', className: 'num' },
              { column: 'perCorrect', label: 'per correct', className: 'num' },
              { column: 'selection', label: 'selection cost', className: 'num' },
            ]}
            sort={sort}
            onSort={toggle}
          />
        </tr>
      </thead>
      <tbody>
        {sortRows(methods, sort, METHOD_SORT).map((m) => (
          <tr key={m.key} data-testid="method-row">
            <td>
              {m.runId ? <a href={href.run(m.runId)}>{m.label}</a> : m.label}
              {!m.runId && <div className="muted small">run folder missing</div>}
            </td>
            <td>{estimate(m.accuracy)}</td>
            <td className="num">
              {int(m.correct)} / {int(m.scored)} ({int(m.n)})
            </td>
            <td className="num">{int(m.invalid)}</td>
            <td className={`num${m.errors ? ' warn' : ''}`}>{int(m.errors)}</td>
            <td className="num">{usd(m.costUsd)}</td>
            <td className="num">{usd(m.costPerCorrectUsd)}</td>
            <td className="num">{m.selectionCostUsd === null ? '—' : usd(m.selectionCostUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Validation({ detail }: { detail: GrimoireEvalDetail }) {
  const { validation, bestSingle, ranker } = detail;
  if (!validation) return null;
  return (
    <section className="block" data-testid="validation">
      <h2>What validation chose</h2>
      <p className="muted">
        {int(validation.n)} validation questions (
        {validation.source === 'held-out'
          ? 'held out of train with the seed'
          : validation.source === 'manifest'
            ? 'held out by the grimoire build'
            : "the dataset's validation split"}
        ), never test ones: the best single grimoire and the ranker are chosen on them.
      </p>
      {bestSingle && (
        <p>
          Best single grimoire: <span className="chosen">{bestSingle.grimoire}</span> ({percent(bestSingle.validationAccuracy)} on validation).
        </p>
      )}
      {ranker && (
        <p data-testid="ranker">
          Ranker: trained on {ranker.fitQuestions ?? '—'} validation questions, checked on {ranker.checkQuestions ?? '—'} held back (best epoch{' '}
          {ranker.bestEpoch ?? '—'}); on those it routes to {percent(ranker.checkRoutedAccuracy)} against {percent(ranker.checkBestSingleAccuracy)} for the best
          single grimoire on the fit part ({ranker.bestSingleOnFit ?? '—'}), so it ranks by{' '}
          {ranker.mode === 'prior' ? 'validation accuracy (the scorer was not better)' : 'its trained scorer'}.
        </p>
      )}
      <table className="data">
        <thead>
          <tr>
            <th>grimoire</th>
            <th>validation accuracy [95% Wilson CI]</th>
            <th className="num">scored</th>
          </tr>
        </thead>
        <tbody>
          {validation.grimoires.map((g) => (
            <tr key={g.id}>
              <td>
                {g.runId ? <a href={href.run(g.runId)}>{g.id}</a> : g.id}
                {g.id === bestSingle?.grimoire && <span className="chosen"> ← chosen</span>}
              </td>
              <td>{estimate(g.accuracy)}</td>
              <td className="num">{int(g.scored)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Routing({ detail }: { detail: GrimoireEvalDetail }) {
  const { routing } = detail;
  if (!routing.methods.length) return null;
  return (
    <section className="block">
      <h2>Grimoire chosen per question</h2>
      <p className="muted">
        How many test questions each routed method answered with each grimoire; a method's run page shows the grimoire used for every example.
      </p>
      <table className="data" data-testid="routing-table">
        <thead>
          <tr>
            <th>grimoire</th>
            {routing.methods.map((m) => (
              <th key={m.key} className="num">
                {m.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {routing.grimoires.map((g) => (
            <tr key={g}>
              <td>{g}</td>
              {routing.methods.map((m) => (
                <td key={m.key} className="num">
                  {int(m.counts[g] ?? 0)} <span className="muted small">({percent(m.total ? (m.counts[g] ?? 0) / m.total : null, 0)})</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
