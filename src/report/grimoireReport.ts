/**
 * The report of a `grimoire eval` root folder: per method the accuracy with its 95% CI (table and
 * chart), what was chosen on validation (best single grimoire, ranker) and the check that no test
 * example was among the validation ones, how often each grimoire was routed to, every method
 * against the weak model's zero-shot baseline (paired test), per-example drill-down with the
 * grimoire used, cost and token totals, the resolved configuration and the versions. Everything is
 * read from the files the command wrote (no model call).
 */
import { basename, resolve } from 'node:path';
import type { ExampleRecord } from '../eval/records.js';
import { GRIMOIRE_EVAL, methodLabel, type GrimoireEvalConfig, type GrimoireEvalResult, type MethodResult } from '../grimoire/evalResult.js';
import { validationHeadline } from '../grimoire/headline.js';
import { readResult } from '../runs/resultContract.js';
import { VERSION } from '../version.js';
import { estimateBarsSpec, renderChartSvg } from './charts.js';
import { compareAgainst, comparisonTable, disagreementsHtml, type RunRef } from './comparison.js';
import { loadEvalRun, type EvalRun } from './evalRun.js';
import { examplesSectionHtml, exampleViewFromRecord, type ExampleView } from './examples.js';
import { formatEstimate, formatInt, formatPercent, formatUsd } from './format.js';
import { html } from './html.js';
import { escapeMarkdown, markdownLink } from './markdown.js';
import { chartFigure, factsHtml, jsonDetails, renderPage, type PageSection } from './page.js';
import { writeReportFiles, type ReportOptions, type WrittenReportFiles } from './reportFiles.js';
import { estimateCell, tableHtml, tableMarkdown, type Table } from './table.js';
import { usageTotals, type UsageTotals } from './totals.js';

interface MethodEntry {
  row: MethodResult;
  run: EvalRun;
  /** Section anchor and example scope. */
  key: string;
  name: string;
}

export interface GrimoireEvalReportInput {
  dir: string;
  config: GrimoireEvalConfig;
  result: GrimoireEvalResult;
  methods: MethodEntry[];
  /** Answers on validation per grimoire (used to choose the best single and train the ranker). */
  validationRuns: EvalRun[];
}

/** The root read through its contract, with every method's and validation grimoire's run. */
export function loadGrimoireEval(dir: string): GrimoireEvalReportInput {
  const folder = readResult(GRIMOIRE_EVAL, resolve(dir));
  const seed = folder.config.identity?.seed ?? 0;
  return {
    dir: folder.dir,
    config: folder.config,
    result: folder.result,
    methods: folder.methods.map((m, i) => ({ row: m.row, run: loadEvalRun(m.dir, { seed }), key: `m${i + 1}`, name: methodLabel(m.row) })),
    validationRuns: folder.validation.flatMap((v) => (v.dir ? [loadEvalRun(v.dir, { seed })] : [])),
  };
}

function resultsTable(methods: readonly MethodEntry[]): Table<MethodEntry> {
  return {
    id: 'results-table',
    rows: methods,
    columns: [
      { header: 'method', cell: (m) => ({ text: m.name, href: `#${m.key}` }) },
      { header: 'accuracy [95% CI]', align: 'right', cell: (m) => estimateCell(m.row.accuracy, m.row.ci95) },
      { header: 'correct / scored', align: 'right', cell: (m) => `${m.row.correct} / ${m.row.scored}` },
      { header: 'invalid', align: 'right', cell: (m) => m.row.invalid },
      { header: 'cut (run-on)', align: 'right', cell: (m) => m.row.cutOutputs },
      { header: 'errors', align: 'right', cell: (m) => m.row.errors },
      {
        header: 'tokens (prompt + completion)',
        align: 'right',
        cell: (m) => `${formatInt(m.run.summary.usage.promptTokens)} + ${formatInt(m.run.summary.usage.completionTokens)}`,
      },
      { header: 'cost', align: 'right', cell: (m) => formatUsd(m.row.costUsd) },
      { header: '$ / correct', align: 'right', cell: (m) => formatUsd(m.row.costPerCorrectUsd) },
      { header: 'examples', cell: (m) => ({ text: 'every answer', href: `#${m.key}-answers` }) },
    ],
  };
}

