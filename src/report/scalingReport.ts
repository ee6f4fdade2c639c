/**
 * The scaling report, rendered from the scaling folder's results contract (scaling/scalingResults.ts):
 * normalized score vs log10(parameters), one panel row per task, discrete and smooth metrics side by side, one
 * line per metric and prompting (colour: prompting, line style: metric); then the analysis tables, every
 * evaluation with its accuracy CI, tokens and cost, and its examples (drill-down), the configuration and the
 * versions. Written as scaling.svg, report.html (self-contained) and report.md after `scale run` and
 * `scale analyze --out`, and again by `apprentice report <dir>`.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CONFIG_FILE } from '../runs/runDir.js';
import { readResult } from '../runs/resultContract.js';
import type { TaskAnalysis } from '../scaling/analyzeScaling.js';
import { formatParams } from '../scaling/formatAnalysis.js';
import type { ScaleEvaluation } from '../scaling/scaleRun.js';
import { PROMPTINGS, SCALE_METRICS, splitMetricName } from '../scaling/scaleRun.js';
import { SCALING, type ScalingFolder } from '../scaling/scalingResults.js';
import { VERSION } from '../version.js';
import { renderChartSvg } from './charts.js';
import { loadEvalRun, type EvalRun } from './evalRun.js';
import { examplesSectionHtml, exampleViewFromRecord } from './examples.js';
import { formatEstimate, formatInt, formatUsd } from './format.js';
import { html } from './html.js';
import { escapeMarkdown, markdownLink } from './markdown.js';
import { chartFigure, factsHtml, jsonDetails, renderPage, type PageSection } from './page.js';
import { writeReportWithChart, type ReportOptions, type WrittenChartReport } from './reportFiles.js';
import { facetedLinesSpec, type FacetPoint } from './scalingCharts.js';
import { estimateCell, tableHtml, tableMarkdown, type Table } from './table.js';
import { usageTotals } from './totals.js';

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
  const known = (order: readonly string[], values: string[]) => [
    ...order.filter((v) => values.includes(v)),
    ...values.filter((v) => !order.includes(v)).sort(),
  ];
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

/** The report file of the plot, beside report.html and report.md. */
export const SCALING_SVG_FILE = 'scaling.svg';

interface LoadedEvaluation {
  evaluation: ScaleEvaluation;
  run: EvalRun | null;
  key: string;
}

/** Each evaluation's run folder, found under <dir>/runs when the folder has moved. */
function loadEvaluations(dir: string, evaluations: readonly ScaleEvaluation[]): LoadedEvaluation[] {
  return evaluations.map((evaluation, i) => {
    const candidates = [evaluation.runDir, join(dir, 'runs', basename(evaluation.runDir))];
    const found = candidates.find((candidate) => existsSync(join(candidate, CONFIG_FILE)));
    return { evaluation, run: found ? loadEvalRun(found) : null, key: `eval${i + 1}` };
  });
}

const evaluationName = (e: ScaleEvaluation) => `${e.model} · ${e.task} · ${e.scoring === 'logprob' ? `${e.prompting}, log-prob ranking` : e.prompting}`;

/** The pages of the report; evaluations' run folders are read for tokens, cost and examples. */
export async function buildScalingReport(
  dir: string,
  input: ScalingFolder,
  options: ReportOptions = {},
): Promise<{ html: string; markdown: string; svg: string }> {
  const svg = await renderScalingSvg(input.analyses);
  const title = options.title ?? input.title ?? 'Scaling report';
  const htmlHref = options.htmlHref ?? 'report.html';
  const writtenBy = `apprentice ${input.writtenBy}`;
  const generator = `apprentice ${VERSION}`;
  const loaded = loadEvaluations(dir, input.evaluations ?? []);
  const totals = usageTotals(loaded.map((l) => l.run?.summary.usage ?? {}));
  const totalLine = loaded.length
    ? `Total over ${loaded.length} evaluations: ${formatInt(totals.promptTokens)} prompt + ${formatInt(totals.completionTokens)} completion tokens, ${formatUsd(totals.costUsd)}${loaded.some((l) => !l.run) ? ' (run folders not found for some evaluations; they are left out)' : ''}.`
    : undefined;

  const summary = summaryTable(input.analyses);
  const evaluationsTbl = evaluationsTable(loaded);
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
  if (loaded.length) {
    sections.push({
      id: 'runs',
      title: 'Evaluations',
      body: html`${tableHtml(evaluationsTbl)}${totalLine ? html`<p>${totalLine}</p>` : ''}`,
    });
    sections.push({
      id: 'answers',
      title: 'Every answer',
      body: html`${loaded.map(
        (
          l,
        ) => html`<details id="${l.key}"><summary>${evaluationName(l.evaluation)}: accuracy ${formatEstimate(l.evaluation.accuracy, l.evaluation.ci95)}</summary>
${
  l.run
    ? html`${factsHtml([
        ['folder', l.run.dir],
        ['tokens', `${formatInt(l.run.summary.usage.promptTokens)} prompt + ${formatInt(l.run.summary.usage.completionTokens)} completion`],
        ['cost', formatUsd(l.run.summary.usage.costUsd)],
        ['written by', `apprentice ${l.run.config.version ?? '?'}`],
      ])}${jsonDetails('resolved configuration (config.json)', l.run.config)}${examplesSectionHtml(l.run.records.map(exampleViewFromRecord), l.key)}`
    : html`<p class="muted">run folder not found: ${l.evaluation.runDir}</p>`
}</details>`,
      )}`,
    });
  }
  if (input.notes?.length) {
    sections.push({ id: 'notes', title: 'Notes', body: html`<ul>${input.notes.map((note) => html`<li>${note}</li>`)}</ul>` });
  }
  sections.push({
    id: 'configuration',
    title: 'Configuration',
    body: html`${factsHtml([
      ['source', input.source],
      ['written by', writtenBy],
      ['report by', generator],
    ])}${input.configuration !== undefined ? jsonDetails('configuration', input.configuration, true) : ''}`,
  });
  const page = renderPage({ title, subtitle: `source: ${input.source} · written by ${writtenBy} · report by ${generator}`, sections, generator });

  const markdown = [
    `# ${escapeMarkdown(title)}`,
    '',
    `Source: ${escapeMarkdown(input.source)}. Written by ${escapeMarkdown(writtenBy)}, report by ${escapeMarkdown(generator)}. Full report: ${markdownLink(htmlHref, htmlHref)}.`,
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
    ...(loaded.length
      ? ['', '## Evaluations', '', tableMarkdown(evaluationsTbl, { linkBase: htmlHref }), ...(totalLine ? ['', escapeMarkdown(totalLine)] : [])]
      : []),
    ...(input.notes?.length ? ['', '## Notes', '', ...input.notes.map((note) => `- ${escapeMarkdown(note)}`)] : []),
  ];
  return { html: page, markdown: markdown.join('\n') + '\n', svg };
}

