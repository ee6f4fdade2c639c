/**
 * The report of a distillation experiment: accuracy with 95% CIs per method × fraction, the
 * teacher's own accuracy, the data-efficiency plot (accuracy vs fraction, one line per method, CI
 * bands), the generic-ability trade-off when measured, and a verdict in words computed from the
 * numbers — whichever way they come out. Writes report.html (self-contained), report.md,
 * data-efficiency.svg and results.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChartSvg, seriesLinesSpec, type SeriesPoint } from '../report/charts.js';
import { formatEstimate, formatPercent } from '../report/format.js';
import { html, joinHtml } from '../report/html.js';
import { escapeMarkdown } from '../report/markdown.js';
import { chartFigure, jsonDetails, renderPage, type PageSection } from '../report/page.js';
import { estimateCell, tableHtml, tableMarkdown, type Table } from '../report/table.js';
import { VERSION } from '../version.js';
import { METHOD_LABELS, type CellResult, type SweepPoint } from './sweep.js';

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
}

export interface WrittenSweepReport {
  html: string;
  markdown: string;
  svg: string;
  results: string;
  verdict: string[];
}

const label = (method: string) => METHOD_LABELS[method] ?? (method.startsWith('cot-') ? `CoT specialization (${method.slice(4)})` : method);

/** Sentences that say what the numbers show; no claim beyond them. */
export function verdictOf(points: readonly SweepPoint[], teacher: readonly TeacherAccuracy[], cells: readonly CellResult[] = []): string[] {
  const lines: string[] = [];
  for (const cell of cells.filter((c) => c.skipped)) {
    lines.push(`${label(cell.method)} at fraction ${cell.fraction} (seed ${cell.seed}) was not trained: ${cell.skipped}.`);
  }
  const fractions = [...new Set(points.map((p) => p.fraction))].sort((a, b) => a - b);
  const sbs = points.filter((p) => p.method === 'step-by-step');
  const others = [...new Set(points.map((p) => p.method))].filter((m) => m !== 'step-by-step');
  let wins = 0;
  let clearWins = 0;
  let clearLosses = 0;
  for (const fraction of fractions) {
    const here = points.filter((p) => p.fraction === fraction);
    if (here.length === 0) continue;
    const best = here.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    lines.push(`At fraction ${fraction} (${Math.round(best.inputs)} training inputs for the best), ${label(best.method)} is highest with ${formatEstimate(best.accuracy, best.ci95)}.`);
    const s = sbs.find((p) => p.fraction === fraction);
    if (!s || here.length < 2) continue;
    const rivals = here.filter((p) => p.method !== 'step-by-step');
    if (rivals.every((p) => s.accuracy > p.accuracy)) wins++;
    if (rivals.length && rivals.every((p) => s.ci95[0] > p.ci95[1])) clearWins++;
    if (rivals.some((p) => s.ci95[1] < p.ci95[0])) clearLosses++;
  }
  if (sbs.length && others.length) {
    const n = sbs.length;
    if (clearWins === n) lines.push(`Distilling step-by-step beats ${others.map(label).join(' and ')} at every fraction, with non-overlapping 95% CIs.`);
    else if (wins === n) lines.push(`Distilling step-by-step has the highest point estimate at every fraction, but the 95% CIs overlap at ${n - clearWins} of ${n}: the advantage is not established at this scale.`);
    else if (clearLosses > 0) lines.push(`Distilling step-by-step does not beat the other methods here: it is clearly below another method (non-overlapping CIs) at ${clearLosses} of ${n} fractions.`);
    else lines.push(`Distilling step-by-step does not beat the other methods here: it is highest at ${wins} of ${n} fractions, and the 95% CIs overlap — no method is clearly better at this scale.`);
  }
  for (const t of teacher) {
    if (t.accuracy !== null) lines.push(`The teacher: ${t.label}, ${formatEstimate(t.accuracy, t.ci95)} (n = ${t.n}).`);
  }
  return lines;
}

