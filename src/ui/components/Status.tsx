import type { ReactNode } from 'react';
import { STATUS_LABEL } from '../../eval/records';
import type { Estimate, ExampleStatus } from '../../server/dashboard/api';
import type { Loaded } from '../api';
import { estimate, int } from '../format';

export function StatusBadge({ status }: { status: ExampleStatus }) {
  return <span className={`status status-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** Shows loading and errors, and the content once the data is there. */
export function Load<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  if (loaded.state === 'loading') return <p className="muted">Loading…</p>;
  if (loaded.state === 'error')
    return (
      <p className="problem" role="alert">
        {loaded.message}
      </p>
    );
  return <>{children(loaded.data)}</>;
}

export function Metric({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: ReactNode; testId?: string }) {
  return (
    <div className="metric" data-testid={testId}>
      <div className="metric-label">{label}</div>
      <div className="metric-value">{value}</div>
      {hint !== undefined && <div className="metric-hint">{hint}</div>}
    </div>
  );
}

/** The headline of a set of answered examples: accuracy with its interval, and the invalid answers (scored as wrong). */
export function AccuracyMetrics({
  summary,
  label,
  invalidHint,
}: {
  summary: { accuracy: Estimate | null; correct: number; scored: number; invalid: number };
  label: string;
  invalidHint: string;
}) {
  return (
    <>
      <Metric label={label} value={estimate(summary.accuracy)} hint={`${int(summary.correct)} of ${int(summary.scored)} scored`} testId="metric-accuracy" />
      <Metric label="invalid answers" value={int(summary.invalid)} hint={invalidHint} />
    </>
  );
}
