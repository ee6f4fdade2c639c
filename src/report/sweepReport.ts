/**
 * The report of a distillation sweep, rendered from its results contract (distill/sweepResults.ts): accuracy
 * with 95% CIs per method × fraction (bootstrap over seeds and examples; a single student's interval is Wilson's),
 * each method against its baseline and the chance level (in the verdict), whether each result is above chance,
 * the teacher's own accuracy, the data-efficiency plot (accuracy vs
 * fraction, one line per method, CI bands), the generic-ability trade-off when measured, the sweep's verdict in
 * words, every student's test answers, the teacher's token and dollar totals, the settings and the versions:
 * report.html (self-contained), report.md and data-efficiency.svg, written after `distill run` and `quickstart`
 * and again by `apprentice report <dir>`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cellDir,
  readCellAnswers,
  selectedOnLabel,
  SWEEP_REPORT_FILES,
  teacherDirsOf,
  DISTILL_SWEEP,
  type GenericRow,
  type StoredCellResult,
  type SweepPoint,
  type SweepResults,
  type TeacherAccuracy,
} from '../distill/sweepResults.js';
import { chanceLabel } from '../distill/chance.js';
import { aboveChance } from '../distill/findings.js';
import { methodLabel } from '../distill/methods.js';
import type { ExampleRecord } from '../eval/records.js';
import { readResult } from '../runs/resultContract.js';
import { readRecords, RECORDS_FILE } from '../runs/runDir.js';
import { isObject } from '../util/isObject.js';
import { VERSION } from '../version.js';
import { renderChartSvg, seriesLinesSpec, type SeriesPoint } from './charts.js';
import { examplesSectionHtml, exampleViewFromRecord, type ExampleView } from './examples.js';
import { formatEstimate, formatInt, formatPercent, formatUsd } from './format.js';
import { anchorId, html, joinHtml } from './html.js';
import { escapeMarkdown, markdownLink } from './markdown.js';
import { chartFigure, factsHtml, jsonDetails, renderPage, type PageSection } from './page.js';
import { writeReportWithChart, type ReportOptions, type WrittenChartReport } from './reportFiles.js';
import { estimateCell, tableHtml, tableMarkdown, type Table } from './table.js';
import { usageTotals, type UsageTotals } from './totals.js';

/** Anchor scope of a cell's answers. */
export function cellScope(cell: Pick<StoredCellResult, 'method' | 'fraction' | 'seed'>): string {
  return anchorId('cell', cell.method, `f${cell.fraction}`, `s${cell.seed}`);
}

function cellName(cell: Pick<StoredCellResult, 'method' | 'fraction' | 'seed'>): string {
  return `${methodLabel(cell.method)}, fraction ${cell.fraction}, seed ${cell.seed}`;
}

/** A student's test answers (cells/<method>/f<fraction>-s<seed>/test.jsonl) as drill-down views. */
function cellAnswerViews(root: string, cell: StoredCellResult): ExampleView[] | null {
  const answers = cell.skipped ? null : readCellAnswers(cellDir(root, cell.method, cell.fraction, cell.seed));
  if (!answers) return null;
  return answers.records.map((record, i) => {
    const view = exampleViewFromRecord(record);
    if (isObject(answers.raw[i]!.usage)) return view;
    // Answers of an earlier version recorded no tokens, cost, latency or id.
    return { ...view, id: undefined, latencyMs: undefined, promptTokens: null, completionTokens: null };
  });
}

export interface TeacherUsage extends UsageTotals {
  dirs: string[];
  calls: number;
  cached: number;
}

