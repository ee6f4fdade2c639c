import type { CompareResponse } from '../../server/dashboard/api';
import { runQuery, useApi } from '../api';
import { Charts } from '../components/Chart';
import { Load } from '../components/Status';
import { estimate, int, percent, pValue, signedPercent, usd } from '../format';
import { href } from '../router';

export function ComparePage({ ids }: { ids: string[] }) {
  const loaded = useApi<CompareResponse>(`/api/compare?${runQuery(ids)}`);
  return (
    <section>
      <p className="crumbs">
        <a href={href.runs()}>Runs</a> / <span>compare</span>
      </p>
      <h1>Compare runs</h1>
      <Load loaded={loaded}>{(data) => <Comparison data={data} />}</Load>
    </section>
  );
}

function Comparison({ data }: { data: CompareResponse }) {
  return (
    <>
      <table className="data">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>run</th>
            <th>accuracy [95% CI]</th>
            <th className="num">correct / scored</th>
            <th className="num">invalid</th>
            <th className="num">errors</th>
            <th className="num">cost</th>
          </tr>
        </thead>
        <tbody>
          {data.runs.map((run, i) => (
            <tr key={run.id}>
              <td className="num">{i + 1}</td>
              <td>
                <a href={href.run(run.id)}>{run.label}</a>
                <div className="muted small">{run.id}</div>
              </td>
              <td>{estimate(run.accuracy)}</td>
              <td className="num">
                {int(run.correct)} / {int(run.scored)}
              </td>
              <td className="num">{int(run.invalid)}</td>
              <td className="num">{int(run.errors)}</td>
              <td className="num">{usd(run.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Paired test against run 1</h2>
      <p className="muted">
        On the examples both runs scored: McNemar's test on the examples exactly one run got right, and a paired bootstrap of the accuracy difference (run k −
        run 1).
      </p>
      <table className="data" data-testid="paired-table">
        <thead>
          <tr>
            <th>runs</th>
            <th className="num">paired</th>
            <th className="num">accuracy 1 → k</th>
            <th>difference [95% CI]</th>
            <th className="num">bootstrap p</th>
            <th className="num">only 1 right</th>
            <th className="num">only k right</th>
            <th className="num">McNemar χ²</th>
            <th className="num">McNemar p</th>
          </tr>
        </thead>
        <tbody>
          {data.comparisons.map((comparison, i) => (
            <tr key={comparison.b} data-testid="paired-row">
              <td>1 vs {i + 2}</td>
              {comparison.problem ? (
                <td colSpan={8} className="problem">
                  {comparison.problem}
                </td>
              ) : (
                <>
                  <td className="num">
                    {int(comparison.paired)}
                    {comparison.unpaired ? <span className="muted"> (+{comparison.unpaired} unpaired)</span> : null}
                  </td>
                  <td className="num">
                    {percent(comparison.accuracyA)} → {percent(comparison.accuracyB)}
                  </td>
                  <td>
                    {comparison.difference
                      ? `${signedPercent(comparison.difference.mean)} [${signedPercent(comparison.difference.ci95[0])}, ${signedPercent(comparison.difference.ci95[1])}]`
                      : '—'}
                  </td>
                  <td className="num">{comparison.difference ? pValue(comparison.difference.pValue) : '—'}</td>
                  <td className="num">{comparison.mcnemar ? int(comparison.mcnemar.onlyA) : '—'}</td>
                  <td className="num">{comparison.mcnemar ? int(comparison.mcnemar.onlyB) : '—'}</td>
                  <td className="num">{comparison.mcnemar ? comparison.mcnemar.statistic.toFixed(3) : '—'}</td>
                  <td className="num" data-testid="mcnemar-p">
                    {comparison.mcnemar ? pValue(comparison.mcnemar.pValue) : '—'}
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <Charts charts={data.charts} />
    </>
  );
}
