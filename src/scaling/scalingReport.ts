/**
 * The scaling report: normalized score vs log10(parameters), one panel row per task, discrete and
 * smooth metrics side by side, one line per metric and prompting (colour: prompting, line style:
 * metric); then the analysis tables, every evaluation with its accuracy CI, tokens and cost, and
 * its examples (drill-down), the configuration and the versions. Written as scaling.svg,
 * report.html (self-contained) and report.md, next to analysis.json, analysis.md and scaling.json
 * (source and version); `apprentice report <dir>` renders it again from those files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { renderChartSvg } from '../report/charts.js';
import { loadEvalRun, type EvalRun } from '../report/evalRun.js';
import { examplesSectionHtml, exampleViewFromRecord } from '../report/examples.js';
import { formatEstimate, formatInt, formatUsd } from '../report/format.js';
import { html } from '../report/html.js';
import { escapeMarkdown, markdownLink } from '../report/markdown.js';
import { chartFigure, factsHtml, jsonDetails, renderPage, type PageSection } from '../report/page.js';
import { writeReportFiles, type ReportOptions, type WrittenReportFiles } from '../report/reportFiles.js';
import { SCALING_ANALYSIS_FILE } from '../report/runKind.js';
import { facetedLinesSpec, type FacetPoint } from '../report/scalingCharts.js';
import { estimateCell, tableHtml, tableMarkdown, type Table } from '../report/table.js';
import { usageTotals } from '../report/totals.js';
import { InputError } from '../util/errors.js';
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

export const SCALING_META_FILE = 'scaling.json';

export interface ScalingReportInput {
  analyses: readonly TaskAnalysis[];
  /** Where the rows came from (a file, or "scale run"). */
  source: string;
  title?: string;
  evaluations?: readonly ScaleEvaluation[];
  notes?: readonly string[];
  /** The resolved configuration shown in the report (e.g. the model family of a scale run). */
  configuration?: unknown;
  /** The version that wrote the folder (default: this one). */
  writtenBy?: string;
}

export interface ScalingReportFiles {
  html: string;
  markdown: string;
  svg: string;
  analysisJson: string;
  analysisMarkdown: string;
}

interface LoadedEvaluation {
  evaluation: ScaleEvaluation;
  run: EvalRun | null;
  key: string;
}

/** Each evaluation's run folder, found under <dir>/runs when the folder has moved. */
function loadEvaluations(dir: string, evaluations: readonly ScaleEvaluation[]): LoadedEvaluation[] {
  return evaluations.map((evaluation, i) => {
    const candidates = [evaluation.runDir, join(dir, 'runs', basename(evaluation.runDir))];
    const found = candidates.find((candidate) => existsSync(join(candidate, 'config.json')));
    return { evaluation, run: found ? loadEvalRun(found) : null, key: `eval${i + 1}` };
  });
}

const evaluationName = (e: ScaleEvaluation) => `${e.model} · ${e.task} · ${e.scoring === 'logprob' ? `${e.prompting}, log-prob ranking` : e.prompting}`;

/** The pages of the report; evaluations' run folders are read for tokens, cost and examples. */
export async function buildScalingReport(dir: string, input: ScalingReportInput, options: ReportOptions = {}): Promise<{ html: string; markdown: string; svg: string }> {
  const svg = await renderScalingSvg(input.analyses);
  const title = options.title ?? input.title ?? 'Scaling report';
  const htmlHref = options.htmlHref ?? 'report.html';
  const writtenBy = `apprentice ${input.writtenBy ?? VERSION}`;
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
        (l) => html`<details id="${l.key}"><summary>${evaluationName(l.evaluation)}: accuracy ${formatEstimate(l.evaluation.accuracy, l.evaluation.ci95)}</summary>
${l.run
  ? html`${factsHtml([
      ['folder', l.run.dir],
      ['tokens', `${formatInt(l.run.summary.usage.promptTokens)} prompt + ${formatInt(l.run.summary.usage.completionTokens)} completion`],
      ['cost', formatUsd(l.run.summary.usage.costUsd)],
      ['written by', `apprentice ${l.run.config.version ?? '?'}`],
    ])}${jsonDetails('resolved configuration (config.json)', l.run.config)}${examplesSectionHtml(l.run.records.map(exampleViewFromRecord), l.key)}`
  : html`<p class="muted">run folder not found: ${l.evaluation.runDir}</p>`}</details>`,
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
    ...(loaded.length ? ['', '## Evaluations', '', tableMarkdown(evaluationsTbl, { linkBase: htmlHref }), ...(totalLine ? ['', escapeMarkdown(totalLine)] : [])] : []),
    ...(input.notes?.length ? ['', '## Notes', '', ...input.notes.map((note) => `- ${escapeMarkdown(note)}`)] : []),
  ];
  return { html: page, markdown: markdown.join('\n') + '\n', svg };
}

