/**
 * The scaling report: normalized score vs log10(parameters), one panel row per task, discrete and
 * smooth metrics side by side, one line per metric and prompting (colour: prompting, line style:
 * metric); then the analysis tables. Written as scaling.svg, report.html (self-contained) and
 * report.md, next to analysis.json and analysis.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderChartSvg } from '../report/charts.js';
import { html } from '../report/html.js';
import { escapeMarkdown, markdownLink } from '../report/markdown.js';
import { chartFigure, renderPage, type PageSection } from '../report/page.js';
import { facetedLinesSpec, type FacetPoint } from '../report/scalingCharts.js';
import { tableHtml, tableMarkdown, type Table } from '../report/table.js';
import { VERSION } from '../version.js';
import type { TaskAnalysis } from './analyzeScaling.js';
import { formatAnalysisMarkdown, formatParams } from './formatAnalysis.js';
import type { ScaleEvaluation } from './scaleRun.js';
import { PROMPTINGS, SCALE_METRICS, splitMetricName } from './scaleRun.js';

export const DISCRETE_PANEL = 'discrete metrics';
export const SMOOTH_PANEL = 'smooth metrics';

/** BLEU, ROUGE, log-probabilities, losses are smooth; accuracy-like metrics are discrete. */
export function isSmoothMetric(metric: string): boolean {
  return /bleu|rouge|log|loss|perplex|brier|prob|chrf|f1/i.test(metric);
}

export function scalingPlotPoints(analyses: readonly TaskAnalysis[]): FacetPoint[] {
  const points: FacetPoint[] = [];
  for (const analysis of analyses) {
    const { metric, prompting } = splitMetricName(analysis.metric);
    for (const score of analysis.scores) {
      if (!Number.isFinite(score.normalized)) continue;
      points.push({
        row: analysis.task,
        column: isSmoothMetric(metric) ? SMOOTH_PANEL : DISCRETE_PANEL,
        series: prompting ?? metric,
        dash: metric,
        x: Math.log10(score.params),
        y: score.normalized,
        label: score.model,
      });
    }
  }
  return points;
}

export async function renderScalingSvg(analyses: readonly TaskAnalysis[]): Promise<string> {
  const points = scalingPlotPoints(analyses);
  const columns = [DISCRETE_PANEL, SMOOTH_PANEL].filter((column) => points.some((point) => point.column === column));
  const present = (values: string[]) => [...new Set(values)];
  const series = present(points.map((point) => point.series));
  const dashes = present(points.map((point) => point.dash ?? ''));
  const known = (order: readonly string[], values: string[]) => [...order.filter((v) => values.includes(v)), ...values.filter((v) => !order.includes(v)).sort()];
  return renderChartSvg(
    facetedLinesSpec(points, {
      xTitle: 'log10(parameters)',
      yTitle: 'normalized score (0 = random, 100 = max)',
      columns,
      referenceY: 0,
      seriesTitle: 'prompting',
      dashTitle: 'metric',
      seriesOrder: known(PROMPTINGS, series),
      dashOrder: known(Object.values(SCALE_METRICS), dashes),
    }),
  );
}

export interface ScalingReportInput {
  analyses: readonly TaskAnalysis[];
  /** Where the rows came from (a file, or "scale run"). */
  source: string;
  title?: string;
  evaluations?: readonly ScaleEvaluation[];
  notes?: readonly string[];
}

export interface ScalingReportFiles {
  html: string;
  markdown: string;
  svg: string;
  analysisJson: string;
  analysisMarkdown: string;
}

