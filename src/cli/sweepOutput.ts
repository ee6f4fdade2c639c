/**
 * What `distill run` and `quickstart` do after the sweep: its report is written from the results it wrote
 * (report/sweepReport.ts), then printed as one JSON object, or a table.
 */
import type { SweepResult } from '../distill/sweep.js';
import type { GenericSection } from '../distill/sweepResults.js';
import { formatPercent } from '../util/numberFormat.js';

interface FinishedSweep<Teacher> {
  out: string;
  wallSeconds: number;
  teacher: Teacher;
  sweep: SweepResult;
  generic: GenericSection | null;
  report: { results: string; verdict: string[] };
}

export interface SweepOutcome<Teacher> extends Omit<FinishedSweep<Teacher>, 'report'> {
  report: { html: string; markdown: string; svg: string; results: string; verdict: string[] };
}

/** Writes report.html, report.md and data-efficiency.svg into the sweep's folder. */
export async function withSweepReport<Teacher>(result: FinishedSweep<Teacher>): Promise<SweepOutcome<Teacher>> {
  const { writeSweepReport } = await import('../report/sweepReport.js');
  const written = await writeSweepReport(result.out);
  return { ...result, report: { ...result.report, html: written.htmlPath, markdown: written.markdownPath, svg: written.svgPath } };
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