export async function writeScalingReport(outDir: string, input: ScalingReportInput): Promise<ScalingReportFiles> {
  await mkdir(outDir, { recursive: true });
  const files: ScalingReportFiles = {
    html: join(outDir, 'report.html'),
    markdown: join(outDir, 'report.md'),
    svg: join(outDir, 'scaling.svg'),
    analysisJson: join(outDir, SCALING_ANALYSIS_FILE),
    analysisMarkdown: join(outDir, 'analysis.md'),
  };
  const report = await buildScalingReport(outDir, input);
  await writeFile(files.svg, report.svg);
  await writeFile(files.analysisJson, JSON.stringify(input.analyses, null, 2) + '\n');
  await writeFile(files.analysisMarkdown, formatAnalysisMarkdown(input.analyses, input.source));
  await writeFile(
    join(outDir, SCALING_META_FILE),
    JSON.stringify({ kind: 'apprentice-scaling', version: VERSION, source: input.source, title: input.title ?? null, configuration: input.configuration ?? null }, null, 2) + '\n',
  );
  await writeFile(files.html, report.html);
  await writeFile(files.markdown, report.markdown);
  return files;
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new InputError(`cannot read: ${(error as Error).message}`, { file });
  }
}

/** The report input back from a scaling folder: analysis.json, scaling.json and (scale run) evaluations.json. */
export function readScalingFolder(dir: string): ScalingReportInput {
  const root = resolve(dir);
  const analyses = readJson<TaskAnalysis[]>(join(root, SCALING_ANALYSIS_FILE));
  if (!Array.isArray(analyses)) throw new InputError(`not a scaling folder (no ${SCALING_ANALYSIS_FILE} with a list of analyses)`, { file: root });
  const meta = readJson<{ version?: string; source?: string; title?: string | null; configuration?: unknown }>(join(root, SCALING_META_FILE));
  const run = readJson<{ models?: unknown; evaluations?: ScaleEvaluation[]; notes?: string[] }>(join(root, 'evaluations.json'));
  const scores = join(root, 'scores.csv');
  return {
    analyses,
    source: meta?.source ?? (existsSync(scores) ? scores : join(root, SCALING_ANALYSIS_FILE)),
    ...(meta?.title ? { title: meta.title } : run ? { title: 'Scaling run' } : {}),
    ...(run?.evaluations ? { evaluations: run.evaluations } : {}),
    ...(run?.notes ? { notes: run.notes } : {}),
    ...(meta?.configuration ?? run?.models ? { configuration: meta?.configuration ?? { models: run?.models } } : {}),
    writtenBy: meta?.version ?? '? (no scaling.json)',
  };
}

/** `apprentice report <scaling dir>`: report.html, report.md and scaling.svg again, from the files on disk. */
export async function rewriteScalingReport(dir: string, options: ReportOptions & { outDir?: string } = {}): Promise<WrittenReportFiles> {
  const root = resolve(dir);
  const report = await buildScalingReport(root, readScalingFolder(root), options);
  const out = resolve(options.outDir ?? root);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'scaling.svg'), report.svg);
  return writeReportFiles(out, report);
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
