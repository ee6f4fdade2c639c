/**
 * An evaluation run folder read for reporting, through its results contract (eval/runResult.ts): its
 * configuration, its records, and its summary recomputed from the records (so tables and the per-example
 * drill-down always agree, even when summary.json is missing or older than the records), plus its label.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isEvalRunConfig, readEvalRun, type EvalRunConfig, type EvalRunFolder } from '../eval/runResult.js';
import { CONFIG_FILE } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';

export type { EvalRunConfig } from '../eval/runResult.js';

export interface EvalRun extends EvalRunFolder {
  /** Short name for tables and charts, unique within one report. */
  label: string;
}

/** `seed`: the bootstrap seed when the run's identity does not hold it (grimoire method runs). */
export function loadEvalRun(dir: string, options: { seed?: number } = {}): EvalRun {
  const absolute = resolve(dir);
  const configPath = join(absolute, CONFIG_FILE);
  if (!existsSync(configPath)) {
    throw new InputError(`not a run folder (no ${CONFIG_FILE}); give the folder that \`apprentice eval\` wrote`, { file: absolute });
  }
  const run = readEvalRun(absolute, options);
  if (!isEvalRunConfig(run.config)) {
    throw new InputError(`this is a "${run.config.command}" folder, not an evaluation run`, { file: configPath });
  }
  return { ...run, label: labelFor(run.config, absolute) };
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
  const runs = dirs.map((dir) => loadEvalRun(dir));
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.label, (counts.get(run.label) ?? 0) + 1);
  for (const run of runs) {
    if ((counts.get(run.label) ?? 0) > 1) run.label = `${run.label} [${basename(run.dir)}]`;
  }
  return runs;
}
