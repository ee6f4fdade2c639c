/**
 * The report of a distillation experiment: accuracy with 95% CIs per method × fraction (bootstrap over seeds and
 * examples; a single student's interval is Wilson's), each method against its baseline, the chance level, the
 * teacher's own accuracy, the data-efficiency plot (accuracy vs fraction, one line per method, CI
 * bands), the generic-ability trade-off when measured, a verdict in words computed from the
 * numbers — whichever way they come out —, every student's test answers, the teacher's token and
 * dollar totals, the settings and the versions. The pipelines write report.html (self-contained),
 * report.md, data-efficiency.svg and results.json; `apprentice report <dir>` renders the same
 * report again from results.json and the cells' test.jsonl.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExampleRecord } from '../eval/records.js';
import { readRecords, RECORDS_FILE } from '../runs/runDir.js';
import { renderChartSvg, seriesLinesSpec, type SeriesPoint } from '../report/charts.js';
import { examplesSectionHtml, type ExampleView } from '../report/examples.js';
import { formatEstimate, formatInt, formatPercent, formatUsd } from '../report/format.js';
import { anchorId, html, joinHtml } from '../report/html.js';
import { escapeMarkdown, markdownLink } from '../report/markdown.js';
import { chartFigure, factsHtml, jsonDetails, renderPage, type PageSection } from '../report/page.js';
import { writeReportFiles, type ReportOptions, type WrittenReportFiles } from '../report/reportFiles.js';
import { estimateCell, tableHtml, tableMarkdown, type Table } from '../report/table.js';
import { usageTotals, type UsageTotals } from '../report/totals.js';
import { VERSION } from '../version.js';
import { chanceLabel, type ChanceLevel } from './chance.js';
import { methodComparisons, type MethodComparison } from './comparisons.js';
import { aboveChance, findings } from './findings.js';
import { cellDir, methodLabel, type CellResult, type SweepPoint, type TestRecord } from './sweep.js';
import { DISTILL_RESULTS_FILE, DISTILL_RESULTS_KIND, readSweepResults, type SweepResults } from './sweepResults.js';

export interface TeacherAccuracy {
  /** What was measured, e.g. "teacher on test" or "teacher labels on the train pool". */
  label: string;
  n: number;
  accuracy: number | null;
  ci95: [number, number] | null;
}

export interface GenericRow {
  /** The model, e.g. "generalist (...)" before, "the same generalist, specialised on ..." after. */
  model: string;
  role: 'before' | 'after';
  /** Accuracy per evaluation set name (the in-task test first). */
  scores: Record<string, { n: number; accuracy: number; ci95: [number, number] }>;
}

export interface GenericSection {
  /** Names of the evaluation sets, in-task first. */
  sets: { name: string; dataset: string; inTask: boolean }[];
  rows: GenericRow[];
  note: string;
}

export interface SweepReportInput {
  title: string;
  dataset: string;
  teacherName: string;
  teacher: TeacherAccuracy[];
  points: SweepPoint[];
  cells: CellResult[];
  testSize: number;
  settings: Record<string, unknown>;
  generic?: GenericSection;
  wallSeconds?: number;
  /** The version that ran the sweep (default: this one). */
  writtenBy?: string;
  /** Folders of the teacher's calls (default: the settings' annotations, else <root>/annotations and <root>/teacher-test). */
  teacherDirs?: string[];
  /** The constant-answer baseline chosen on train (chance.ts). */
  chance?: ChanceLevel | null;
  /** Each method against its baseline (default: computed from the cells' answers). */
  comparisons?: MethodComparison[];
}

export interface WrittenSweepReport {
  html: string;
  markdown: string;
  svg: string;
  results: string;
  verdict: string[];
}

/**
 * Sentences that say what the numbers show; no claim beyond them. First each method against its own baseline
 * (paired bootstrap over seeds and examples) and the chance level, then the best method per fraction.
 */
export function verdictOf(
  points: readonly SweepPoint[],
  teacher: readonly TeacherAccuracy[],
  cells: readonly CellResult[] = [],
  context: { comparisons?: MethodComparison[]; chance?: ChanceLevel | null } = {},
): string[] {
  const lines: string[] = findings(context.comparisons ?? methodComparisons(cells), points, context.chance);
  for (const cell of cells.filter((c) => c.skipped)) {
    lines.push(`${methodLabel(cell.method)} at fraction ${cell.fraction} (seed ${cell.seed}) was not trained: ${cell.skipped}.`);
  }
  const fractions = [...new Set(points.map((p) => p.fraction))].sort((a, b) => a - b);
  for (const fraction of fractions) {
    const here = points.filter((p) => p.fraction === fraction);
    if (here.length === 0) continue;
    const best = here.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    lines.push(`At fraction ${fraction} (${Math.round(best.inputs)} training inputs for the best), ${methodLabel(best.method)} has the highest point estimate, ${formatEstimate(best.accuracy, best.ci95)}.`);
  }
  for (const t of teacher) {
    if (t.accuracy !== null) lines.push(`The teacher: ${t.label}, ${formatEstimate(t.accuracy, t.ci95)} (n = ${t.n}).`);
  }
  return lines;
}

