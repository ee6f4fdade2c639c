/**
 * The cascade report, rendered from the cascade folder's results contract (cascade/results.ts): the
 * cost-accuracy curve measured on the calibration split (accuracy against the share of requests sent to the
 * teacher, with 95% intervals, the student alone and the teacher alone for reference), the chosen threshold,
 * the table of every threshold, and each held-out evaluation (cost saved, accuracy lost with its paired test).
 * Written as cascade.svg, report.html and report.md by `cascade calibrate` / `cascade eval` and `apprentice report`.
 */
import { resolve } from 'node:path';
import type { CurvePoint } from '../cascade/curve.js';
import { CASCADE, type CascadeEvaluation, type CascadeFolder } from '../cascade/results.js';
import { readResult } from '../runs/resultContract.js';
import { VERSION } from '../version.js';
import { renderChartSvg, seriesLinesSpec, type SeriesPoint } from './charts.js';
import { formatDifference, formatEstimate, formatPercent, formatPValue, formatUsd } from './format.js';
import { html } from './html.js';
import { chartFigure, factsHtml, jsonDetails, renderPage, type PageSection } from './page.js';
import { writeReportWithChart, type ReportOptions, type WrittenChartReport } from './reportFiles.js';
import { estimateCell, tableHtml, tableMarkdown, type Table } from './table.js';

export const CASCADE_SVG = 'cascade.svg';

/** The curve's points for the chart: the cascade at every threshold, and the two single models. */
export function cascadeChartPoints(folder: CascadeFolder): SeriesPoint[] {
  const { calibration } = folder;
  const points: SeriesPoint[] = calibration.curve.map((point) => ({
    series: `cascade (${calibration.split})`,
    x: point.teacherShare,
    y: point.accuracy,
    ci95: point.accuracyCi95,
  }));
  points.push({ series: 'teacher alone', x: 1, y: calibration.teacherOnly.accuracy, ci95: calibration.teacherOnly.accuracyCi95 });
  points.push({
    series: 'student alone',
    x: calibration.studentOnly.teacherShare,
    y: calibration.studentOnly.accuracy,
    ci95: calibration.studentOnly.accuracyCi95,
  });
  if (calibration.chosen)
    points.push({ series: 'chosen threshold', x: calibration.chosen.teacherShare, y: calibration.chosen.accuracy, ci95: calibration.chosen.accuracyCi95 });
  for (const evaluation of folder.evaluations) {
    points.push({
      series: `chosen, on ${evaluation.split}`,
      x: evaluation.cascade.teacherShare,
      y: evaluation.cascade.accuracy,
      ci95: evaluation.cascade.accuracyCi95,
    });
  }
  return points;
}

const curveTable = (rows: readonly CurvePoint[], chosen: number | null): Table<CurvePoint> => ({
  caption: 'The cascade at every threshold: the student answers when its confidence is at least the threshold',
  columns: [
    { header: 'threshold', align: 'right', cell: (row) => `${row.threshold.toFixed(4)}${row.threshold === chosen ? ' (chosen)' : ''}` },
    { header: 'accuracy (95% CI)', align: 'right', cell: (row) => estimateCell(row.accuracy, row.accuracyCi95) },
    { header: 'teacher share (95% CI)', align: 'right', cell: (row) => estimateCell(row.teacherShare, row.teacherShareCi95) },
    { header: 'cost', align: 'right', cell: (row) => formatUsd(row.costUsd) },
  ],
  rows,
});

const evaluationTable = (evaluations: readonly CascadeEvaluation[]): Table<CascadeEvaluation> => ({
  caption: 'The chosen threshold on held-out splits, against the teacher alone',
  columns: [
    { header: 'split', cell: (row) => row.split },
    { header: 'examples', align: 'right', cell: (row) => row.examples },
    { header: 'cascade accuracy', align: 'right', cell: (row) => estimateCell(row.cascade.accuracy, row.cascade.accuracyCi95) },
    { header: 'teacher accuracy', align: 'right', cell: (row) => estimateCell(row.teacherOnly.accuracy, row.teacherOnly.accuracyCi95) },
    { header: 'accuracy lost (paired 95% CI)', align: 'right', cell: (row) => formatDifference(row.accuracyLost.estimate, row.accuracyLost.ci95) },
    { header: 'McNemar p', align: 'right', cell: (row) => formatPValue(row.accuracyLost.mcnemarP) },
    { header: 'teacher calls saved', align: 'right', cell: (row) => formatPercent(row.teacherCallsSaved) },
    { header: 'cost saved', align: 'right', cell: (row) => formatUsd(row.costSavedUsd) },
    { header: 'target met', cell: (row) => (row.targetMet === null ? '—' : row.targetMet ? 'yes' : 'no') },
  ],
  rows: evaluations,
});

