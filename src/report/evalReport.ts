/**
 * The report of one or more evaluation runs: results with 95% CIs (table and chart), smooth
 * metrics, paired comparisons of every run against the first, and per run its configuration,
 * totals and every example. Rendered as one self-contained HTML page and a Markdown summary
 * whose links point into the HTML page.
 */
import { resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { estimateBarsSpec, renderChartSvg } from './charts.js';
import { compareAgainst, comparisonTable, disagreementsHtml, type RunRef } from './comparison.js';
import { exampleStatus, STATUS_LABEL } from '../eval/records.js';
import { exampleAnchor, examplesSectionHtml, exampleViewFromRecord } from './examples.js';
import type { EvalRun } from './evalRun.js';
import { loadEvalRunsStreamed } from './evalRun.js';
import { formatEstimate, formatInt, formatUsd } from './format.js';
import { anchorId, html } from './html.js';
import { escapeMarkdown, markdownLink, truncate } from './markdown.js';
import { chartFigure, factsHtml, jsonDetails, renderPage, type PageSection } from './page.js';
import { REPORT_HTML, writeReportFiles, type ReportOptions, type WrittenReportFiles } from './reportFiles.js';
import { estimateCell, tableHtml, tableMarkdown, type Table } from './table.js';
import { relativePath, relativeSpec, relativizePaths } from './relativePaths.js';

export interface EvalReportOptions extends ReportOptions {
  /** Examples listed per run in the Markdown summary (the HTML has them all). Default 50. */
  markdownExamples?: number;
  /** The folder the report is written in: paths are shown relative to it. Default: the current folder. */
  baseDir?: string;
}

/** Records kept per run for the drill-down (writeEvalReport). Default REPORT_RECORDS_KEPT. */
export interface EvalReportReadOptions {
  keepRecords?: number;
}

export interface EvalReport {
  html: string;
  markdown: string;
}

/** Anchor scope of run i (1-based in ids, as in the tables). */
function runKey(i: number): string {
  return `run${i + 1}`;
}

function runAnchor(i: number): string {
  return anchorId(runKey(i));
}

function resultsTable(runs: readonly EvalRun[]): Table<[EvalRun, number]> {
  return {
    id: 'results-table',
    rows: runs.map((run, i): [EvalRun, number] => [run, i]),
    columns: [
      { header: 'run', cell: ([run, i]) => ({ text: `${i + 1}. ${run.label}`, href: `#${runAnchor(i)}` }) },
      { header: 'task', cell: ([run]) => `${run.task} (${run.split})` },
      { header: 'accuracy [95% CI]', align: 'right', cell: ([run]) => estimateCell(run.summary.accuracy, run.summary.ci95) },
      { header: 'correct / scored', align: 'right', cell: ([run]) => `${run.summary.correct} / ${run.summary.scored}` },
      { header: 'invalid', align: 'right', cell: ([run]) => run.summary.invalid },
      { header: 'errors', align: 'right', cell: ([run]) => run.summary.errors },
      { header: 'not run', align: 'right', cell: ([run]) => run.summary.missing },
      {
        header: 'tokens (prompt + completion)',
        align: 'right',
        cell: ([run]) => `${formatInt(run.summary.usage.promptTokens)} + ${formatInt(run.summary.usage.completionTokens)}`,
      },
      { header: 'cost', align: 'right', cell: ([run]) => formatUsd(run.summary.usage.costUsd) },
      { header: 'cost / correct', align: 'right', cell: ([run]) => formatUsd(run.summary.costPerCorrectUsd) },
    ],
  };
}

function metricsTable(runs: readonly EvalRun[]): Table<string> | undefined {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.summary.metrics)))].sort();
  if (!names.length) return undefined;
  return {
    id: 'metrics-table',
    rows: names,
    columns: [
      { header: 'metric', cell: (name) => name },
      ...runs.map((run, i) => ({
        header: `${i + 1}. ${run.label}`,
        align: 'right' as const,
        cell: (name: string) => {
          const metric = run.summary.metrics[name];
          return metric
            ? { ...estimateCell(metric.mean, metric.ci95, 'decimal'), text: `${formatEstimate(metric.mean, metric.ci95, 'decimal')} (n=${metric.n})` }
            : null;
        },
      })),
    ],
  };
}

