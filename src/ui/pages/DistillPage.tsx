import type { DistillCellView, DistillSweepDetail } from '../../server/dashboard/api';
import { folderPage } from '../components/FolderPage';
import { Charts } from '../components/Chart';
import { SortHeader } from '../components/SortHeader';
import { estimate, int, percent } from '../format';
import { href } from '../router';
import { sortRows, useSort, type SortAccessors } from '../sorting';

export const DistillPage = folderPage<DistillSweepDetail>('/api/distill', 'distillation sweep', (detail) => <Sweep detail={detail} />);

function Sweep({ detail }: { detail: DistillSweepDetail }) {
  const { sweep } = detail;
  return (
    <>
      <h1>{sweep.title}</h1>
      <p className="muted">
        {sweep.dataset} · teacher <code>{sweep.teacherName}</code> · test n = {int(sweep.testSize)} · folder <code>{sweep.id}</code>
      </p>
      <ul className="verdict" data-testid="verdict">
        {detail.verdict.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <Charts charts={detail.charts} />
      <h2>Accuracy per method and data fraction</h2>
      <p className="muted">Test accuracy with 95% Wilson CIs; several seeds are pooled per example.</p>
      <table className="data" data-testid="points-table">
        <thead>
          <tr>
            <th>method</th>
            <th className="num">fraction</th>
            <th className="num">training inputs</th>
            <th className="num">seeds</th>
            <th>accuracy [95% CI]</th>
            <th>per seed</th>
          </tr>
        </thead>
        <tbody>
          {detail.points.map((p) => (
            <tr key={`${p.method}:${p.fraction}`}>
              <td>{p.label}</td>
              <td className="num">{p.fraction}</td>
              <td className="num">{Math.round(p.inputs)}</td>
              <td className="num">{p.seeds.length}</td>
              <td>{estimate(p.accuracy)}</td>
              <td>{p.perSeed.map((a) => percent(a)).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Teacher</h2>
      <table className="data" data-testid="teacher-table">
        <thead>
          <tr>
            <th>measured</th>
            <th className="num">n</th>
            <th>accuracy [95% CI]</th>
          </tr>
        </thead>
        <tbody>
          {detail.teacher.map((t) => (
            <tr key={t.label}>
              <td>{t.label}</td>
              <td className="num">{int(t.n)}</td>
              <td>{estimate(t.accuracy)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {detail.generic && <Generic generic={detail.generic} />}
      <h2>Every student</h2>
      <p className="muted">
        One row per method × fraction × seed; the checkpoint is the step validation loss selected (validation is held out of train, never test). Open a
        student's test answers from its row.
      </p>
      <CellsTable cells={detail.cells} />
      <details className="config">
        <summary>Settings (results.json)</summary>
        <pre>{JSON.stringify(detail.settings, null, 2)}</pre>
      </details>
    </>
  );
}

function Generic({ generic }: { generic: NonNullable<DistillSweepDetail['generic']> }) {
  return (
    <section className="block" data-testid="generic">
      <h2>Generic ability: before and after specialization</h2>
      <p className="muted">{generic.note}</p>
      <table className="data">
        <thead>
          <tr>
            <th>model</th>
            <th>specialization</th>
            {generic.sets.map((set) => (
              <th key={set.name}>
                {set.name}
                {set.inTask ? ' (in-task)' : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {generic.rows.map((row) => (
            <tr key={`${row.role}:${row.model}`}>
              <td>{row.model}</td>
              <td>{row.role}</td>
              {generic.sets.map((set) => (
                <td key={set.name}>{row.scores[set.name] ? `${estimate(row.scores[set.name]!.accuracy)} (n = ${row.scores[set.name]!.n})` : '—'}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

type CellColumn = 'method' | 'fraction' | 'seed' | 'inputs' | 'parameters' | 'bestStep' | 'validationLoss' | 'accuracy' | 'invalid' | 'train';
const CELL_SORT: SortAccessors<DistillCellView, CellColumn> = {
  method: (c) => c.label,
  fraction: (c) => c.fraction,
  seed: (c) => c.seed,
  inputs: (c) => c.inputs,
  parameters: (c) => c.parameters,
  bestStep: (c) => c.bestStep,
  validationLoss: (c) => c.validationLoss,
  accuracy: (c) => c.accuracy?.value,
  invalid: (c) => c.invalid,
  train: (c) => c.trainSeconds,
};

function CellsTable({ cells }: { cells: DistillCellView[] }) {
  const { sort, toggle } = useSort<CellColumn>();
  const header = (column: CellColumn, label: string, num = true) => (
    <SortHeader column={column} sort={sort} onSort={toggle} className={num ? 'num' : undefined}>
      {label}
    </SortHeader>
  );
  return (
    <table className="data" data-testid="cells-table">
      <thead>
        <tr>
          {header('method', 'method', false)}
          {header('fraction', 'fraction')}
          {header('seed', 'seed')}
          {header('inputs', 'inputs / rows')}
          {header('parameters', 'parameters')}
          {header('bestStep', 'selected step')}
          {header('validationLoss', 'validation loss')}
          {header('accuracy', 'test accuracy [95% CI]', false)}
          {header('invalid', 'invalid')}
          {header('train', 'train / eval s')}
          <th>test answers</th>
        </tr>
      </thead>
      <tbody>
        {sortRows(cells, sort, CELL_SORT).map((c) => (
          <tr key={`${c.method}:${c.fraction}:${c.seed}`} data-testid="cell-row">
            <td>{c.label}</td>
            <td className="num">{c.fraction}</td>
            <td className="num">{c.seed}</td>
            <td className="num">
              {int(c.inputs)} / {int(c.rows)}
            </td>
            <td className="num">{c.skipped ? '—' : int(c.parameters)}</td>
            <td className="num">{c.skipped ? '—' : `${c.bestStep} / ${c.steps}`}</td>
            <td className="num">{c.validationLoss === null ? '—' : c.validationLoss.toFixed(3)}</td>
            <td>{c.skipped ? <span className="muted">not trained: {c.skipped}</span> : `${estimate(c.accuracy)} (${int(c.correct)}/${int(c.n)})`}</td>
            <td className="num">{c.skipped ? '—' : int(c.invalid)}</td>
            <td className="num">{c.skipped ? '—' : `${c.trainSeconds.toFixed(1)} / ${c.evalSeconds.toFixed(1)}`}</td>
            <td>{c.id ? <a href={href.cell(c.id)}>{int(c.n)} answers</a> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
