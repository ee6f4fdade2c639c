/**
 * The results contract of a distillation sweep (`distill run`, `quickstart`): results.json at the sweep's root
 * (kind DISTILL_RESULTS_KIND), and per student a cell folder cells/<method>/f<fraction>-s<seed>/ with cell.json
 * (what identifies it), result.json (written last: the cell is finished) and test.jsonl (its answers, one
 * example record each, appended as they land). The sweep writes through it; the report and the dashboard read
 * through it, checked before use.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from '../util/zod.js';
import { readRecordsLeniently, type RawRecord } from '../eval/runResult.js';
import type { ExampleRecord } from '../eval/records.js';
import type { ResultContract } from '../runs/resultContract.js';
import { checkFile, parseChecked, type Checked } from '../util/checkedJson.js';
import { VERSION } from '../version.js';
import { redactSecrets } from '../util/redact.js';
import type { BuildReport } from './builders.js';
import type { ChanceLevel } from './chance.js';
import type { MethodComparison } from './comparisons.js';
import type { CellSelection } from './heldOutSelection.js';
import type { SweepMethod } from './methods.js';

export const DISTILL_RESULTS_FILE = 'results.json';
export const DISTILL_RESULTS_KIND = 'apprentice-distill-results';
/** In a cell folder: what identifies the cell, its finished result, its test answers. */
export const CELL_FILE = 'cell.json';
export const CELL_RESULT_FILE = 'result.json';
export const CELL_ANSWERS_FILE = 'test.jsonl';
/** The report files a sweep's folder gets (written by report/sweepReport.ts). */
export const SWEEP_REPORT_FILES = { html: 'report.html', markdown: 'report.md', svg: 'data-efficiency.svg' } as const;

/** The teacher's accuracy on one set, with its interval. */
export interface TeacherAccuracy {
  /** What was measured, e.g. "teacher on test" or "teacher labels on the train pool". */
  label: string;
  n: number;
  accuracy: number | null;
  ci95: [number, number] | null;
}

/** One model's accuracy on each generic-ability evaluation set, before or after specialisation. */
export interface GenericRow {
  /** The model, e.g. "generalist (...)" before, "the same generalist, specialised on ..." after. */
  model: string;
  role: 'before' | 'after';
  /** Accuracy per evaluation set name (the in-task test first). */
  scores: Record<string, { n: number; accuracy: number; ci95: [number, number] }>;
}

/** How much general ability a student kept: generic evaluation sets scored before and after specialisation. */
export interface GenericSection {
  /** Names of the evaluation sets, in-task first. */
  sets: { name: string; dataset: string; inTask: boolean }[];
  rows: GenericRow[];
  note: string;
}

/** One trained student of a sweep: method, data fraction and seed, with its validation and test scores. */
export interface CellResult {
  method: SweepMethod;
  fraction: number;
  seed: number;
  dir: string;
  /** Inputs the student's data came from, and its rows. */
  inputs: number;
  rows: number;
  build: BuildReport;
  n: number;
  correct: number;
  accuracy: number;
  ci95: [number, number];
  invalid: number;
  training: {
    parameters: number;
    steps: number;
    bestStep: number;
    validationLoss: number | null;
    trainSeconds: number;
    tokensPerSecond: number;
    validationLossByTask: Record<string, number>;
    /** CPU seconds of the process while training (all threads); absent in results of earlier versions. */
    cpuSeconds?: number;
  };
  evalSeconds: number;
  /** CPU seconds of the process while answering the test (and, with held-out selection, choosing the checkpoint); absent in results of earlier versions. */
  evalCpuSeconds?: number;
  /** How the tested checkpoint was chosen; absent in results of earlier versions (validation loss). */
  selection?: CellSelection;
  /** Why no student was trained (no usable training rows); such a cell has no accuracy and is left out of the points. */
  skipped?: string;
  /** Per test example, in test order: 1 correct, 0 not (for pooled CIs over seeds). */
  correctFlags: number[];
}

