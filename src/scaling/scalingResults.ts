/**
 * The results contract of the scaling lab: the folder `scale analyze --out` and `scale run` write. analysis.json
 * (the per-task analyses: its marker), analysis.md, scaling.json (source, title, configuration, version) and,
 * for a scale run, scores.csv / scores.json (the score rows) and evaluations.json (every evaluation with its run
 * folder under runs/). The lab writes through it; the report and the dashboard read through it. Score-row files
 * (`scores.*`, `score-rows.*`) are also the lab's exchange format, found and analysed wherever they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from '../util/zod.js';
import type { ResultContract } from '../runs/resultContract.js';
import { checkFile, type Checked } from '../util/checkedJson.js';
import { InputError } from '../util/errors.js';
import { redactSecrets } from '../util/redact.js';
import { VERSION } from '../version.js';
import type { TaskAnalysis } from './analyzeScaling.js';
import { formatAnalysisMarkdown } from './formatAnalysis.js';
import type { ScaleEvaluation } from './scaleRun.js';
import type { ScoreRow } from './scoreRow.js';
import { writeScoreRows } from './writeScoreRows.js';

export const SCALING_FILES = {
  analysis: 'analysis.json',
  analysisMarkdown: 'analysis.md',
  meta: 'scaling.json',
  evaluations: 'evaluations.json',
  scoresCsv: 'scores.csv',
  scoresJson: 'scores.json',
} as const;
export const SCALING_META_KIND = 'apprentice-scaling';
/** Score-row files by their conventional names. */
export const SCORE_ROW_FILE = /^(scores|score-rows)\.(csv|json|jsonl)$/;

/** A scaling folder as its readers see it. */
export interface ScalingFolder {
  analyses: readonly TaskAnalysis[];
  /** Where the rows came from (a file, or "scale run"). */
  source: string;
  title?: string;
  evaluations?: readonly ScaleEvaluation[];
  notes?: readonly string[];
  /** The resolved configuration (e.g. the model family of a scale run). */
  configuration?: unknown;
  /** The version that wrote the folder. */
  writtenBy: string;
}

const analysesSchema = z.array(z.object({ task: z.string(), scores: z.array(z.unknown()) }));

/** analysis.json checked: the analyses, or what is wrong. */
export function checkAnalyses(file: string): Checked<TaskAnalysis[]> {
  return checkFile(analysesSchema, file, 'an analysis written by `apprentice scale analyze --out` (an array of tasks with scores)');
}

/** analysis.json, analysis.md and scaling.json of an analysis; returns the paths of the first two. */
export async function writeScalingResults(
  out: string,
  input: { analyses: readonly TaskAnalysis[]; source: string; title?: string; configuration?: unknown },
): Promise<{ analysisJson: string; analysisMarkdown: string }> {
  await mkdir(out, { recursive: true });
  const files = { analysisJson: join(out, SCALING_FILES.analysis), analysisMarkdown: join(out, SCALING_FILES.analysisMarkdown) };
  await writeFile(files.analysisJson, redactSecrets(JSON.stringify(input.analyses, null, 2)) + '\n');
  await writeFile(files.analysisMarkdown, redactSecrets(formatAnalysisMarkdown(input.analyses, input.source)));
  const meta = { kind: SCALING_META_KIND, version: VERSION, source: input.source, title: input.title ?? null, configuration: input.configuration ?? null };
  await writeFile(join(out, SCALING_FILES.meta), redactSecrets(JSON.stringify(meta, null, 2)) + '\n');
  return files;
}

/** A scale run's score rows (scores.csv, scores.json) and evaluations (evaluations.json); returns the rows' paths. */
export async function writeScaleRunResults(
  out: string,
  run: { rows: readonly ScoreRow[]; evaluations: readonly ScaleEvaluation[]; notes: readonly string[]; models: unknown },
): Promise<{ csv: string; json: string }> {
  const scores = { csv: join(out, SCALING_FILES.scoresCsv), json: join(out, SCALING_FILES.scoresJson) };
  await writeScoreRows(scores.csv, run.rows);
  await writeScoreRows(scores.json, run.rows);
  await writeFile(
    join(out, SCALING_FILES.evaluations),
    redactSecrets(JSON.stringify({ models: run.models, evaluations: run.evaluations, notes: run.notes }, null, 2)) + '\n',
  );
  return scores;
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new InputError(`cannot read: ${(error as Error).message}`, { file });
  }
}

function check(dir: string): Checked<ScalingFolder> {
  const analyses = checkAnalyses(join(dir, SCALING_FILES.analysis));
  if (!analyses.ok) return analyses;
  const meta = readJson<{ version?: string; source?: string; title?: string | null; configuration?: unknown }>(join(dir, SCALING_FILES.meta));
  const run = readJson<{ models?: unknown; evaluations?: ScaleEvaluation[]; notes?: string[] }>(join(dir, SCALING_FILES.evaluations));
  const scores = join(dir, SCALING_FILES.scoresCsv);
  return {
    ok: true,
    value: {
      analyses: analyses.value,
      source: meta?.source ?? (existsSync(scores) ? scores : join(dir, SCALING_FILES.analysis)),
      ...(meta?.title ? { title: meta.title } : run ? { title: 'Scaling run' } : {}),
      ...(run?.evaluations ? { evaluations: run.evaluations } : {}),
      ...(run?.notes ? { notes: run.notes } : {}),
      ...((meta?.configuration ?? run?.models) ? { configuration: meta?.configuration ?? { models: run?.models } } : {}),
      writtenBy: meta?.version ?? `? (no ${SCALING_FILES.meta})`,
    },
  };
}

export const SCALING: ResultContract<'scale', ScalingFolder> = {
  kind: 'scale',
  label: 'scaling folder',
  expected: `${SCALING_FILES.analysis} from \`apprentice scale run\` or \`apprentice scale analyze --out\``,
  detect: (dir) => (existsSync(join(dir, SCALING_FILES.analysis)) ? { unfinished: null } : null),
  check,
};