export async function writeScalingReport(outDir: string, input: ScalingReportInput): Promise<ScalingReportFiles> {
  await mkdir(outDir, { recursive: true });
  const files: ScalingReportFiles = {
    html: join(outDir, 'report.html'),
    markdown: join(outDir, 'report.md'),
    svg: join(outDir, 'scaling.svg'),
    analysisJson: join(outDir, 'analysis.json'),
    analysisMarkdown: join(outDir, 'analysis.md'),
  };
  const svg = await renderScalingSvg(input.analyses);
  const title = input.title ?? 'Scaling report';
  await writeFile(files.svg, svg);
  await writeFile(files.analysisJson, JSON.stringify(input.analyses, null, 2) + '\n');
  await writeFile(files.analysisMarkdown, formatAnalysisMarkdown(input.analyses, input.source));

  const summary = summaryTable(input.analyses);
  const sections: PageSection[] = [
    {
      id: 'plot',
      title: 'Score vs size',
      body: chartFigure(
        svg,
        'Normalized score (100 × (score − random) / (max − random)) against log10(parameters); one row per task, ' +
          'discrete and smooth metrics side by side; colour: prompting (direct vs chain of thought), line style: metric. Dotted line: chance.',
      ),
    },
    { id: 'analysis', title: 'Analysis', body: tableHtml(summary) },
    ...input.analyses.map((analysis, i) => ({
      id: `task-${i + 1}`,
      title: `${analysis.task} · ${analysis.metric}`,
      body: html`${tableHtml(scoresTable(analysis))}${analysis.notes.length ? html`<ul>${analysis.notes.map((note) => html`<li>${note}</li>`)}</ul>` : ''}`,
    })),
  ];
  if (input.evaluations?.length) {
    sections.push({ id: 'runs', title: 'Evaluations', body: tableHtml(evaluationsTable(input.evaluations)) });
  }
  if (input.notes?.length) {
    sections.push({ id: 'notes', title: 'Notes', body: html`<ul>${input.notes.map((note) => html`<li>${note}</li>`)}</ul>` });
  }
  await writeFile(
    files.html,
    renderPage({ title, subtitle: `source: ${input.source}`, sections, generator: `apprentice ${VERSION}` }),
  );

  const markdown = [
    `# ${escapeMarkdown(title)}`,
    '',
    `Source: ${escapeMarkdown(input.source)}. Full report: ${markdownLink('report.html', 'report.html')}.`,
    '',
    '![normalized score vs log10(parameters)](scaling.svg)',
    '',
    '## Analysis',
    '',
    tableMarkdown(summary),
    ...input.analyses.flatMap((analysis) => [
      '',
      `### ${escapeMarkdown(`${analysis.task} · ${analysis.metric}`)}`,
      '',
      tableMarkdown(scoresTable(analysis)),
      ...analysis.notes.map((note) => `- ${escapeMarkdown(note)}`),
    ]),
    ...(input.evaluations?.length ? ['', '## Evaluations', '', tableMarkdown(evaluationsTable(input.evaluations))] : []),
    ...(input.notes?.length ? ['', '## Notes', '', ...input.notes.map((note) => `- ${escapeMarkdown(note)}`)] : []),
  ];
  await writeFile(files.markdown, markdown.join('\n') + '\n');
  return files;
}

const fixed = (value: number | null, digits = 2) => (value === null || !Number.isFinite(value) ? null : value.toFixed(digits));

function summaryTable(analyses: readonly TaskAnalysis[]): Table<TaskAnalysis> {
  return {
    columns: [
      { header: 'task', cell: (a) => a.task },
      { header: 'metric', cell: (a) => a.metric },
      { header: 'models', cell: (a) => a.scores.length },
      { header: 'normalized, smallest → largest', cell: (a) => a.scores.map((s) => s.normalized.toFixed(1)).join(' → ') },
      { header: 'linearity', align: 'right', cell: (a) => fixed(a.linearity) },
      { header: 'breakthroughness', align: 'right', cell: (a) => fixed(a.breakthroughness) },
      { header: 'verdict', cell: (a) => a.verdict },
    ],
    rows: analyses,
  };
}

function scoresTable(analysis: TaskAnalysis): Table<TaskAnalysis['scores'][number]> {
  return {
    caption: `random ${fixed(analysis.baseline.random, 3)}, max ${fixed(analysis.baseline.max, 3)} (${analysis.baseline.source})`,
    columns: [
      { header: 'model', cell: (s) => s.model },
      { header: 'params', align: 'right', cell: (s) => formatParams(s.params, s.paramsEstimated) },
      { header: 'score', align: 'right', cell: (s) => fixed(s.score, 3) },
      { header: '95% CI', align: 'right', cell: (s) => (s.ci95 ? `[${fixed(s.ci95[0], 3)}, ${fixed(s.ci95[1], 3)}]` : null) },
      { header: 'normalized', align: 'right', cell: (s) => fixed(s.normalized, 1) },
    ],
    rows: analysis.scores,
  };
}

function evaluationsTable(evaluations: readonly ScaleEvaluation[]): Table<ScaleEvaluation> {
  return {
    columns: [
      { header: 'model', cell: (e) => e.model },
      { header: 'params', align: 'right', cell: (e) => formatParams(e.params) },
      { header: 'task', cell: (e) => e.task },
      { header: 'prompting', cell: (e) => (e.scoring === 'logprob' ? `${e.prompting}, log-prob ranking` : e.prompting) },
      { header: 'accuracy', align: 'right', cell: (e) => fixed(e.accuracy, 3) },
      { header: 'scored / n', align: 'right', cell: (e) => `${e.scored} / ${e.n}` },
      { header: 'invalid', align: 'right', cell: (e) => e.invalid },
      { header: 'errors', align: 'right', cell: (e) => e.errors },
      { header: 'run folder', cell: (e) => e.runDir },
    ],
    rows: evaluations,
  };
}