/** One method at one data fraction, averaged over seeds. */
export interface SweepPoint {
  method: SweepMethod;
  fraction: number;
  /** Mean training inputs over seeds. */
  inputs: number;
  seeds: number[];
  /** Mean accuracy over seeds. */
  accuracy: number;
  /** 95% bootstrap interval over seeds and test examples together (seedExampleBootstrap). */
  ci95: [number, number];
  perSeed: number[];
  /** How its students' checkpoints were chosen (CellSelection.on); absent in results of earlier versions. */
  selectedOn?: string;
}

/** A cell as results.json and the cell's result.json hold it (its per-example flags are in test.jsonl). */
export type StoredCellResult = Omit<CellResult, 'correctFlags'>;

export interface SweepResults {
  kind: typeof DISTILL_RESULTS_KIND;
  /** The version that ran the sweep. */
  version: string;
  title: string;
  dataset: string;
  teacherName: string;
  teacher: TeacherAccuracy[];
  testSize: number;
  points: SweepPoint[];
  /** The constant-answer baseline chosen on train; absent in results written before it existed. */
  chance?: ChanceLevel | null;
  /** Each method against its baseline, paired bootstrap over seeds and examples. */
  comparisons?: MethodComparison[];
  cells: StoredCellResult[];
  generic: GenericSection | null;
  verdict: string[];
  settings: Record<string, unknown>;
  wallSeconds?: number;
  /** Folders of the teacher's calls, absolute. */
  teacherDirs?: string[];
  report: Record<string, string>;
}

// NaN (a cell not trained) is written to JSON as null.
const num = z.number().nullable();
const ci = z.tuple([num, num]).nullable();
const cellSchema = z.object({
  method: z.string(),
  fraction: z.number(),
  seed: z.number(),
  inputs: z.number(),
  rows: z.number(),
  n: z.number(),
  correct: z.number(),
  accuracy: num,
  ci95: ci,
  invalid: z.number(),
  training: z.object({
    parameters: z.number(),
    steps: z.number(),
    bestStep: z.number(),
    validationLoss: num,
    trainSeconds: z.number(),
    tokensPerSecond: z.number(),
    cpuSeconds: z.number().optional(),
  }),
  evalSeconds: z.number(),
  evalCpuSeconds: z.number().optional(),
  selection: z.object({ on: z.string(), step: z.number(), checkpoint: z.string(), tasks: z.array(z.string()).optional() }).optional(),
  skipped: z.string().optional(),
});
const estimate = z.object({ n: z.number(), accuracy: num, ci95: ci });
const resultsSchema = z.object({
  kind: z.literal(DISTILL_RESULTS_KIND),
  title: z.string(),
  dataset: z.string(),
  teacherName: z.string(),
  teacher: z.array(z.object({ label: z.string(), n: z.number(), accuracy: num, ci95: ci })),
  testSize: z.number(),
  points: z.array(
    z.object({ method: z.string(), fraction: z.number(), inputs: z.number(), seeds: z.array(z.number()), accuracy: num, ci95: ci, perSeed: z.array(num) }),
  ),
  chance: z.object({ answer: z.string(), accuracy: z.number(), chosenOn: z.number(), n: z.number() }).nullable().optional(),
  comparisons: z
    .array(
      z.object({
        method: z.string(),
        baseline: z.string(),
        fraction: z.number(),
        seeds: z.array(z.number()),
        n: z.number(),
        difference: z.number(),
        ci95: z.tuple([z.number(), z.number()]),
        pValue: z.number(),
        verdict: z.enum(['better', 'worse', 'unclear', 'one seed']),
      }),
    )
    .optional(),
  cells: z.array(cellSchema),
  generic: z
    .object({
      sets: z.array(z.object({ name: z.string(), dataset: z.string(), inTask: z.boolean() })),
      rows: z.array(z.object({ model: z.string(), role: z.string(), scores: z.record(z.string(), estimate) })),
      note: z.string(),
    })
    .nullable(),
  verdict: z.array(z.string()),
  settings: z.record(z.string(), z.unknown()),
});