function validationTable(folder: GrimoireEvalReportInput): Table<{ id: string; accuracy: number | null; scored: number; cutOutputs?: number }> | undefined {
  const validation = folder.result.validation;
  if (!validation) return undefined;
  const best = folder.result.bestSingle?.grimoire;
  return {
    id: 'validation-table',
    caption: `Accuracy of each grimoire on the ${validation.n} validation examples (source: ${validation.source}).`,
    rows: validation.grimoires,
    columns: [
      { header: 'grimoire', cell: (g) => (g.id === best ? `${g.id} (chosen)` : g.id) },
      { header: 'validation accuracy', align: 'right', cell: (g) => formatPercent(g.accuracy) },
      { header: 'scored', align: 'right', cell: (g) => g.scored },
      { header: 'cut (run-on)', align: 'right', cell: (g) => g.cutOutputs },
    ],
  };
}

/** Test examples that were also validation examples: must be none. */
function testValidationOverlap(folder: GrimoireEvalReportInput): { checked: number; overlap: number } | undefined {
  const validation = folder.config.identity?.validation;
  if (!validation) return undefined;
  const ids = new Set(validation);
  const testIds = new Set(folder.methods.flatMap((m) => m.run.records.map((record) => record.id)));
  return { checked: testIds.size, overlap: [...testIds].filter((id) => ids.has(id)).length };
}

function selectionLines(folder: GrimoireEvalReportInput): string[] {
  const { result } = folder;
  const lines: string[] = [];
  if (result.validation) {
    lines.push(
      `Validation: ${result.validation.n} examples (${result.validation.source === 'manifest' ? 'held out of train by the grimoire build, before sampling' : result.validation.source === 'dataset' ? "the dataset's validation split" : 'a seeded stratified hold-out of train'}). Only these were used to choose the best single grimoire and to train the ranker; the ${result.split} split was not.`,
    );
    const overlap = testValidationOverlap(folder);
    if (overlap) lines.push(`Checked: ${overlap.overlap} of the ${overlap.checked} evaluated ${result.split} examples are among the validation examples.`);
  } else {
    lines.push('No method needed validation (no best single grimoire, no ranker).');
  }
  if (result.bestSingle)
    lines.push(`Best single grimoire on validation: ${result.bestSingle.grimoire} (${formatPercent(result.bestSingle.validationAccuracy)}).`);
  if (result.ranker) {
    const v = result.ranker.validation;
    lines.push(
      `Ranker: trained on ${v.fitQuestions} validation questions, checked on ${v.checkQuestions} held-back ones, where it routes to ${formatPercent(v.checkRoutedAccuracy)} ` +
        `vs ${formatPercent(v.checkBestSingleAccuracy)} for the best single grimoire on the fit part (${v.bestSingleOnFit}); mode ${v.mode}` +
        (v.mode === 'prior' ? ' (it routed worse than one grimoire there, so it ranks grimoires by validation accuracy)' : '') +
        `. Saved as ${basename(result.ranker.file)}.`,
    );
  }
  const selection = result.methods.find((m) => m.selectionCostUsd !== undefined)?.selectionCostUsd;
  if (selection !== undefined) lines.push(`Answering validation with every grimoire cost ${formatUsd(selection)}.`);
  return lines;
}

/** The headline: the method validation chose and its test accuracy; the other rows are descriptive. */
function headlineLine(folder: GrimoireEvalReportInput): string {
  const { result } = folder;
  const headline = validationHeadline(result);
  const others = `The other ${result.methods.length - (headline ? 1 : 0)} rows are descriptive: the highest of them on ${result.split} was picked on ${result.split} and overstates what to expect.`;
  if (!headline) return `Headline: none. No method was chosen on validation (neither best-single nor the ranker was evaluated). ${others}`;
  const m = headline.method;
  return (
    `Headline, chosen on validation: ${methodLabel(m)}, ${formatEstimate(m.accuracy, m.ci95)} on ${result.split} (${m.correct}/${m.scored}). ` +
    `Validation chose it: ${headline.why}; the ${result.split} split played no part in the choice. ${others}`
  );
}

interface RoutingRow {
  method: string;
  grimoire: string;
  count: number;
  share: number;
  accuracy: number | null;
}

function routingRows(methods: readonly MethodEntry[]): RoutingRow[] {
  return methods
    .filter((m) => m.row.chosen)
    .flatMap((m) => {
      const total = Object.values(m.row.chosen!).reduce((a, b) => a + b, 0);
      return Object.entries(m.row.chosen!)
        .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
        .map(([grimoire, count]) => {
          const scored = m.run.records.filter((r) => grimoireOf(r, m.row) === grimoire && !r.error && r.correct !== null);
          return {
            method: m.name,
            grimoire,
            count,
            share: total ? count / total : 0,
            accuracy: scored.length ? scored.filter((r) => r.correct).length / scored.length : null,
          };
        });
    });
}

