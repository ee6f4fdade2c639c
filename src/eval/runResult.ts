/**
 * The results contract of an evaluation run: the folder `apprentice eval` writes (and every per-example step of
 * the other pipelines: grimoire methods, scale runs, distillation students, annotations) through
 * runs/runDir.ts, config.json + records.jsonl (+ summary.json). Read here once for every reader: records are
 * read leniently as example records (a field a pipeline did not write gets a neutral default, fields it added
 * are kept) and the summary is recomputed from them with the function that wrote summary.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultContract } from '../runs/resultContract.js';
import { CONFIG_FILE, readRecords, RECORDS_FILE } from '../runs/runDir.js';
import type { Checked } from '../util/checkedJson.js';
import { InputError } from '../util/errors.js';
import { isObject } from '../util/isObject.js';
import type { ExampleRecord } from './records.js';
import { summarizeRecords, type RunSummary } from './summary.js';

/** What `apprentice eval` writes into config.json (every field optional: older or partial runs, other pipelines). */
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
    [key: string]: unknown;
  };
  command?: string;
  /** Grimoire method runs (`grimoire eval` writes one eval run per method): the method's folder name. */
  method?: string;
  version?: string;
  task?: { name?: string; description?: string };
  [key: string]: unknown;
}

/** A line of records.jsonl as written, whatever the pipeline. */
export type RawRecord = Record<string, unknown> & { index: number };

export interface EvalRunFolder {
  dir: string;
  config: EvalRunConfig;
  /** Sorted by example index, as written. */
  raw: RawRecord[];
  /** The same lines read as example records (index for index with `raw`), with the fields a pipeline added kept. */
  records: ExampleRecord[];
  summary: RunSummary;
  task: string;
  split: string;
  model: string | null;
}

export const EVAL_RUN_KIND = 'eval';

/** `apprentice eval` runs, and the per-method runs of `grimoire eval` (same records, same summary). */
export function isEvalRunConfig(config: EvalRunConfig): boolean {
  return config.command === undefined || config.command === 'eval' || (config.command === 'grimoire eval' && typeof config.method === 'string');
}

/** A run folder holds records, or is an evaluation that has not written its first one yet. */
function detect(dir: string): { unfinished: null } | null {
  if (!existsSync(join(dir, CONFIG_FILE))) return null;
  if (existsSync(join(dir, RECORDS_FILE))) return { unfinished: null };
  const config = readConfig(dir);
  return config.command !== undefined && isEvalRunConfig(config) ? { unfinished: null } : null;
}

/** The run's configuration; an InputError when config.json is not JSON. Not an object: an empty configuration. */
export function readConfig(dir: string): EvalRunConfig {
  const file = join(dir, CONFIG_FILE);
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isObject(parsed) ? (parsed as EvalRunConfig) : {};
  } catch (error) {
    throw new InputError(`cannot read run configuration: ${(error as Error).message}`, { file });
  }
}

/**
 * The run folder read: `seed` is the bootstrap seed of smooth metrics when the run's identity holds none (grimoire
 * method runs take their root's). A bad records line is an InputError naming file and line.
 */
export function readEvalRun(dir: string, options: { seed?: number } = {}): EvalRunFolder {
  const config = readConfig(dir);
  const file = join(dir, RECORDS_FILE);
  const { raw, records } = existsSync(file) ? readRecordsLeniently(file) : { raw: [], records: [] };
  const identity = config.identity ?? {};
  const planned = Array.isArray(identity.examples) ? identity.examples.length : 0;
  const seed = typeof identity.seed === 'number' ? identity.seed : (options.seed ?? 0);
  return {
    dir,
    config,
    raw,
    records,
    summary: summarizeRecords(records, Math.max(planned, records.length), seed),
    ...runFolderNames(config),
  };
}

/** The task, split and model a run folder names in its configuration. */
export function runFolderNames(config: EvalRunConfig): Pick<EvalRunFolder, 'task' | 'split' | 'model'> {
  const identity = config.identity ?? {};
  return {
    task: text(config.task?.name) ?? text(identity.dataset) ?? text(identity.task) ?? '?',
    split: text(identity.split) ?? '?',
    // modelName: a human name a pipeline writes when the identity holds a digest (the quickstart's trained teacher).
    model: text(config.modelName) ?? text(identity.model) ?? text(identity.weak) ?? text(identity.teacher),
  };
}

export const EVAL_RUN: ResultContract<typeof EVAL_RUN_KIND, EvalRunFolder> = {
  kind: EVAL_RUN_KIND,
  label: 'evaluation run',
  expected: `${CONFIG_FILE} + ${RECORDS_FILE} from \`apprentice eval\``,
  detect,
  check(dir): Checked<EvalRunFolder> {
    return { ok: true, value: readEvalRun(dir) };
  },
};

/** Any pipeline's per-example records file, sorted by index: the lines as written (after `adapt`) and as example records. */
export function readRecordsLeniently(file: string, adapt: (raw: RawRecord) => RawRecord = (raw) => raw): { raw: RawRecord[]; records: ExampleRecord[] } {
  const raw = [...readRecords<RawRecord>(file).values()].map(adapt).sort((a, b) => a.index - b.index);
  return { raw, records: raw.map(asExampleRecord) };
}

export function asExampleRecord(raw: RawRecord): ExampleRecord {
  const usage = isObject(raw.usage) ? raw.usage : {};
  const error = isObject(raw.error) ? { kind: text(raw.error.kind) ?? 'unknown', message: text(raw.error.message) ?? '' } : undefined;
  const { reasoning, invalidReason, scores, error: _error, ...rest } = raw;
  return {
    ...rest,
    index: raw.index,
    id: text(raw.id) ?? String(raw.index),
    prompt: Array.isArray(raw.prompt) || typeof raw.prompt === 'string' ? (raw.prompt as ExampleRecord['prompt']) : null,
    output: typeof raw.output === 'string' ? raw.output : null,
    ...(typeof reasoning === 'string' ? { reasoning } : {}),
    extracted: typeof raw.extracted === 'string' ? raw.extracted : null,
    gold: raw.gold === undefined || raw.gold === null ? '' : String(raw.gold),
    valid: raw.valid !== false,
    correct: typeof raw.correct === 'boolean' ? raw.correct : null,
    ...(typeof invalidReason === 'string' ? { invalidReason } : {}),
    ...(error ? { error } : {}),
    usage: { promptTokens: num(usage.promptTokens), completionTokens: num(usage.completionTokens) },
    costUsd: num(raw.costUsd),
    latencyMs: num(raw.latencyMs),
    cached: raw.cached === true,
    ...(isObject(scores) ? { scores: scores as ExampleRecord['scores'] } : {}),
  };
}

/** A non-empty string, else null. */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
