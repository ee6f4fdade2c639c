import type { ScalingResponse, ScalingSource } from '../../server/dashboard/api';
import { useApi } from '../api';
import { Charts } from '../components/Chart';
import { Load } from '../components/Status';
import { params } from '../format';

export function ScalingPage() {
  const loaded = useApi<ScalingResponse>('/api/scaling');
  return (
    <section>
      <h1>Scaling</h1>
      <p className="muted">
        Score against model size from <code>apprentice scale analyze --out</code> results (analysis.json) and score-row files (scores.csv/json/jsonl under the
        runs folder, or <code>--scores</code>).
      </p>
      <Load loaded={loaded}>
        {({ sources }) =>
          sources.length === 0 ? <p className="empty">No scaling results found.</p> : sources.map((source) => <Source key={source.path} source={source} />)
        }
      </Load>
    </section>
  );
}

const fixed = (value: number | null, digits = 2) => (value === null ? '—' : value.toFixed(digits));

function Source({ source }: { source: ScalingSource }) {
  return (
    <article className="scaling-source" data-testid="scaling-source">
      <h2>
        {source.path} <span className="muted small">({source.kind === 'analysis' ? 'analysis' : 'score rows'})</span>
      </h2>
      {source.problem && <p className="problem">{source.problem}</p>}
      {source.tasks.length > 0 && (
        <table className="data">
          <thead>
            <tr>
              <th>task</th>
              <th>metric</th>
              <th>models (smallest first)</th>
              <th className="num">improvement</th>
              <th className="num">linearity</th>
              <th className="num">breakthroughness</th>
              <th>verdict</th>
            </tr>
          </thead>
          <tbody>
            {source.tasks.map((task) => (
              <tr key={`${task.task}\u0000${task.metric}`}>
                <td>{task.task}</td>
                <td>{task.metric}</td>
                <td className="small">
                  {task.scores
                    .map((score) => `${score.model} (${params(score.params)}${score.paramsEstimated ? '?' : ''}): ${+score.score.toPrecision(3)}`)
                    .join(' · ')}
                  {task.notes.length > 0 && (
                    <ul className="notes">
                      {task.notes.map((note) => (
                        <li key={note}>{note}</li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className="num">{fixed(task.improvement, 1)}</td>
                <td className="num">{fixed(task.linearity)}</td>
                <td className="num">{fixed(task.breakthroughness)}</td>
                <td>{task.verdict ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Charts charts={source.charts} />
    </article>
  );
}