function routingTable(rows: readonly RoutingRow[]): Table<RoutingRow> {
  return {
    id: 'routing-table',
    rows,
    columns: [
      { header: 'method', cell: (r) => r.method },
      { header: 'grimoire', cell: (r) => r.grimoire },
      { header: 'questions routed', align: 'right', cell: (r) => `${r.count} (${formatPercent(r.share)})` },
      { header: 'accuracy on them', align: 'right', cell: (r) => formatPercent(r.accuracy) },
    ],
  };
}

function grimoireOf(record: ExampleRecord & { grimoire?: string }, row: MethodResult): string | undefined {
  return record.grimoire ?? row.grimoire;
}

function exampleViews(m: MethodEntry): ExampleView[] {
  return m.run.records.map((record) => {
    const view = exampleViewFromRecord(record);
    const grimoire = grimoireOf(record, m.row);
    const context = grimoire
      ? { label: 'grimoire used', value: grimoire }
      : m.row.demos
        ? { label: 'demonstrations', value: `${m.row.demos} (few-shot)` }
        : { label: 'context', value: 'none (zero-shot)' };
    return { ...view, fields: [context, ...(view.fields ?? [])] };
  });
}

function totalsOf(folder: GrimoireEvalReportInput): { test: UsageTotals; validation: UsageTotals; all: UsageTotals } {
  const test = usageTotals(folder.methods.map((m) => m.run.summary.usage));
  const validation = usageTotals(folder.validationRuns.map((run) => run.summary.usage));
  return { test, validation, all: usageTotals([test, validation]) };
}

function totalsLine(label: string, totals: UsageTotals): string {
  return `${label}: ${formatInt(totals.promptTokens)} prompt + ${formatInt(totals.completionTokens)} completion tokens, ${formatUsd(totals.costUsd)}`;
}

