/**
 * results.json at a distillation sweep's root (`distill run`, `quickstart`), as its readers see it:
 * the report, rendered again, and the dashboard. Written by writeSweepReport; checked here before use.
 */
import { z } from 'zod';
import { parseChecked, readChecked, type Checked } from '../util/checkedJson.js';
import type { ChanceLevel } from './chance.js';
import type { MethodComparison } from './comparisons.js';
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
  chance: z.object({ answer: z.string(), accuracy: z.number(), chosenOn: z.number(), n: z.number() }).nullable().optional(),
  comparisons: z
    .array(
      z.object({
        method: z.string(), baseline: z.string(), fraction: z.number(), seeds: z.array(z.number()), n: z.number(),
        difference: z.number(), ci95: z.tuple([z.number(), z.number()]), pValue: z.number(), verdict: z.enum(['better', 'worse', 'unclear', 'one seed']),
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

/** A cell folder's result.json. */
export function parseCellResult(text: string): Checked<StoredCellResult> {
  return parseChecked(cellSchema, text);
}

/** results.json checked; an InputError names the file and what is wrong. */
export function readSweepResults(file: string): SweepResults {
  return readChecked(resultsSchema, file, 'the results of a distillation sweep');
}
