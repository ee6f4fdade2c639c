/**
 * The results contract of a cascade calibration folder (`cascade calibrate --out`, then `cascade eval`):
 *
 *   <dir>/calibration.json        configuration, the validation curve, the chosen threshold (its marker)
 *   <dir>/<split>/                the run folder of each split's scored examples (config.json, records.jsonl)
 *   <dir>/evaluation-<split>.json `cascade eval` on a held-out split at the chosen threshold
 *
 * The pipeline writes only through it; the report reads only through it.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../util/zod.js';
import type { ResultContract } from '../runs/resultContract.js';
import { checkFile, type Checked } from '../util/checkedJson.js';
import { redactSecrets } from '../util/redact.js';
import type { CascadeTarget, CurvePoint } from './curve.js';
import type { ConfidenceSignal } from './confidence.js';

export const CALIBRATION_FILE = 'calibration.json';
export const evaluationFile = (split: string) => `evaluation-${split}.json`;

export interface CascadeRunConfig {
  student: string;
  teacher: string;
  dataset: string;
  datasetOptions: Record<string, unknown>;
  style: 'zero-shot' | 'cot';
  maxTokens: number;
  signal: ConfidenceSignal;
  samples: number;
  limit?: number;
  seed: number;
  validationFraction: number;
}

export interface Calibration {
  kind: 'apprentice-cascade-calibration';
  version: string;
  config: CascadeRunConfig;
  split: string;
  target: CascadeTarget;
  examples: number;
  /** Examples whose student or teacher call failed (left out of the curve). */
  failed: number;
  studentOnly: CurvePoint;
  teacherOnly: { accuracy: number; accuracyCi95: [number, number]; costUsd: number };
  curve: CurvePoint[];
  /** The chosen point (null: no threshold met the target). */
  chosen: CurvePoint | null;
}

export interface CascadeEvaluation {
  kind: 'apprentice-cascade-evaluation';
  version: string;
  split: string;
  /** The threshold chosen on the calibration split, never changed here. */
  threshold: number;
  calibrationSplit: string;
  examples: number;
  failed: number;
  cascade: CurvePoint;
  teacherOnly: { accuracy: number; accuracyCi95: [number, number]; costUsd: number };
  studentOnly: { accuracy: number; accuracyCi95: [number, number] };
  /** 1 - teacher share: the teacher calls the cascade did not make. */
  teacherCallsSaved: number;
  costSavedUsd: number;
  /** Teacher-only accuracy minus the cascade's, with a paired bootstrap 95% interval and McNemar's test. */
  accuracyLost: { estimate: number; ci95: [number, number]; bootstrapP: number; mcnemarP: number };
  /** With a target accuracy: whether it lies within or below the cascade's 95% interval on this split. */
  targetMet: boolean | null;
}

export interface CascadeFolder {
  calibration: Calibration;
  evaluations: CascadeEvaluation[];
}

const point = z.object({
  threshold: z.number(),
  accuracy: z.number(),
  accuracyCi95: z.tuple([z.number(), z.number()]),
  teacherShare: z.number(),
  teacherShareCi95: z.tuple([z.number(), z.number()]),
  costUsd: z.number(),
});
const calibrationSchema = z.object({ kind: z.literal('apprentice-cascade-calibration'), curve: z.array(point), chosen: point.nullable() }).passthrough();
const evaluationSchema = z.object({ kind: z.literal('apprentice-cascade-evaluation'), cascade: point, threshold: z.number() }).passthrough();

function write(dir: string, name: string, value: unknown): void {
  writeFileSync(join(dir, name), redactSecrets(JSON.stringify(value, null, 2)) + '\n');
}

export function writeCalibration(dir: string, calibration: Calibration): void {
  write(dir, CALIBRATION_FILE, calibration);
}

export function writeEvaluation(dir: string, evaluation: CascadeEvaluation): void {
  write(dir, evaluationFile(evaluation.split), evaluation);
}

export function checkCascadeFolder(dir: string): Checked<CascadeFolder> {
  const calibration = checkFile<Calibration>(calibrationSchema, join(dir, CALIBRATION_FILE), 'a cascade calibration (`apprentice cascade calibrate`)');
  if (!calibration.ok) return calibration;
  const evaluations: CascadeEvaluation[] = [];
  for (const name of readdirSync(dir)
    .filter((file) => /^evaluation-.+\.json$/.test(file))
    .sort()) {
    const checked = checkFile<CascadeEvaluation>(evaluationSchema, join(dir, name), 'a cascade evaluation (`apprentice cascade eval`)');
    if (!checked.ok) return checked;
    evaluations.push(checked.value);
  }
  return { ok: true, value: { calibration: calibration.value, evaluations } };
}

export const CASCADE: ResultContract<'cascade', CascadeFolder> = {
  kind: 'cascade',
  label: 'cascade calibration',
  expected: 'calibration.json (+ evaluation-<split>.json) from `apprentice cascade calibrate` / `cascade eval`',
  detect: (dir) => (existsSync(join(dir, CALIBRATION_FILE)) ? { unfinished: null } : null),
  check: checkCascadeFolder,
};