export function parseSweepResults(text: string): Checked<SweepResults> {
  return parseChecked(resultsSchema, text);
}

/** A cell folder's result.json, checked. */
export function checkCellResult(cell: string): Checked<StoredCellResult> {
  return checkFile(cellSchema, join(cell, CELL_RESULT_FILE), 'a cell result');
}

/** How a checkpoint was chosen, for tables: "validation loss", "accuracy on held-out tasks (two steps, three steps)". */
export function selectedOnLabel(selection: Pick<CellSelection, 'on' | 'tasks'>): string {
  return selection.tasks ? `${selection.on} (${selection.tasks.join(', ')})` : selection.on;
}

export function cellDir(out: string, method: string, fraction: number, seed: number): string {
  return join(out, 'cells', method, `f${fraction}-s${seed}`);
}

/** The sweep folder of a cell folder (cells/<method>/f<fraction>-s<seed>). */
export function sweepDirOfCell(cell: string): string {
  return resolve(cell, '..', '..', '..');
}

/** A student's test answers, as written and as example records; null when it has none (not trained, or moved). */
export function readCellAnswers(cell: string): { raw: RawRecord[]; records: ExampleRecord[] } | null {
  const file = join(cell, CELL_ANSWERS_FILE);
  if (!existsSync(file)) return null;
  // Answers of an earlier version carry no `valid`: one with no extracted answer is invalid (and wrong).
  return readRecordsLeniently(file, (raw) => (raw.valid === undefined ? { ...raw, valid: raw.extracted !== null && raw.extracted !== undefined } : raw));
}

/** Where the teacher's calls are: the annotations (distill run: --annotations; quickstart: annotations/) and the quickstart teacher's own test answers. */
export function teacherDirsOf(root: string, settings: Record<string, unknown>): string[] {
  return [typeof settings.annotations === 'string' ? resolve(settings.annotations) : join(root, 'annotations'), join(root, 'teacher-test')];
}

export type SweepResultsInput = Omit<SweepResults, 'kind' | 'version' | 'cells' | 'generic' | 'report'> & {
  cells: readonly CellResult[];
  generic?: GenericSection | null;
};

/** results.json of a finished sweep (the cells without their per-example flags); returns its path. */
export function writeSweepResults(out: string, input: SweepResultsInput): string {
  const file = join(out, DISTILL_RESULTS_FILE);
  const { cells, generic, teacherDirs, ...rest } = input;
  const results: SweepResults = {
    kind: DISTILL_RESULTS_KIND,
    version: VERSION,
    ...rest,
    cells: cells.map(({ correctFlags: _flags, ...cell }) => cell),
    generic: generic ?? null,
    // An --annotations folder given relative to where the sweep ran, resolved now so a later `apprentice report` finds it.
    ...(typeof input.settings.annotations === 'string' ? { teacherDirs: teacherDirs ?? teacherDirsOf(out, input.settings) } : {}),
    report: { ...Object.fromEntries(Object.entries(SWEEP_REPORT_FILES).map(([key, name]) => [key, join(out, name)])), results: file },
  };
  writeFileSync(file, redactSecrets(JSON.stringify(results, null, 2)) + '\n');
  return file;
}

function detect(dir: string): { unfinished: null } | null {
  const checked = checkFile<{ kind?: unknown }>(z.object({ kind: z.literal(DISTILL_RESULTS_KIND) }), join(dir, DISTILL_RESULTS_FILE), 'a sweep');
  return checked.ok ? { unfinished: null } : null;
}

export const DISTILL_SWEEP: ResultContract<'distill', SweepResults> = {
  kind: 'distill',
  label: 'distillation sweep',
  expected: `${DISTILL_RESULTS_FILE} from \`apprentice distill run\` or \`apprentice quickstart\``,
  detect,
  check: (dir) => checkFile(resultsSchema, join(dir, DISTILL_RESULTS_FILE), 'the results of a distillation sweep'),
};