/** Tokens and dollars of the teacher's calls, summed over the split folders of the given folders. */
export function teacherUsage(dirs: readonly string[]): TeacherUsage | null {
  const found = dirs.filter((dir) => existsSync(dir));
  const records = found.flatMap((dir) =>
    readdirSafe(dir).flatMap((split) => {
      const file = join(dir, split, RECORDS_FILE);
      return existsSync(file) ? [...readRecords<ExampleRecord>(file).values()] : [];
    }),
  );
  if (!records.length) return null;
  const totals = usageTotals(records.map((r) => ({ ...r.usage, costUsd: r.costUsd })));
  return { dirs: found, ...totals, calls: records.length, cached: records.filter((r) => r.cached).length };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function costLines(input: SweepResults, teacher: TeacherUsage | null): string[] {
  const trained = input.cells.filter((c) => !c.skipped);
  const seconds = (pick: (c: StoredCellResult) => number) => trained.reduce((sum, c) => sum + pick(c), 0);
  return [
    teacher
      ? `Teacher calls (${teacher.dirs.join(', ')}): ${formatInt(teacher.calls)} examples (${formatInt(teacher.cached)} from the cache), ${formatInt(teacher.promptTokens)} prompt + ${formatInt(teacher.completionTokens)} completion tokens, ${formatUsd(teacher.costUsd)}.`
      : 'Teacher calls: no annotation records found for this sweep, so no token or dollar totals.',
    `Students: ${trained.length} trained and evaluated locally by the built-in engine (no API calls, $0): ${seconds((c) => c.training.trainSeconds).toFixed(0)} s training, ${seconds((c) => c.evalSeconds).toFixed(0)} s evaluation.`,
  ];
}

export interface SweepReportPages {
  html: string;
  markdown: string;
  svg: string;
}

/** The report of the sweep whose cells live under `root`, rendered from its results and the cells' answers. */
export async function buildSweepReport(root: string, input: SweepResults, options: ReportOptions = {}): Promise<SweepReportPages> {
  const title = options.title ?? input.title;
  const htmlHref = options.htmlHref ?? 'report.html';
  const verdict = input.verdict;
  const ordered = [...input.points].sort((a, b) => a.method.localeCompare(b.method) || a.fraction - b.fraction);
  const chartPoints: SeriesPoint[] = ordered.map((p) => ({ series: methodLabel(p.method), x: p.fraction, y: p.accuracy, ci95: p.ci95 }));
  const fractions = [...new Set(input.points.map((p) => p.fraction))].sort((a, b) => a - b);
  const testTeacher = input.teacher.find((t) => t.accuracy !== null);
  if (testTeacher && testTeacher.accuracy !== null) {
    for (const fraction of fractions) chartPoints.push({ series: `teacher (${testTeacher.label})`, x: fraction, y: testTeacher.accuracy });
  }
  const chance = input.chance ?? null;
  if (chance) {
    for (const fraction of fractions) chartPoints.push({ series: chanceLabel(chance), x: fraction, y: chance.accuracy });
  }
  const svg = await renderChartSvg(
    seriesLinesSpec(chartPoints, { xTitle: 'fraction of the training data', yTitle: 'test accuracy', format: 'percent', width: 520, height: 300 }),
  );
  const answers = new Map(input.cells.map((cell) => [cell, cellAnswerViews(root, cell)]));
  const teacher = teacherUsage(input.teacherDirs ?? teacherDirsOf(root, input.settings));
  const costs = costLines(input, teacher);
  const writtenBy = `Apprentice ${input.version ?? '?'}`;
  const generator = `Apprentice ${VERSION}`;

  const resultsTable: Table<SweepPoint> = {
    caption:
      `Test accuracy (n = ${input.testSize}) with 95% bootstrap CIs over seeds and test examples together` +
      (chance ? `; chance (always "${chance.answer}", chosen on train) is ${formatPercent(chance.accuracy)}.` : '.'),
    columns: [
      { header: 'method', cell: (p) => methodLabel(p.method) },
      { header: 'fraction', align: 'right', cell: (p) => String(p.fraction) },
      { header: 'training inputs', align: 'right', cell: (p) => String(Math.round(p.inputs)) },
      { header: 'seeds', align: 'right', cell: (p) => String(p.seeds.length) },
      { header: 'accuracy [95% bootstrap CI]', align: 'right', cell: (p) => estimateCell(p.accuracy, p.ci95) },
      { header: 'per seed', align: 'right', cell: (p) => p.perSeed.map((a) => formatPercent(a)).join(', ') },
      { header: 'checkpoint selected on', cell: (p) => p.selectedOn ?? 'validation loss' },
      ...(chance
        ? [
            {
              header: `above chance (${formatPercent(chance.accuracy)})?`,
              cell: (p: SweepPoint) => (aboveChance(p, chance) === false ? 'no: not above chance' : 'yes'),
            },
          ]
        : []),
    ],
    rows: ordered,
  };
  const teacherTable: Table<TeacherAccuracy> = {
    columns: [
      { header: 'teacher', cell: (t) => t.label },
      { header: 'n', align: 'right', cell: (t) => String(t.n) },
      { header: 'accuracy [95% Wilson CI]', align: 'right', cell: (t) => estimateCell(t.accuracy, t.ci95) },
    ],
    rows: input.teacher,
  };
  const cellTable: Table<StoredCellResult> = {
    id: 'students-table',
    columns: [
      { header: 'method', cell: (c) => methodLabel(c.method) },
      { header: 'fraction', align: 'right', cell: (c) => String(c.fraction) },
      { header: 'seed', align: 'right', cell: (c) => String(c.seed) },
      { header: 'inputs / rows', align: 'right', cell: (c) => `${c.inputs} / ${c.rows}` },
      { header: 'parameters', align: 'right', cell: (c) => c.training.parameters.toLocaleString('en-US') },
      { header: 'selected step', align: 'right', cell: (c) => `${c.selection?.step ?? c.training.bestStep} / ${c.training.steps}` },
      { header: 'selected on', cell: (c) => (c.selection ? selectedOnLabel(c.selection) : 'validation loss') },
      { header: 'validation loss', align: 'right', cell: (c) => (c.training.validationLoss === null ? '—' : c.training.validationLoss.toFixed(3)) },
      { header: 'accuracy [95% Wilson CI]', align: 'right', cell: (c) => (c.skipped ? `not trained: ${c.skipped}` : estimateCell(c.accuracy, c.ci95)) },
      { header: 'invalid', align: 'right', cell: (c) => String(c.invalid) },
      { header: 'train s', align: 'right', cell: (c) => c.training.trainSeconds.toFixed(0) },
      { header: 'answers', cell: (c) => (answers.get(c) ? { text: `${c.n} test answers`, href: `#${cellScope(c)}` } : null) },
    ],
    rows: input.cells,
  };
  const genericTable: Table<GenericRow> | undefined = input.generic
    ? {
        caption: input.generic.note,
        columns: [
          { header: 'model', cell: (r) => r.model },
          { header: 'specialization', cell: (r) => (r.role === 'before' ? 'before' : 'after') },
          ...input.generic.sets.map((set) => ({
            header: set.name,
            align: 'right' as const,
            cell: (r: GenericRow) => (r.scores[set.name] ? estimateCell(r.scores[set.name]!.accuracy, r.scores[set.name]!.ci95) : '—'),
          })),
        ],
        rows: input.generic.rows,
      }
    : undefined;
  const answerBlocks = input.cells
    .filter((cell) => answers.get(cell))
    .map(
      (
        cell,
      ) => html`<details id="${cellScope(cell)}"><summary>${cellName(cell)}: ${formatEstimate(cell.accuracy, cell.ci95)} (${cell.correct}/${cell.n})</summary>
${examplesSectionHtml(answers.get(cell)!, cellScope(cell))}</details>`,
    );

  const sections: PageSection[] = [
    { id: 'summary', title: 'What the numbers show', body: html`<ul>${verdict.map((line) => html`<li>${line}</li>`)}</ul>` },
    {
      id: 'results',
      title: 'Results',
      body: joinHtml([
        tableHtml(resultsTable),
        tableHtml(teacherTable),
        chartFigure(
          svg,
          'Data efficiency: test accuracy against the share of the training data, one line per method, shaded 95% bootstrap CI over seeds and examples; the teacher and the chance level for reference.',
        ),
      ]),
    },
    ...(genericTable ? [{ id: 'generic', title: 'Generic ability: before and after specialization', body: tableHtml(genericTable) }] : []),
    { id: 'students', title: 'Every student', body: tableHtml(cellTable) },
    {
      id: 'answers',
      title: 'Every test answer',
      body: answerBlocks.length
        ? html`<p>Each student's answers to the test examples (<code>cells/&lt;method&gt;/f&lt;fraction&gt;-s&lt;seed&gt;/test.jsonl</code>).</p>${answerBlocks}`
        : html`<p class="muted">no student answers found under ${root}</p>`,
    },
    { id: 'cost', title: 'Cost and tokens', body: html`<ul>${costs.map((line) => html`<li>${line}</li>`)}</ul>` },
    {
      id: 'settings',
      title: 'Settings',
      body: html`${factsHtml([
        ['folder', root],
        ['teacher', input.teacherName],
        ['written by', writtenBy],
        ['report by', generator],
      ])}${jsonDetails('settings (resolved configuration)', input.settings, true)}`,
    },
  ];
  const subtitle = `${input.dataset} · written by ${writtenBy}${input.wallSeconds !== undefined ? ` · that invocation ${input.wallSeconds.toFixed(0)} s (finished stages are kept, not redone)` : ''} · report by ${generator}`;
  const page = renderPage({ title, subtitle, sections, generator });

  const markdown = [
    `# ${escapeMarkdown(title)}`,
    '',
    escapeMarkdown(subtitle),
    '',
    '## What the numbers show',
    '',
    ...verdict.map((line) => `- ${escapeMarkdown(line)}`),
    '',
    '## Results',
    '',
    tableMarkdown(resultsTable),
    '',
    tableMarkdown(teacherTable),
    '',
    '![Data efficiency: test accuracy vs fraction of the training data, one line per method](data-efficiency.svg)',
    '',
    ...(genericTable ? ['## Generic ability: before and after specialization', '', tableMarkdown(genericTable), ''] : []),
    '## Every student',
    '',
    tableMarkdown(cellTable, { linkBase: htmlHref }),
    '',
    '## Cost and tokens',
    '',
    ...costs.map((line) => `- ${escapeMarkdown(line)}`),
    '',
    `Every test answer, the plot and the settings: ${markdownLink(htmlHref, htmlHref)}; every student's data, checkpoint and test answers: \`cells/\`.`,
    '',
  ].join('\n');
  return { html: page, markdown, svg };
}

/** report.html, report.md and data-efficiency.svg of a sweep folder (default: into it), from the files on disk. */
export async function writeSweepReport(dir: string, options: ReportOptions & { outDir?: string } = {}): Promise<WrittenChartReport> {
  const root = resolve(dir);
  const report = await buildSweepReport(root, readResult(DISTILL_SWEEP, root), options);
  return writeReportWithChart(options.outDir ?? root, report, SWEEP_REPORT_FILES.svg);
}