export async function buildGrimoireReport(folder: GrimoireEvalReportInput, options: ReportOptions = {}): Promise<{ html: string; markdown: string }> {
  const { result } = folder;
  const title = options.title ?? `Grimoire evaluation: ${result.task} (${result.split}, ${result.n} examples), weak model ${result.weak}`;
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();
  const generator = `apprentice ${VERSION}`;
  const writtenBy = `apprentice ${folder.config.version ?? '?'}`;
  const htmlHref = options.htmlHref ?? 'report.html';

  const scored = folder.methods.filter((m) => m.row.accuracy !== null);
  const chart = scored.length
    ? await renderChartSvg(
        estimateBarsSpec(
          scored.map((m) => ({ label: m.name, value: m.row.accuracy!, ci95: m.row.ci95 })),
          { valueTitle: `${result.split} accuracy (95% Wilson CI)` },
        ),
      )
    : undefined;

  const baseline = folder.methods.find((m) => m.row.method === 'zero-shot');
  const ref = (run: EvalRun): RunRef => {
    const m = folder.methods.find((entry) => entry.run === run)!;
    return { text: m.name, href: `#${m.key}`, scope: m.key };
  };
  const comparisons = baseline
    ? await compareAgainst(
        baseline.run,
        folder.methods.filter((m) => m !== baseline).map((m) => m.run),
        options.seed ?? 0,
      )
    : [];
  const totals = totalsOf(folder);
  const totalLines = [
    totalsLine(`Evaluated methods on ${result.split}`, totals.test),
    ...(folder.validationRuns.length ? [totalsLine('Validation answers (choosing and training)', totals.validation), totalsLine('Total', totals.all)] : []),
  ];
  const results = resultsTable(folder.methods);
  const validation = validationTable(folder);
  const routing = routingRows(folder.methods);
  const selection = selectionLines(folder);
  const headline = headlineLine(folder);

  const sections: PageSection[] = [
    {
      id: 'results',
      title: 'Results',
      body: html`<p id="headline"><strong>${headline}</strong></p>
${tableHtml(results)}
<ul>${totalLines.map((line) => html`<li>${line}</li>`)}</ul>
${chart ? chartFigure(chart, 'Accuracy per method; whiskers are 95% Wilson confidence intervals. Invalid answers count as wrong; failed calls are not scored.') : html`<p class="muted">no method has a scored example</p>`}`,
    },
    {
      id: 'selection',
      title: 'Chosen on validation',
      body: html`<ul>${selection.map((line) => html`<li>${line}</li>`)}</ul>${validation ? tableHtml(validation) : ''}`,
    },
  ];
  if (routing.length) {
    sections.push({
      id: 'routing',
      title: 'Routing',
      body: html`<p>How often each grimoire was chosen per question, and the accuracy on those questions.</p>${tableHtml(routingTable(routing))}`,
    });
  }
  sections.push({
    id: 'comparison',
    title: 'Against the zero-shot baseline',
    body: baseline
      ? html`<p>Every method against the weak model's zero-shot answers on the examples both scored: paired bootstrap of the accuracy difference and McNemar's test.</p>
${tableHtml(comparisonTable(comparisons, ref))}
${disagreementsHtml(comparisons, ref, (run) => ref(run).text)}`
      : html`<p class="muted">zero-shot was not among the evaluated methods, so there is no baseline to compare with.</p>`,
  });
  folder.methods.forEach((m) => {
    const s = m.run.summary;
    sections.push({
      id: m.key,
      title: m.name,
      body: html`${factsHtml([
        ['folder', m.run.dir],
        ['accuracy', `${formatEstimate(m.row.accuracy, m.row.ci95)} (${m.row.correct}/${m.row.scored})`],
        ['examples', `${s.n} (scored ${s.scored}, invalid ${s.invalid}, cut (run-on) ${s.cutOutputs ?? '—'}, errors ${s.errors}, not run ${s.missing})`],
        ['tokens', `${formatInt(s.usage.promptTokens)} prompt + ${formatInt(s.usage.completionTokens)} completion`],
        ['cost', `${formatUsd(m.row.costUsd)} (${formatUsd(m.row.costPerQuestionUsd)} per question, ${formatUsd(m.row.costPerCorrectUsd)} per correct answer)`],
        ['written by', `apprentice ${m.run.config.version ?? '?'}`],
      ])}
${jsonDetails('run identity (config.json)', m.run.config)}
<h3 id="${m.key}-answers">Examples</h3>
${m.run.records.length ? examplesSectionHtml(exampleViews(m), m.key) : html`<p class="muted">no records</p>`}`,
    });
  });
  sections.push({
    id: 'configuration',
    title: 'Configuration',
    body: html`${factsHtml([
      ['folder', folder.dir],
      ['task', `${result.task} (split ${result.split}, ${result.n} examples)`],
      ['weak model', result.weak],
      ['grimoire set', result.grimoireSet],
      ['written by', writtenBy],
      ['report by', generator],
    ])}
${jsonDetails('resolved configuration (config.json)', folder.config, true)}`,
  });

  const page = renderPage({ title, subtitle: `written by ${writtenBy} · report generated ${generatedAt} by ${generator}`, sections, generator });

  const md: string[] = [
    `# ${escapeMarkdown(title)}`,
    '',
    `Written by ${escapeMarkdown(writtenBy)}; report generated ${generatedAt} by ${escapeMarkdown(generator)}. Every example, the chart and the full configuration: ${markdownLink(htmlHref, htmlHref)}.`,
    '',
    '## Results',
    '',
    `**${escapeMarkdown(headline)}**`,
    '',
    tableMarkdown(results, { linkBase: htmlHref }),
    '',
    ...totalLines.map((line) => `- ${escapeMarkdown(line)}`),
    '',
    'Accuracy is over scored examples with a 95% Wilson confidence interval; invalid answers count as wrong, failed calls are not scored.',
    '',
    '## Chosen on validation',
    '',
    ...selection.map((line) => `- ${escapeMarkdown(line)}`),
    ...(validation ? ['', tableMarkdown(validation)] : []),
  ];
  if (routing.length) md.push('', '## Routing', '', tableMarkdown(routingTable(routing)));
  if (baseline) md.push('', '## Against the zero-shot baseline', '', tableMarkdown(comparisonTable(comparisons, ref), { linkBase: htmlHref }));
  md.push(
    '',
    '## Configuration',
    '',
    `- **folder**: ${escapeMarkdown(folder.dir)}`,
    `- **grimoire set**: ${escapeMarkdown(result.grimoireSet)}`,
    `- **written by**: ${escapeMarkdown(writtenBy)}`,
    `- **resolved configuration**: ${markdownLink('configuration in the HTML report', `${htmlHref}#configuration`)}`,
    '',
  );
  return { html: page, markdown: md.join('\n') };
}

/** Reads a grimoire eval root and writes report.html and report.md (default: into it). */
export async function writeGrimoireReport(dir: string, options: ReportOptions & { outDir?: string } = {}): Promise<WrittenReportFiles> {
  const folder = loadGrimoireEval(dir);
  return writeReportFiles(options.outDir ?? folder.dir, await buildGrimoireReport(folder, options));
}
