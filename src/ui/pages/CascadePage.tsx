import type { CascadeDetail, CascadeEvaluationView, CascadePoint } from '../../server/dashboard/api';
import { folderPage } from '../components/FolderPage';
import { Charts } from '../components/Chart';
import { Metric } from '../components/Status';
import { estimate, int, percent, pValue, signedPercent, usd } from '../format';

export const CascadePage = folderPage<CascadeDetail>('/api/cascade', 'cascade', (detail) => <Cascade detail={detail} />);

const pointEstimate = (point: CascadePoint) => ({
  accuracy: estimate({ value: point.accuracy, ci95: point.accuracyCi95 }),
  teacherShare: estimate({ value: point.teacherShare, ci95: point.teacherShareCi95 }),
});

function Cascade({ detail }: { detail: CascadeDetail }) {
  const { cascade } = detail;
  const chosen = cascade.chosen;
  return (
    <>
      <h1>
        Cascade: <code>{cascade.student}</code> → <code>{cascade.teacher}</code>
      </h1>
      <p className="muted">
        {cascade.dataset} · confidence: {cascade.signal} · calibrated on {cascade.split} (n = {int(cascade.examples)}
        {detail.failed ? `, ${detail.failed} failed` : ''}) · target {cascade.target} · folder <code>{cascade.id}</code>
      </p>
      <div className="metrics" data-testid="cascade-metrics">
        <Metric
          label="chosen threshold"
          testId="chosen-threshold"
          value={chosen ? chosen.threshold.toFixed(4) : 'none'}
          hint={chosen ? `chosen on ${cascade.split}, never on test` : 'no threshold meets the target'}
        />
        {chosen && <Metric label={`accuracy on ${cascade.split}`} value={pointEstimate(chosen).accuracy} />}
        {chosen && <Metric label="teacher share" testId="teacher-share" value={pointEstimate(chosen).teacherShare} />}
        <Metric label="teacher alone" value={estimate(detail.teacherOnly.accuracy)} hint={usd(detail.teacherOnly.costUsd)} />
        <Metric label="student alone" value={pointEstimate(detail.studentOnly).accuracy} hint={usd(detail.studentOnly.costUsd)} />
      </div>
      <Charts charts={detail.charts} />
      <h2>Held-out evaluation</h2>
      {detail.evaluations.length ? (
        <Evaluations evaluations={detail.evaluations} />
      ) : (
        <p className="muted" data-testid="not-evaluated">
          Not evaluated yet: run <code>apprentice cascade eval --calibration {cascade.id} --split test</code>.
        </p>
      )}
      <h2>Every threshold</h2>
      <p className="muted">The student answers when its confidence is at least the threshold; below it the request goes to the teacher.</p>
      <table className="data" data-testid="curve-table">
        <thead>
          <tr>
            <th className="num">threshold</th>
            <th>accuracy [95% CI]</th>
            <th>teacher share [95% CI]</th>
            <th className="num">cost</th>
          </tr>
        </thead>
        <tbody>
          {detail.curve.map((point) => (
            <tr
              key={point.threshold}
              className={chosen?.threshold === point.threshold ? 'chosen' : undefined}
              data-testid={chosen?.threshold === point.threshold ? 'chosen-row' : undefined}
            >
              <td className="num">
                {point.threshold.toFixed(4)}
                {chosen?.threshold === point.threshold ? ' (chosen)' : ''}
              </td>
              <td>{pointEstimate(point).accuracy}</td>
              <td>{pointEstimate(point).teacherShare}</td>
              <td className="num">{usd(point.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details className="config">
        <summary>Configuration (calibration.json)</summary>
        <pre>{JSON.stringify(detail.config, null, 2)}</pre>
      </details>
    </>
  );
}

function Evaluations({ evaluations }: { evaluations: readonly CascadeEvaluationView[] }) {
  return (
    <table className="data" data-testid="evaluation-table">
      <thead>
        <tr>
          <th>split</th>
          <th className="num">examples</th>
          <th>cascade accuracy [95% CI]</th>
          <th>teacher accuracy [95% CI]</th>
          <th>accuracy lost [paired 95% CI]</th>
          <th className="num">McNemar p</th>
          <th className="num">teacher calls saved</th>
          <th className="num">cost saved</th>
          <th>target met</th>
        </tr>
      </thead>
      <tbody>
        {evaluations.map((e) => (
          <tr key={e.split}>
            <td>{e.split}</td>
            <td className="num">{int(e.examples)}</td>
            <td>{estimate({ value: e.cascade.accuracy, ci95: e.cascade.accuracyCi95 })}</td>
            <td>{estimate(e.teacherOnly.accuracy)}</td>
            <td>
              {signedPercent(e.accuracyLost.estimate)} [{signedPercent(e.accuracyLost.ci95[0])}, {signedPercent(e.accuracyLost.ci95[1])}]
            </td>
            <td className="num">{pValue(e.accuracyLost.mcnemarP)}</td>
            <td className="num">{percent(e.teacherCallsSaved)}</td>
            <td className="num">{usd(e.costSavedUsd)}</td>
            <td>{e.targetMet === null ? '—' : e.targetMet ? 'yes' : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
