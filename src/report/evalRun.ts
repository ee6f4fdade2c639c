/**
 * An evaluation run folder read for reporting, through its results contract (eval/runResult.ts): its
 * configuration, its records, and its summary recomputed from the records (so tables and the per-example
 * drill-down always agree, even when summary.json is missing or older than the records), plus its label.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isEvalRunConfig, readConfig, readEvalRun, type EvalRunConfig, type EvalRunFolder } from '../eval/runResult.js';
import { readEvalRunStreamed } from '../eval/runStream.js';
import { CONFIG_FILE } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';

export type { EvalRunConfig } from '../eval/runResult.js';

export interface EvalRun extends EvalRunFolder {
  /** Short name for tables and charts, unique within one report. */
  label: string;
  /** Examples with a record, when `records` holds only the first of them (a run read as a stream). */
  recordsTotal?: number;
}

/** Records a report keeps whole per run (the lowest example indices) for its drill-down; the summary counts all. */
export const REPORT_RECORDS_KEPT = 5000;

/** `seed`: the bootstrap seed when the run's identity does not hold it (grimoire method runs). */
export function loadEvalRun(dir: string, options: { seed?: number } = {}): EvalRun {
  const absolute = checkedEvalRunFolder(dir);
  const run = readEvalRun(absolute, options);
  return { ...run, label: labelFor(run.config, absolute) };
}

/**
 * The run read as a stream (eval/runStream.ts): the summary from every record, only the first `keep` records
 * held whole, so a run of a million records is reported in bounded memory.
 */
export async function loadEvalRunStreamed(dir: string, options: { seed?: number; keep?: number } = {}): Promise<EvalRun> {
  const absolute = checkedEvalRunFolder(dir);
  const run = await readEvalRunStreamed(absolute, { keep: options.keep ?? REPORT_RECORDS_KEPT, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  return { ...run, label: labelFor(run.config, absolute) };
}

function checkedEvalRunFolder(dir: string): string {
  const absolute = resolve(dir);
  const configPath = join(absolute, CONFIG_FILE);
  if (!existsSync(configPath)) {
    throw new InputError(`not a run folder (no ${CONFIG_FILE}); give the folder that \`apprentice eval\` wrote`, { file: absolute });
  }
  const config = readConfig(absolute);
  if (!isEvalRunConfig(config)) {
    throw new InputError(`this is a "${config.command}" folder, not an evaluation run`, { file: configPath });
  }
  return absolute;
}

/** "model · prompt style (k-shot)" from the run's identity. */
function labelFor(config: EvalRunConfig, dir: string): string {
  const identity = config.identity ?? {};
  if (config.method) return config.method;
  const source = identity.model ?? (identity.predictions ? `predictions ${basename(identity.predictions)}` : basename(dir));
  const parts = [source];
  if (identity.style) parts.push(identity.shots ? `${identity.style} (${identity.shots}-shot)` : identity.style);
  if (identity.scoring === 'logprob') parts.push('log-prob scoring');
  return parts.join(' · ');
}

/** Loads several runs, making labels unique by adding the folder name where two would be equal. */
export function loadEvalRuns(dirs: readonly string[]): EvalRun[] {
  return withUniqueLabels(dirs.map((dir) => loadEvalRun(dir)));
}

/** loadEvalRuns, each run read as a stream. */
export async function loadEvalRunsStreamed(dirs: readonly string[], options: { keep?: number } = {}): Promise<EvalRun[]> {
  const runs: EvalRun[] = [];
  for (const dir of dirs) runs.push(await loadEvalRunStreamed(dir, options));
  return withUniqueLabels(runs);
}

function withUniqueLabels(runs: EvalRun[]): EvalRun[] {
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.label, (counts.get(run.label) ?? 0) + 1);
  for (const run of runs) {
    if ((counts.get(run.label) ?? 0) > 1) run.label = `${run.label} [${basename(run.dir)}]`;
  }
  return runs;
}