export async function writeSweepReport(out: string, input: SweepReportInput): Promise<WrittenSweepReport> {
  const verdict = verdictOf(input.points, input.teacher, input.cells);
  const ordered = [...input.points].sort((a, b) => a.method.localeCompare(b.method) || a.fraction - b.fraction);
  const chartPoints: SeriesPoint[] = ordered.map((p) => ({ series: label(p.method), x: p.fraction, y: p.accuracy, ci95: p.ci95 }));
  const fractions = [...new Set(input.points.map((p) => p.fraction))].sort((a, b) => a - b);
  const testTeacher = input.teacher.find((t) => t.accuracy !== null);
  if (testTeacher && testTeacher.accuracy !== null) {
    for (const fraction of fractions) chartPoints.push({ series: `teacher (${testTeacher.label})`, x: fraction, y: testTeacher.accuracy });
  }
  const svg = await renderChartSvg(
    seriesLinesSpec(chartPoints, { xTitle: 'fraction of the training data', yTitle: 'test accuracy', format: 'percent', width: 520, height: 300 }),
  );

  const resultsTable: Table<SweepPoint> = {
    caption: `Test accuracy (n = ${input.testSize}) with 95% bootstrap CIs; several seeds are pooled per example.`,
    columns: [
      { header: 'method', cell: (p) => label(p.method) },
      { header: 'fraction', align: 'right', cell: (p) => String(p.fraction) },
      { header: 'training inputs', align: 'right', cell: (p) => String(Math.round(p.inputs)) },
      { header: 'seeds', align: 'right', cell: (p) => String(p.seeds.length) },
      { header: 'accuracy [95% CI]', align: 'right', cell: (p) => estimateCell(p.accuracy, p.ci95) },
      { header: 'per seed', align: 'right', cell: (p) => p.perSeed.map((a) => formatPercent(a)).join(', ') },
    ],
    rows: ordered,
  };
  const teacherTable: Table<TeacherAccuracy> = {
    columns: [
      { header: 'teacher', cell: (t) => t.label },
      { header: 'n', align: 'right', cell: (t) => String(t.n) },
      { header: 'accuracy [95% CI]', align: 'right', cell: (t) => estimateCell(t.accuracy, t.ci95) },
    ],
    rows: input.teacher,
  };
  const cellTable: Table<CellResult> = {
    columns: [
      { header: 'method', cell: (c) => label(c.method) },
      { header: 'fraction', align: 'right', cell: (c) => String(c.fraction) },
      { header: 'seed', align: 'right', cell: (c) => String(c.seed) },
      { header: 'inputs / rows', align: 'right', cell: (c) => `${c.inputs} / ${c.rows}` },
      { header: 'parameters', align: 'right', cell: (c) => c.training.parameters.toLocaleString('en-US') },
      { header: 'best step', align: 'right', cell: (c) => `${c.training.bestStep} / ${c.training.steps}` },
      { header: 'validation loss', align: 'right', cell: (c) => (c.training.validationLoss === null ? '—' : c.training.validationLoss.toFixed(3)) },
      { header: 'accuracy [95% CI]', align: 'right', cell: (c) => (c.skipped ? `not trained: ${c.skipped}` : estimateCell(c.accuracy, c.ci95)) },
      { header: 'invalid', align: 'right', cell: (c) => String(c.invalid) },
      { header: 'train s', align: 'right', cell: (c) => c.training.trainSeconds.toFixed(0) },
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

  const sections: PageSection[] = [
    { id: 'summary', title: 'What the numbers show', body: html`<ul>${verdict.map((line) => html`<li>${line}</li>`)}</ul>` },
    {
      id: 'results',
      title: 'Results',
      body: joinHtml([
        tableHtml(resultsTable),
        tableHtml(teacherTable),
        chartFigure(svg, 'Data efficiency: test accuracy against the share of the training data, one line per method, shaded 95% CI; the teacher for reference.'),
      ]),
    },
    ...(genericTable ? [{ id: 'generic', title: 'Generic ability: before and after specialization', body: tableHtml(genericTable) }] : []),
    { id: 'students', title: 'Every student', body: tableHtml(cellTable) },
    { id: 'settings', title: 'Settings', body: jsonDetails('settings', input.settings, true) },
  ];
  const subtitle = `${input.dataset} · Apprentice ${VERSION}${input.wallSeconds !== undefined ? ` · this invocation ${input.wallSeconds.toFixed(0)} s (finished stages are kept, not redone)` : ''}`;
  const page = renderPage({ title: input.title, subtitle, sections, generator: `Apprentice ${VERSION}` });

  const markdown = [
    `# ${escapeMarkdown(input.title)}`,
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
    tableMarkdown(cellTable),
    '',
    'Full details, the plot and the settings: [report.html](report.html); every student\'s data, checkpoint and test answers: `cells/`.',
    '',
  ].join('\n');

  const paths = { html: join(out, 'report.html'), markdown: join(out, 'report.md'), svg: join(out, 'data-efficiency.svg'), results: join(out, 'results.json') };
  writeFileSync(paths.html, page);
  writeFileSync(paths.markdown, markdown);
  writeFileSync(paths.svg, svg);
  const results = {
    kind: 'apprentice-distill-results',
    version: VERSION,
    title: input.title,
    dataset: input.dataset,
    teacherName: input.teacherName,
    teacher: input.teacher,
    testSize: input.testSize,
    points: input.points,
    cells: input.cells.map(({ correctFlags: _flags, ...cell }) => cell),
    generic: input.generic ?? null,
    verdict,
    settings: input.settings,
    ...(input.wallSeconds !== undefined ? { wallSeconds: input.wallSeconds } : {}),
    report: paths,
  };
  writeFileSync(paths.results, JSON.stringify(results, null, 2) + '\n');
  return { ...paths, verdict };
}