function runFacts(run: EvalRun, baseDir: string): Array<[string, string]> {
  const s = run.summary;
  const identity = run.config.identity ?? {};
  const errorKinds = Object.entries(s.errorsByKind)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  return [
    ['folder', relativePath(run.dir, baseDir)],
    ['dataset', `${relativeSpec(String(identity.dataset ?? '?'), baseDir)} (split ${run.split})`],
    [
      'model',
      run.model ? relativeSpec(run.model, baseDir) : identity.predictions ? `predictions file ${relativeSpec(String(identity.predictions), baseDir)}` : '—',
    ],
    [
      'prompt',
      `${identity.style ?? '?'}${identity.shots ? `, ${identity.shots} demonstrations` : ''}${identity.scoring ? `, scoring ${identity.scoring}` : ''}`,
    ],
    ['examples', `${s.n} (scored ${s.scored}, invalid ${s.invalid}, errors ${s.errors}${errorKinds ? ` [${errorKinds}]` : ''}, not run ${s.missing})`],
    ['accuracy', `${formatEstimate(s.accuracy, s.ci95)} (${s.correct}/${s.scored})`],
    ['tokens', `${formatInt(s.usage.promptTokens)} prompt + ${formatInt(s.usage.completionTokens)} completion`],
    ['cost', `${formatUsd(s.usage.costUsd)} (${formatUsd(s.costPerExampleUsd)} per scored example, ${formatUsd(s.costPerCorrectUsd)} per correct answer)`],
    ['cache', `${s.cachedCalls} of ${s.n - s.missing} examples answered from the cache`],
    [
      'latency',
      s.latencyMs.mean === null
        ? '—'
        : `mean ${Math.round(s.latencyMs.mean)} ms, p50 ${Math.round(s.latencyMs.p50 ?? 0)} ms, p95 ${Math.round(s.latencyMs.p95 ?? 0)} ms`,
    ],
    ['seed', String(identity.seed ?? '—')],
    ['written by', `apprentice ${run.config.version ?? '?'}`],
  ];
}