export async function writeCascadeReport(dir: string, options: ReportOptions & { outDir?: string } = {}): Promise<WrittenChartReport> {
  const folder = readResult(CASCADE, dir);
  const { calibration } = folder;
  const svg = await renderChartSvg(
    seriesLinesSpec(cascadeChartPoints(folder), {
      title: 'Cost-accuracy curve',
      xTitle: 'share of requests answered by the teacher',
      yTitle: 'accuracy',
      format: 'percent',
    }),
  );
  const chosen = calibration.chosen;
  const target =
    'accuracy' in calibration.target
      ? `accuracy ≥ ${formatPercent(calibration.target.accuracy)}`
      : `teacher share ≤ ${formatPercent(calibration.target.maxTeacherShare)}`;
  const facts: Array<readonly [string, string]> = [
    ['student', calibration.config.student],
    ['teacher', calibration.config.teacher],
    ['dataset', calibration.config.dataset],
    ['confidence signal', calibration.config.signal === 'agreement' ? `agreement of ${calibration.config.samples} samples` : 'token log-probabilities'],
    ['calibrated on', `${calibration.split} (${calibration.examples} examples, ${calibration.failed} failed)`],
    ['target', target],
    [
      'chosen threshold',
      chosen
        ? `${chosen.threshold.toFixed(4)}: accuracy ${formatEstimate(chosen.accuracy, chosen.accuracyCi95)}, teacher share ${formatPercent(chosen.teacherShare)}`
        : 'none meets the target',
    ],
    ['teacher alone', formatEstimate(calibration.teacherOnly.accuracy, calibration.teacherOnly.accuracyCi95)],
    ['student alone', formatEstimate(calibration.studentOnly.accuracy, calibration.studentOnly.accuracyCi95)],
  ];
  const curve = curveTable(calibration.curve, chosen?.threshold ?? null);
  const evaluations = evaluationTable(folder.evaluations);
  const sections: PageSection[] = [
    {
      id: 'summary',
      title: 'Summary',
      body: html`${factsHtml(facts)}${chartFigure(svg, 'Accuracy against the share of requests sent to the teacher, with 95% intervals')}`,
    },
    {
      id: 'evaluations',
      title: 'Held-out evaluation',
      body: folder.evaluations.length
        ? tableHtml(evaluations)
        : html`<p class="muted">Not evaluated yet: run <code>apprentice cascade eval --calibration ${dir} --split test</code>.</p>`,
    },
    { id: 'curve', title: 'Every threshold', body: tableHtml(curve) },
    { id: 'configuration', title: 'Configuration', body: jsonDetails('calibration configuration', calibration.config) },
  ];
  const title = options.title ?? `Cascade: ${calibration.config.student} → ${calibration.config.teacher}`;
  const page = renderPage({
    title,
    subtitle: `apprentice ${VERSION} · ${(options.generatedAt ?? new Date()).toISOString()}`,
    sections,
    generator: `apprentice ${VERSION}`,
  });
  const markdown = [
    `# ${title}`,
    '',
    ...facts.map(([key, value]) => `- ${key}: ${value}`),
    '',
    `![cost-accuracy curve](${CASCADE_SVG})`,
    '',
    '## Held-out evaluation',
    '',
    folder.evaluations.length ? tableMarkdown(evaluations) : 'Not evaluated yet.',
    '',
    '## Every threshold',
    '',
    tableMarkdown(curve),
    '',
  ].join('\n');
  return writeReportWithChart(resolve(options.outDir ?? dir), { html: page, markdown, svg }, CASCADE_SVG);
}
