/**
 * results.json at a distillation sweep's root (`distill run`, `quickstart`), as its readers see it:
 * the report, rendered again, and the dashboard. Written by writeSweepReport; checked here before use.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import type { CellResult, SweepPoint } from './sweep.js';
import type { GenericSection, TeacherAccuracy } from './sweepReport.js';

export const DISTILL_RESULTS_FILE = 'results.json';
export const DISTILL_RESULTS_KIND = 'apprentice-distill-results';

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
  }),
  evalSeconds: z.number(),
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

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The schema checks what readers rely on; the value keeps every field written. */
function check<T>(schema: z.ZodType, text: string): Checked<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `invalid JSON: ${(error as Error).message}` };
  }
  const checked = schema.safeParse(parsed);
  if (checked.success) return { ok: true, value: parsed as T };
  const issue = checked.error.issues[0];
  return { ok: false, problem: `${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'unexpected shape'}` };
}

export function parseSweepResults(text: string): Checked<SweepResults> {
  return check(resultsSchema, text);
}

/** A cell folder's result.json. */
export function parseCellResult(text: string): Checked<StoredCellResult> {
  return check(cellSchema, text);
}

/** results.json checked; an InputError names the file and what is wrong. */
export function readSweepResults(file: string): SweepResults {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the sweep's results: ${(error as Error).message}`, { file });
  }
  const checked = parseSweepResults(text);
  if (!checked.ok) throw new InputError(`not the results of a distillation sweep (${checked.problem})`, { file });
  return checked.value;
}
