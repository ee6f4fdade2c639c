import { useApi } from '../api';
import { Charts } from '../components/Chart';
import { ExamplesTable } from '../components/ExamplesTable';
import { AccuracyMetrics, Load, Metric } from '../components/Status';
import { int, usd } from '../format';
import { href } from '../router';
import type { RunDetail } from '../../server/dashboard/api';

export function RunPage({ id }: { id: string }) {
  const loaded = useApi<RunDetail>(`/api/run?id=${encodeURIComponent(id)}`);
  return <Load loaded={loaded}>{(detail) => <Run detail={detail} />}</Load>;
}

function Run({ detail }: { detail: RunDetail }) {
  const { run, summary } = detail;
  const errorKinds = Object.entries(summary.errorsByKind)
    .map(([kind, count]) => `${kind}: ${count}`)
    .join(', ');
  return (
    <section>
      <p className="crumbs">
        <a href={href.runs()}>Runs</a> / <span>{run.id}</span>
      </p>
      <h1>{run.label}</h1>
      <p className="muted">
        {run.command}
        {run.task ? ` · task ${run.task}` : ''}
        {run.split ? ` · ${run.split} split` : ''}
        {run.model ? ` · model ${run.model}` : ''}
      </p>
      <div className="metrics">
        <AccuracyMetrics summary={summary} label="accuracy (95% CI)" invalidHint="counted as wrong" />
        <Metric label="failed calls" value={int(summary.errors)} hint={errorKinds || 'not scored, retried on resume'} />
        {summary.missing > 0 && <Metric label="not run" value={int(summary.missing)} hint={`of ${int(summary.n)}`} />}
        <Metric
          label="cost"
          value={usd(summary.costUsd)}
          hint={summary.costPerCorrectUsd !== null ? `${usd(summary.costPerCorrectUsd)} per correct` : undefined}
        />
        <Metric
          label="tokens"
          value={int(summary.promptTokens + summary.completionTokens)}
          hint={`${int(summary.promptTokens)} prompt · ${int(summary.completionTokens)} completion`}
        />
        {summary.latencyMs.p50 !== null && (
          <Metric
            label="latency p50 / p95"
            value={`${Math.round(summary.latencyMs.p50)} ms`}
            hint={`${Math.round(summary.latencyMs.p95 ?? 0)} ms p95 · ${int(summary.cachedCalls)} cached`}
          />
        )}
      </div>
      <Charts charts={detail.charts} />
      <h2>Examples</h2>
      <ExamplesTable rows={detail.examples} run={{ id: run.id, total: detail.examplesTotal }} />
      <details className="config">
        <summary>Configuration (config.json)</summary>
        <pre>{JSON.stringify(detail.config, null, 2)}</pre>
      </details>
    </section>
  );
}
