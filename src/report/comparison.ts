/**
 * Paired comparisons of runs against a baseline run, as report blocks: the comparison table
 * (paired-bootstrap difference with its CI, McNemar) and, per pair, the examples where exactly one
 * run is right, linked to both runs' examples. Used by the evaluation and grimoire reports.
 */
import { compareRuns, type RunComparison } from '../eval/compare.js';
import { InputError } from '../util/errors.js';
import type { EvalRun } from './evalRun.js';
import { exampleStatus, STATUS_LABEL, type ExampleStatus } from '../eval/records.js';
import { exampleAnchor } from './examples.js';
import { formatDifference, formatPercent, formatPStatement, formatPValue } from './format.js';
import { html, type SafeHtml } from './html.js';
import { tableHtml, type Table } from './table.js';

export interface Comparison {
  baseline: EvalRun;
  other: EvalRun;
  result?: RunComparison;
  /** Why the runs could not be compared. */
  problem?: string;
}

/** How a report names a run: the text shown, the link to its section, the anchor scope of its examples. */
export interface RunRef {
  text: string;
  href: string;
  scope: string;
}

/** Each run compared with the baseline, one after the other (each comparison streams both records files). */
export async function compareAgainst(baseline: EvalRun, others: readonly EvalRun[], seed: number): Promise<Comparison[]> {
  const comparisons: Comparison[] = [];
  for (const other of others) {
    try {
      comparisons.push({ baseline, other, result: await compareRuns(baseline.dir, other.dir, seed) });
    } catch (error) {
      comparisons.push({ baseline, other, problem: problemOf(error) });
    }
  }
  return comparisons;
}

/** Runs that cannot be compared (bad input) are reported as such; anything else is a bug and is thrown. */
function problemOf(error: unknown): string {
  if (error instanceof InputError) return error.message;
  throw error;
}

export function comparisonTable(comparisons: readonly Comparison[], ref: (run: EvalRun) => RunRef, id = 'comparison-table'): Table<Comparison> {
  const link = (run: EvalRun) => ({ text: ref(run).text, href: ref(run).href });
  return {
    id,
    rows: comparisons,
    columns: [
      { header: 'A (baseline)', cell: (c) => link(c.baseline) },
      { header: 'B', cell: (c) => link(c.other) },
      { header: 'paired', align: 'right', cell: (c) => (c.result ? c.result.paired : null) },
      { header: 'accuracy A', align: 'right', cell: (c) => formatPercent(c.result?.accuracyA) },
      { header: 'accuracy B', align: 'right', cell: (c) => formatPercent(c.result?.accuracyB) },
      {
        header: 'B − A [95% CI]',
        align: 'right',
        cell: (c) => (c.result?.difference ? formatDifference(c.result.difference.mean, c.result.difference.ci95) : (c.problem ?? '—')),
      },
      { header: 'bootstrap p', align: 'right', cell: (c) => formatPValue(c.result?.difference?.pValue) },
      {
        header: 'McNemar (only A / only B right, p)',
        align: 'right',
        cell: (c) => (c.result?.mcnemar ? `${c.result.mcnemar.onlyA} / ${c.result.mcnemar.onlyB}, ${formatPStatement(c.result.mcnemar.pValue)}` : null),
      },
    ],
  };
}

interface Disagreement {
  index: number;
  baseline: ExampleStatus;
  other: ExampleStatus;
}

/** Examples both runs scored where exactly one of them was right. */
function disagreements(baseline: EvalRun, other: EvalRun): Disagreement[] {
  const otherByIndex = new Map(other.records.map((record) => [record.index, record]));
  const out: Disagreement[] = [];
  for (const a of baseline.records) {
    const b = otherByIndex.get(a.index);
    if (!b || a.error || b.error || a.correct === null || b.correct === null || a.correct === b.correct) continue;
    out.push({ index: a.index, baseline: exampleStatus(a), other: exampleStatus(b) });
  }
  return out;
}

function disagreementTable(c: Comparison, ref: (run: EvalRun) => RunRef): Table<Disagreement> {
  const a = ref(c.baseline);
  const b = ref(c.other);
  const status = (s: ExampleStatus) => ({ text: STATUS_LABEL[s], className: s });
  return {
    rows: disagreements(c.baseline, c.other),
    columns: [
      { header: '#', align: 'right', cell: (d) => d.index },
      { header: `A: ${a.text}`, cell: (d) => ({ ...status(d.baseline), href: `#${exampleAnchor(a.scope, d.index)}` }) },
      { header: `B: ${b.text}`, cell: (d) => ({ ...status(d.other), href: `#${exampleAnchor(b.scope, d.index)}` }) },
    ],
  };
}

/** Per compared pair, a collapsible list of the examples exactly one of the two got right. */
export function disagreementsHtml(comparisons: readonly Comparison[], ref: (run: EvalRun) => RunRef, name: (run: EvalRun) => string): SafeHtml {
  return html`${comparisons
    .filter((c) => c.result)
    .map((c) => {
      const table = disagreementTable(c, ref);
      // Runs read as streams hold only their first records: the list covers those (the counts above cover all).
      const partial = [c.baseline, c.other].some((run) => run.recordsTotal !== undefined && run.recordsTotal > run.records.length);
      const among = partial ? ` among the first ${Math.min(c.baseline.records.length, c.other.records.length)} examples` : '';
      return html`<details><summary>${table.rows.length} examples${among} where exactly one of ${name(c.baseline)} and ${name(c.other)} is right</summary>${tableHtml(table)}</details>`;
    })}`;
}