/** Tokens and dollars over all runs, when there are several. */
function totalsLine(runs: readonly EvalRun[]): string | undefined {
  if (runs.length < 2) return undefined;
  const sum = (pick: (run: EvalRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  return (
    `Total over ${runs.length} runs: ${formatInt(sum((run) => run.summary.usage.promptTokens))} prompt + ` +
    `${formatInt(sum((run) => run.summary.usage.completionTokens))} completion tokens, ${formatUsd(sum((run) => run.summary.usage.costUsd))}.`
  );
}

function titleOf(runs: readonly EvalRun[], options: EvalReportOptions): string {
  if (options.title) return options.title;
  const tasks = [...new Set(runs.map((run) => `${run.task} (${run.split})`))];
  return tasks.length === 1 ? `Evaluation report: ${tasks[0]}` : `Evaluation report: ${runs.length} runs`;
}

export async function buildEvalReport(runs: readonly EvalRun[], options: EvalReportOptions = {}): Promise<EvalReport> {
  if (!runs.length) throw new InputError('a report needs at least one run folder');
  const title = titleOf(runs, options);
  const baseDir = resolve(options.baseDir ?? '.');
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();
  const generator = `apprentice ${VERSION}`;
  const htmlHref = options.htmlHref ?? REPORT_HTML;
  const [baseline, ...others] = runs;
  const comparisons = await compareAgainst(baseline!, others, options.seed ?? 0);
  const ref = (run: EvalRun): RunRef => {
    const i = runs.indexOf(run);
    return { text: `${i + 1}. ${run.label}`, href: `#${runAnchor(i)}`, scope: runKey(i) };
  };

  const scoredRuns = runs.filter((run) => run.summary.accuracy !== null);
  const chart = scoredRuns.length
    ? await renderChartSvg(
        estimateBarsSpec(
          scoredRuns.map((run) => ({ label: `${runs.indexOf(run) + 1}. ${run.label}`, value: run.summary.accuracy!, ci95: run.summary.ci95 })),
          { valueTitle: 'accuracy (95% Wilson CI)' },
        ),
      )
    : undefined;

  const results = resultsTable(runs);
  const metrics = metricsTable(runs);
  const totals = totalsLine(runs);
  const sections: PageSection[] = [
    {
      id: 'results',
      title: 'Results',
      body: html`${tableHtml(results)}
${totals ? html`<p>${totals}</p>` : ''}
${chart ? chartFigure(chart, 'Accuracy over scored examples; whiskers are 95% Wilson confidence intervals. Invalid answers count as wrong; failed calls are not scored.') : html`<p class="muted">no run has a scored example yet</p>`}`,
    },
  ];
  if (metrics) sections.push({ id: 'metrics', title: 'Metrics', body: tableHtml(metrics) });
  if (comparisons.length) {
    sections.push({
      id: 'comparison',
      title: 'Paired comparison',
      body: html`<p>Each run against run 1 on the examples both scored: paired bootstrap of the accuracy difference and McNemar's test.</p>
${tableHtml(comparisonTable(comparisons, ref))}
${disagreementsHtml(comparisons, ref, (run) => `run ${runs.indexOf(run) + 1}`)}`,
    });
  }
  runs.forEach((run, i) => {
    sections.push({
      id: runAnchor(i),
      title: `${i + 1}. ${run.label}`,
      body: html`${factsHtml(runFacts(run, baseDir))}
${jsonDetails('resolved configuration (config.json)', relativizePaths(shownConfig(run.config), baseDir))}
<h3>Examples</h3>
${partialNote(run)}
${run.records.length ? examplesSectionHtml(run.records.map(exampleViewFromRecord), runKey(i)) : html`<p class="muted">no records yet</p>`}`,
    });
  });

  const page = renderPage({
    title,
    subtitle: `${runs.length} run${runs.length === 1 ? '' : 's'} · generated ${generatedAt} by ${generator}`,
    sections,
    generator,
  });

  // ---- Markdown summary ----
  const md: string[] = [
    `# ${escapeMarkdown(title)}`,
    '',
    `Generated ${generatedAt} by ${generator}. Every example, the charts and the full configuration: ${markdownLink(htmlHref, htmlHref)}.`,
    '',
    '## Results',
    '',
    tableMarkdown(results, { linkBase: htmlHref }),
    ...(totals ? ['', escapeMarkdown(totals)] : []),
    '',
    'Accuracy is over scored examples with a 95% Wilson confidence interval; invalid answers count as wrong, failed calls are counted as errors and not scored.',
  ];
  if (metrics) md.push('', '## Metrics', '', tableMarkdown(metrics, { linkBase: htmlHref }));
  if (comparisons.length) md.push('', '## Paired comparison', '', tableMarkdown(comparisonTable(comparisons, ref), { linkBase: htmlHref }));
  const limit = options.markdownExamples ?? 50;
  runs.forEach((run, i) => {
    md.push('', `## ${escapeMarkdown(`${i + 1}. ${run.label}`)}`, '');
    for (const [key, value] of runFacts(run, baseDir)) md.push(`- **${escapeMarkdown(key)}**: ${escapeMarkdown(value)}`);
    const notCorrect = run.records.filter((record) => exampleStatus(record) !== 'correct');
    // A run read as a stream holds only its first records; the count of the rest comes from the summary.
    const notCorrectTotal = run.recordsTotal === undefined ? notCorrect.length : run.recordsTotal - run.summary.correct;
    if (!notCorrect.length) return;
    const shown = notCorrect.slice(0, limit);
    md.push(
      '',
      `### Examples not answered correctly (${shown.length < notCorrectTotal ? `first ${shown.length} of ` : ''}${notCorrectTotal})`,
      '',
      tableMarkdown(
        {
          rows: shown,
          columns: [
            { header: '#', align: 'right', cell: (r) => ({ text: String(r.index), href: `#${exampleAnchor(runKey(i), r.index)}` }) },
            { header: 'result', cell: (r) => STATUS_LABEL[exampleStatus(r)] },
            { header: 'gold', cell: (r) => truncate(r.gold, 40) },
            { header: 'extracted', cell: (r) => (r.extracted === null ? null : truncate(r.extracted, 40)) },
            { header: 'output', cell: (r) => (r.error ? `${r.error.kind}: ${truncate(r.error.message, 60)}` : truncate(r.output ?? '', 80)) },
          ],
        },
        { linkBase: htmlHref },
      ),
    );
  });
  md.push('');
  return { html: page, markdown: md.join('\n') };
}

export interface WrittenReport extends WrittenReportFiles {
  runs: EvalRun[];
}

/** Example indices listed in full up to this many; a longer list (a million for a run of a million) is summarised. */
const SHOWN_EXAMPLE_INDICES = 100;

function shownConfig(config: EvalRun['config']): Record<string, unknown> {
  const examples = config.identity?.examples;
  if (!Array.isArray(examples) || examples.length <= SHOWN_EXAMPLE_INDICES) return config;
  return { ...config, identity: { ...config.identity, examples: `${formatInt(examples.length)} example indices (listed in config.json)` } };
}

/** When a run was read as a stream and holds only its first records, says so above its examples. */
function partialNote(run: EvalRun) {
  if (run.recordsTotal === undefined || run.recordsTotal <= run.records.length) return '';
  return html`<p class="muted">The first ${formatInt(run.records.length)} of ${formatInt(run.recordsTotal)} examples (by index); every record is in records.jsonl, and the tables above count them all.</p>`;
}

/**
 * Reads the run folders as streams (the summary from every record, the first `keepRecords` records of each kept
 * for the drill-down) and writes report.html and report.md into `outDir` (default: the first run's folder).
 */
export async function writeEvalReport(
  dirs: readonly string[],
  options: EvalReportOptions & EvalReportReadOptions & { outDir?: string } = {},
): Promise<WrittenReport> {
  if (!dirs.length) throw new InputError('a report needs at least one run folder');
  const runs = await loadEvalRunsStreamed(dirs, options.keepRecords === undefined ? {} : { keep: options.keepRecords });
  const outDir = options.outDir ?? runs[0]!.dir;
  const written = writeReportFiles(outDir, await buildEvalReport(runs, { ...options, baseDir: resolve(outDir) }));
  return { ...written, runs };
}