/** report.html, report.md and scaling.svg of a scaling folder (default: into it), from the files on disk. */
export async function writeScalingReport(dir: string, options: ReportOptions & { outDir?: string } = {}): Promise<WrittenChartReport> {
  const root = resolve(dir);
  const report = await buildScalingReport(root, readResult(SCALING, root), options);
  return writeReportWithChart(options.outDir ?? root, report, SCALING_SVG_FILE);
}

const fixed = (value: number | null, digits = 2) => (value === null || !Number.isFinite(value) ? null : value.toFixed(digits));

/** Analyses written before intervals existed have none: the value alone. */
const withInterval = (value: number | null, ci: [number, number] | undefined) => {
  const text = fixed(value);
  return text !== null && ci ? `${text} [${fixed(ci[0])}, ${fixed(ci[1])}]` : text;
};

function summaryTable(analyses: readonly TaskAnalysis[]): Table<TaskAnalysis> {
  return {
    columns: [
      { header: 'task', cell: (a) => a.task },
      { header: 'metric', cell: (a) => a.metric },
      { header: 'models', cell: (a) => a.scores.length },
      { header: 'normalized, smallest → largest', cell: (a) => a.scores.map((s) => s.normalized.toFixed(1)).join(' → ') },
      { header: 'linearity [95% CI]', align: 'right', cell: (a) => withInterval(a.linearity, a.intervals?.linearity.ci95) },
      { header: 'breakthroughness [95% CI]', align: 'right', cell: (a) => withInterval(a.breakthroughness, a.intervals?.breakthroughness.ci95) },
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

function evaluationsTable(loaded: readonly LoadedEvaluation[]): Table<LoadedEvaluation> {
  return {
    id: 'evaluations-table',
    columns: [
      { header: 'model', cell: ({ evaluation: e }) => e.model },
      { header: 'params', align: 'right', cell: ({ evaluation: e }) => formatParams(e.params) },
      { header: 'task', cell: ({ evaluation: e }) => e.task },
      { header: 'prompting', cell: ({ evaluation: e }) => (e.scoring === 'logprob' ? `${e.prompting}, log-prob ranking` : e.prompting) },
      { header: 'accuracy [95% CI]', align: 'right', cell: ({ evaluation: e }) => estimateCell(e.accuracy, e.ci95) },
      { header: 'scored / n', align: 'right', cell: ({ evaluation: e }) => `${e.scored} / ${e.n}` },
      { header: 'invalid', align: 'right', cell: ({ evaluation: e }) => e.invalid },
      { header: 'cut (run-on)', align: 'right', cell: ({ evaluation: e }) => e.cutOutputs },
      { header: 'errors', align: 'right', cell: ({ evaluation: e }) => e.errors },
      {
        header: 'tokens (prompt + completion)',
        align: 'right',
        cell: ({ run }) => (run ? `${formatInt(run.summary.usage.promptTokens)} + ${formatInt(run.summary.usage.completionTokens)}` : null),
      },
      { header: 'cost', align: 'right', cell: ({ run }) => (run ? formatUsd(run.summary.usage.costUsd) : null) },
      { header: 'answers', cell: ({ run, key }) => (run ? { text: `${run.records.length} examples`, href: `#${key}` } : null) },
    ],
    rows: loaded,
  };
}
