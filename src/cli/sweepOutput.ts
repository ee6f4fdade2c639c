/** What `distill run` and `quickstart` print about a distillation sweep: one JSON object, or a table. */
import type { SweepResult } from '../distill/sweep.js';
import type { GenericSection, WrittenSweepReport } from '../distill/sweepReport.js';
import { formatPercent } from '../report/format.js';

export interface SweepOutcome<Teacher> {
  out: string;
  wallSeconds: number;
  teacher: Teacher;
  sweep: SweepResult;
  generic: GenericSection | null;
  report: WrittenSweepReport;
}

export function sweepSummaryJson<Teacher>(result: SweepOutcome<Teacher>, extra: Record<string, unknown> = {}) {
  return {
    out: result.out,
    ...extra,
    wallSeconds: result.wallSeconds,
    teacher: result.teacher,
    points: result.sweep.points,
    cells: result.sweep.cells.map(({ correctFlags: _flags, ...cell }) => cell),
    generic: result.generic,
    verdict: result.report.verdict,
    report: { html: result.report.html, markdown: result.report.markdown, results: result.report.results, svg: result.report.svg },
  };
}

/** The header and one row per (method, fraction), in a stable order; `teacherRows` go below them. */
export function sweepTableLines(result: SweepOutcome<unknown>, teacherRows: string[]): string[] {
  return [
    'method                     fraction  inputs  accuracy [95% CI, bootstrap over seeds and examples]',
    ...[...result.sweep.points]
      .sort((a, b) => a.method.localeCompare(b.method) || a.fraction - b.fraction)
      .map(
        (p) =>
          `${p.method.padEnd(26)} ${String(p.fraction).padStart(8)} ${String(Math.round(p.inputs)).padStart(7)}  ${formatPercent(p.accuracy)} [${formatPercent(p.ci95[0])}, ${formatPercent(p.ci95[1])}]`,
      ),
    ...teacherRows,
    '',
    ...result.report.verdict.map((line) => `- ${line}`),
    '',
    `report: ${result.report.html}`,
    `        ${result.report.markdown}`,
  ];
}
