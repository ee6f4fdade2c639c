/**
 * What kind of output folder `apprentice report <dir>` was given, from the files each pipeline
 * writes: an evaluation run, a grimoire eval root, a distillation sweep (distill run, quickstart)
 * or a scaling folder (scale run, scale analyze --out).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILE, RECORDS_FILE, SUMMARY_FILE } from '../runs/runDir.js';
import { DISTILL_RESULTS_FILE, DISTILL_RESULTS_KIND } from '../distill/sweepResults.js';
import { GRIMOIRE_EVAL_KIND } from '../grimoire/evalResult.js';
import { InputError } from '../util/errors.js';
import { isEvalRunConfig, type EvalRunConfig } from './evalRun.js';

export type RunKind = 'eval' | 'grimoire' | 'distill' | 'scale';

export const RUN_KIND_LABEL: Record<RunKind, string> = {
  eval: 'evaluation run',
  grimoire: 'grimoire eval root',
  distill: 'distillation sweep',
  scale: 'scaling folder',
};

export const SCALING_ANALYSIS_FILE = 'analysis.json';

const EXPECTED =
  'expected an evaluation run (config.json + records.jsonl from `apprentice eval`), a grimoire eval root ' +
  '(config.json + summary.json from `apprentice grimoire eval`), a distillation sweep (results.json from ' +
  '`apprentice distill run` or `apprentice quickstart`) or a scaling folder (analysis.json from `apprentice scale run` ' +
  'or `apprentice scale analyze --out`)';

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export function detectRunKind(dir: string): RunKind {
  const absolute = resolve(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new InputError(`not a run folder: no such folder; ${EXPECTED}`, { file: absolute });
  }
  const results = readJson(join(absolute, DISTILL_RESULTS_FILE)) as { kind?: unknown } | undefined;
  if (results?.kind === DISTILL_RESULTS_KIND) return 'distill';
  const config = readJson(join(absolute, CONFIG_FILE)) as (EvalRunConfig & { identity?: { kind?: unknown } }) | undefined;
  if (config) {
    if (config.identity?.kind === GRIMOIRE_EVAL_KIND && existsSync(join(absolute, SUMMARY_FILE))) return 'grimoire';
    if (isEvalRunConfig(config)) return 'eval';
  }
  if (Array.isArray(readJson(join(absolute, SCALING_ANALYSIS_FILE)))) return 'scale';
  const found = config?.command ? ` (its ${CONFIG_FILE} is from "${config.command}")` : existsSync(join(absolute, RECORDS_FILE)) ? ` (${RECORDS_FILE} without ${CONFIG_FILE})` : '';
  throw new InputError(`not a run folder Apprentice can report on${found}; ${EXPECTED}`, { file: absolute });
}
