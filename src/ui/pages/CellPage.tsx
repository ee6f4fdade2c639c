import type { DistillCellDetail } from '../../server/dashboard/api';
import { useApi } from '../api';
import { ExamplesTable } from '../components/ExamplesTable';
import { AccuracyMetrics, Load, Metric } from '../components/Status';
import { int } from '../format';
import { href } from '../router';

/** One student of a distillation sweep: its result and its answers on the test examples (test.jsonl). */
export function CellPage({ id }: { id: string }) {
  const loaded = useApi<DistillCellDetail>(`/api/distill/cell?id=${encodeURIComponent(id)}`);
  return <Load loaded={loaded}>{(detail) => <Cell detail={detail} />}</Load>;
}

function Cell({ detail }: { detail: DistillCellDetail }) {
  const { cell, summary } = detail;
  return (
    <section>
      <p className="crumbs">
        <a href={href.runs()}>Runs</a> / <a href={href.distill(detail.sweepId)}>{detail.sweepTitle}</a> / <span>{cell.id}</span>
      </p>
      <h1>
        {cell.label} · fraction {cell.fraction} · seed {cell.seed}
      </h1>
      <p className="muted">
        A student trained on {int(cell.inputs)} inputs ({int(cell.rows)} rows), its answers on the sweep's test examples.
      </p>
      <div className="metrics">
        <AccuracyMetrics summary={summary} label="test accuracy (95% CI)" invalidHint="no answer found: counted as wrong" />
        <Metric
          label="selected step"
          value={`${cell.bestStep} / ${cell.steps}`}
          hint={cell.validationLoss === null ? undefined : `validation loss ${cell.validationLoss.toFixed(3)}`}
        />
        <Metric label="parameters" value={int(cell.parameters)} hint={`${Math.round(cell.tokensPerSecond)} tokens/s training`} />
      </div>
      <h2>Test answers</h2>
      <ExamplesTable rows={detail.examples} />
    </section>
  );
}
