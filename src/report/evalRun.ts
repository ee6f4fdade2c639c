/**
 * An evaluation run folder (written by `apprentice eval`) read for reporting: its configuration,
 * its records, and its summary recomputed from the records (so tables and the per-example
 * drill-down always agree, even when summary.json is missing or older than the records).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ExampleRecord } from '../eval/records.js';
import { summarizeRecords, type RunSummary } from '../eval/summary.js';
import { CONFIG_FILE, readRecords, RECORDS_FILE } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';

/** What `apprentice eval` writes into config.json (every field optional: older or partial runs). */
export interface EvalRunConfig {
  identity?: {
    examples?: number[];
    model?: string | null;
    predictions?: string | null;
    style?: string;
    shots?: number;
    scoring?: string;
    seed?: number;
    split?: string;
    dataset?: string;
    /** Grimoire method runs: the weak model. */
    weak?: string;
  };
  command?: string;
  /** Grimoire method runs (`grimoire eval` writes one eval run per method): the method's folder name. */
  method?: string;
  version?: string;
  task?: { name?: string; description?: string };
  [key: string]: unknown;
}

export interface EvalRun {
  dir: string;
  /** Short name for tables and charts, unique within one report. */
  label: string;
  config: EvalRunConfig;
  /** Sorted by example index. */
  records: ExampleRecord[];
  summary: RunSummary;
  task: string;
  split: string;
  model: string | null;
}

/** `seed`: the bootstrap seed when the run's identity does not hold it (grimoire method runs). */
export function loadEvalRun(dir: string, options: { seed?: number } = {}): EvalRun {
  const absolute = resolve(dir);
  const configPath = join(absolute, CONFIG_FILE);
  const recordsPath = join(absolute, RECORDS_FILE);
  if (!existsSync(configPath)) {
    throw new InputError(`not a run folder (no ${CONFIG_FILE}); give the folder that \`apprentice eval\` wrote`, { file: absolute });
  }
  let config: EvalRunConfig;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as EvalRunConfig;
  } catch (error) {
    throw new InputError(`cannot read run configuration: ${(error as Error).message}`, { file: configPath });
  }
  if (!isEvalRunConfig(config)) {
    throw new InputError(`this is a "${config.command}" folder, not an evaluation run`, { file: configPath });
  }
  const records = existsSync(recordsPath) ? [...readRecords<ExampleRecord>(recordsPath).values()] : [];
  records.sort((a, b) => a.index - b.index);
  const identity = config.identity ?? {};
  const total = Math.max(identity.examples?.length ?? 0, records.length);
  return {
    dir: absolute,
    label: labelFor(config, absolute),
    config,
    records,
    summary: summarizeRecords(records, total, identity.seed ?? options.seed ?? 0),
    task: config.task?.name ?? identity.dataset ?? '?',
    split: identity.split ?? '?',
    model: identity.model ?? identity.weak ?? null,
  };
}

/** `apprentice eval` runs, and the per-method runs of `grimoire eval` (same records, same summary). */
export function isEvalRunConfig(config: EvalRunConfig): boolean {
  return config.command === undefined || config.command === 'eval' || (config.command === 'grimoire eval' && typeof config.method === 'string');
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