/** Anchor scope of a cell's answers. */
export function cellScope(cell: Pick<CellResult, 'method' | 'fraction' | 'seed'>): string {
  return anchorId('cell', cell.method, `f${cell.fraction}`, `s${cell.seed}`);
}

function cellName(cell: Pick<CellResult, 'method' | 'fraction' | 'seed'>): string {
  return `${methodLabel(cell.method)}, fraction ${cell.fraction}, seed ${cell.seed}`;
}

/** A student's test answers (cells/<method>/f<fraction>-s<seed>/test.jsonl) as drill-down views. */
function readCellAnswers(root: string, cell: CellResult): ExampleView[] | null {
  const file = join(cellDir(root, cell.method, cell.fraction, cell.seed), 'test.jsonl');
  if (cell.skipped || !existsSync(file)) return null;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const r = JSON.parse(line) as TestRecord;
      return {
        index: r.index,
        status: r.correct ? 'correct' : r.extracted === null ? 'invalid' : 'wrong',
        prompt: r.prompt,
        output: r.output,
        extracted: r.extracted,
        gold: r.gold,
        costUsd: 0,
        promptTokens: null,
        completionTokens: null,
        fields: r.invalidReason ? [{ label: 'why invalid', value: r.invalidReason }] : [],
      };
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

/** Where the teacher's calls are: the annotations (distill run: --annotations; quickstart: annotations/) and the quickstart teacher's own test answers. */
function teacherDirs(root: string, settings: Record<string, unknown>): string[] {
  return [typeof settings.annotations === 'string' ? resolve(settings.annotations) : join(root, 'annotations'), join(root, 'teacher-test')];
}

function costLines(input: SweepReportInput, teacher: TeacherUsage | null): string[] {
  const trained = input.cells.filter((c) => !c.skipped);
  const seconds = (pick: (c: CellResult) => number) => trained.reduce((sum, c) => sum + pick(c), 0);
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
  verdict: string[];
}

/** The report of the sweep whose cells live under `root`, rendered from the input alone and the cells' answers. */
export async function buildSweepReport(root: string, input: SweepReportInput, options: ReportOptions = {}): Promise<SweepReportPages> {
  const title = options.title ?? input.title;
  const htmlHref = options.htmlHref ?? 'report.html';
  const comparisons = input.comparisons ?? methodComparisons(input.cells);
  const verdict = verdictOf(input.points, input.teacher, input.cells, { comparisons, chance: input.chance ?? null });
  const ordered = [...input.points].sort((a, b) => a.method.localeCompare(b.method) || a.fraction - b.fraction);
  const chartPoints: SeriesPoint[] = ordered.map((p) => ({ series: methodLabel(p.method), x: p.fraction, y: p.accuracy, ci95: p.ci95 }));
  const fractions = [...new Set(input.points.map((p) => p.fraction))].sort((a, b) => a - b);
  const testTeacher = input.teacher.find((t) => t.accuracy !== null);
  if (testTeacher && testTeacher.accuracy !== null) {
    for (const fraction of fractions) chartPoints.push({ series: `teacher (${testTeacher.label})`, x: fraction, y: testTeacher.accuracy });
  }
  if (input.chance) {
    for (const fraction of fractions) chartPoints.push({ series: chanceLabel(input.chance), x: fraction, y: input.chance.accuracy });
  }
  const svg = await renderChartSvg(
    seriesLinesSpec(chartPoints, { xTitle: 'fraction of the training data', yTitle: 'test accuracy', format: 'percent', width: 520, height: 300 }),
  );
  const answers = new Map(input.cells.map((cell) => [cell, readCellAnswers(root, cell)]));
  const teacher = teacherUsage(input.teacherDirs ?? teacherDirs(root, input.settings));
  const costs = costLines(input, teacher);
  const writtenBy = `Apprentice ${input.writtenBy ?? VERSION}`;
  const generator = `Apprentice ${VERSION}`;

  const resultsTable: Table<SweepPoint> = {
    caption:
      `Test accuracy (n = ${input.testSize}) with 95% bootstrap CIs over seeds and test examples together` +
      (input.chance ? `; chance (always "${input.chance.answer}", chosen on train) is ${formatPercent(input.chance.accuracy)}.` : '.'),
    columns: [
      { header: 'method', cell: (p) => methodLabel(p.method) },
      { header: 'fraction', align: 'right', cell: (p) => String(p.fraction) },
      { header: 'training inputs', align: 'right', cell: (p) => String(Math.round(p.inputs)) },
      { header: 'seeds', align: 'right', cell: (p) => String(p.seeds.length) },
      { header: 'accuracy [95% bootstrap CI]', align: 'right', cell: (p) => estimateCell(p.accuracy, p.ci95) },
      { header: 'per seed', align: 'right', cell: (p) => p.perSeed.map((a) => formatPercent(a)).join(', ') },
      ...(input.chance
        ? [{ header: `above chance (${formatPercent(input.chance.accuracy)})?`, cell: (p: SweepPoint) => (aboveChance(p, input.chance) === false ? 'no: not above chance' : 'yes') }]
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
  const cellTable: Table<CellResult> = {
    id: 'students-table',
    columns: [
      { header: 'method', cell: (c) => methodLabel(c.method) },
      { header: 'fraction', align: 'right', cell: (c) => String(c.fraction) },
      { header: 'seed', align: 'right', cell: (c) => String(c.seed) },
      { header: 'inputs / rows', align: 'right', cell: (c) => `${c.inputs} / ${c.rows}` },
      { header: 'parameters', align: 'right', cell: (c) => c.training.parameters.toLocaleString('en-US') },
      { header: 'best step', align: 'right', cell: (c) => `${c.training.bestStep} / ${c.training.steps}` },
      { header: 'validation loss', align: 'right', cell: (c) => (c.training.validationLoss === null ? '—' : c.training.validationLoss.toFixed(3)) },
      { header: 'accuracy [95% Wilson CI]', align: 'right', cell: (c) => (c.skipped ? `not trained: ${c.skipped}` : estimateCell(c.accuracy, c.ci95)) },
      { header: 'invalid', align: 'right', cell: (c) => String(c.invalid) },
      { header: 'train s', align: 'right', cell: (c) => c.training.trainSeconds.toFixed(0) },
      { header: 'answers', cell: (c) => (answers.get(c) ? { text: `${c.n} test answers`, href: `#${cellScope(c)}` } : null) },
    ],
    rows: input.cells,
  };
  const genericTable: Table<GenericRow> | undefined = input.generic && {
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
  };
  const answerBlocks = input.cells
    .filter((cell) => answers.get(cell))
    .map(
      (cell) => html`<details id="${cellScope(cell)}"><summary>${cellName(cell)}: ${formatEstimate(cell.accuracy, cell.ci95)} (${cell.correct}/${cell.n})</summary>
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
        chartFigure(svg, 'Data efficiency: test accuracy against the share of the training data, one line per method, shaded 95% bootstrap CI over seeds and examples; the teacher and the chance level for reference.'),
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
  return { html: page, markdown, svg, verdict };
}

export async function writeSweepReport(out: string, input: SweepReportInput): Promise<WrittenSweepReport> {
  const report = await buildSweepReport(out, input);
  const paths = { html: join(out, 'report.html'), markdown: join(out, 'report.md'), svg: join(out, 'data-efficiency.svg'), results: join(out, DISTILL_RESULTS_FILE) };
  writeFileSync(paths.html, report.html);
  writeFileSync(paths.markdown, report.markdown);
  writeFileSync(paths.svg, report.svg);
  const results: SweepResults = {
    kind: DISTILL_RESULTS_KIND,
    version: VERSION,
    title: input.title,
    dataset: input.dataset,
    teacherName: input.teacherName,
    teacher: input.teacher,
    testSize: input.testSize,
    points: input.points,
    chance: input.chance ?? null,
    comparisons: input.comparisons ?? methodComparisons(input.cells),
    cells: input.cells.map(({ correctFlags: _flags, ...cell }) => cell),
    generic: input.generic ?? null,
    verdict: report.verdict,
    settings: input.settings,
    ...(input.wallSeconds !== undefined ? { wallSeconds: input.wallSeconds } : {}),
    // An --annotations folder given relative to where the sweep ran, resolved now so a later `apprentice report` finds it.
    ...(typeof input.settings.annotations === 'string' ? { teacherDirs: input.teacherDirs ?? teacherDirs(out, input.settings) } : {}),
    report: paths,
  };
  writeFileSync(paths.results, JSON.stringify(results, null, 2) + '\n');
  return { ...paths, verdict: report.verdict };
}

/** The report input back from a sweep folder's results.json (cells without their per-example flags). */
function reportInputOf(dir: string): SweepReportInput {
  const results = readSweepResults(join(resolve(dir), DISTILL_RESULTS_FILE));
  return {
    title: results.title,
    dataset: results.dataset,
    teacherName: results.teacherName,
    teacher: results.teacher,
    points: results.points,
    cells: results.cells.map((cell) => ({ ...cell, correctFlags: [] })),
    testSize: results.testSize,
    settings: results.settings,
    ...(results.generic ? { generic: results.generic } : {}),
    ...(results.wallSeconds !== undefined ? { wallSeconds: results.wallSeconds } : {}),
    writtenBy: results.version ?? '?',
    chance: results.chance ?? null,
    ...(results.comparisons ? { comparisons: results.comparisons as MethodComparison[] } : {}),
    ...(results.teacherDirs ? { teacherDirs: results.teacherDirs } : {}),
  };
}

/** `apprentice report <sweep dir>`: report.html, report.md and data-efficiency.svg again, from the files on disk. */
export async function rewriteSweepReport(dir: string, options: ReportOptions & { outDir?: string } = {}): Promise<WrittenReportFiles> {
  const root = resolve(dir);
  const report = await buildSweepReport(root, reportInputOf(root), options);
  const out = resolve(options.outDir ?? root);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'data-efficiency.svg'), report.svg);
  return writeReportFiles(out, report);
}
