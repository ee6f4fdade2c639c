/**
 * The runs folder as the dashboard sees it: every folder under the root holding config.json and
 * records.jsonl is a run, whatever wrote it (eval, grimoire eval, distill annotate...). Records are
 * read leniently as example records (fields a pipeline did not write get neutral defaults) and the
 * summary is recomputed from them with the same function as `summary.json`. Loaded runs are cached
 * until their files change.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DISTILL_RESULTS_FILE } from '../../distill/sweepResults.js';
import { exampleStatus, type ExampleRecord } from '../../eval/records.js';
import { summarizeRecords, type RunSummary } from '../../eval/summary.js';
import { CONFIG_FILE, readRecords, RECORDS_FILE } from '../../runs/runDir.js';
import { InputError } from '../../util/errors.js';
import type { ExampleRow, PromptMessage, RunListing, RunSummaryView } from './api.js';

/** Folders never searched for runs. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
const MAX_DEPTH = 8;

export interface LoadedRun {
  dir: string;
  listing: RunListing;
  config: Record<string, unknown>;
  records: ExampleRecord[];
  rows: ExampleRow[];
  summary: RunSummary;
}

export interface FoundFiles {
  runs: string[];
  /** analysis.json files written by `apprentice scale analyze --out`. */
  analyses: string[];
  /** Score-row files by their conventional names (scores.csv/json/jsonl, score-rows.*). */
  scoreRows: string[];
  /** Folders with config.json but no records.jsonl: maybe a `grimoire eval` root (checked by reading it). */
  runParents: string[];
  /** results.json files: maybe a distillation sweep's (checked by reading it). */
  results: string[];
}

const SCORE_ROW_FILE = /^(scores|score-rows)\.(csv|json|jsonl)$/;

/** Walks the root (not following symbolic links) for run folders and scaling results. */
export function findRunFiles(root: string): FoundFiles {
  const found: FoundFiles = { runs: [], analyses: [], scoreRows: [], runParents: [], results: [] };
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const names = new Set(entries.filter((entry) => entry.isFile()).map((entry) => entry.name));
    if (names.has(CONFIG_FILE)) (names.has(RECORDS_FILE) ? found.runs : found.runParents).push(dir);
    if (names.has(DISTILL_RESULTS_FILE)) found.results.push(join(dir, DISTILL_RESULTS_FILE));
    if (names.has('analysis.json')) found.analyses.push(join(dir, 'analysis.json'));
    for (const name of names) if (SCORE_ROW_FILE.test(name)) found.scoreRows.push(join(dir, name));
    if (depth >= MAX_DEPTH) return;
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name)) walk(join(dir, entry.name), depth + 1);
    }
  };
  walk(resolve(root), 0);
  found.runs.sort();
  found.analyses.sort();
  found.scoreRows.sort();
  found.runParents.sort();
  found.results.sort();
  return found;
}

/** A run's id: its folder relative to the root, '/'-separated ('.' for the root itself). */
export function runIdOf(root: string, dir: string): string {
  const rel = relative(resolve(root), dir);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/** The folder of an id (a folder relative to the root), or null when it would leave the root. */
export function folderOf(root: string, id: string): string | null {
  const base = resolve(root);
  const dir = resolve(base, id);
  const rel = relative(base, dir);
  if (rel.startsWith('..') || isAbsolute(rel) || id.includes('\0')) return null;
  return dir;
}

/** The folder of a run id, refused when it leaves the root or is not a run folder. */
export function runDirOf(root: string, id: string): string {
  const dir = folderOf(root, id);
  if (!dir || !isRunDir(dir)) throw new InputError(`no run "${id}" under ${resolve(root)}`);
  return dir;
}

export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, CONFIG_FILE)) && existsSync(join(dir, RECORDS_FILE));
}

export class RunStore {
  private readonly cache = new Map<string, { stamp: string; run: LoadedRun }>();

  constructor(
    readonly root: string,
    private readonly seed = 0,
  ) {}

  find(): FoundFiles {
    return findRunFiles(this.root);
  }

  /** Every run under the root, most recently changed first; unreadable folders are skipped. */
  list(dirs: readonly string[] = this.find().runs): RunListing[] {
    const listings: RunListing[] = [];
    for (const dir of dirs) {
      try {
        listings.push(this.loadDir(dir).listing);
      } catch {
        // A folder being written or not a run after all: it is simply not listed.
      }
    }
    return listings.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt) || a.id.localeCompare(b.id));
  }

  load(id: string): LoadedRun {
    return this.loadDir(runDirOf(this.root, id));
  }

  private loadDir(dir: string): LoadedRun {
    const configPath = join(dir, CONFIG_FILE);
    const recordsPath = join(dir, RECORDS_FILE);
    const configStat = statSync(configPath);
    const recordsStat = statSync(recordsPath);
    const stamp = `${configStat.mtimeMs}:${recordsStat.mtimeMs}:${recordsStat.size}`;
    const cached = this.cache.get(dir);
    if (cached?.stamp === stamp) return cached.run;
    let config: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(readFileSync(configPath, 'utf8'));
      config = isObject(parsed) ? parsed : {};
    } catch (error) {
      throw new InputError(`cannot read run configuration: ${(error as Error).message}`, { file: configPath });
    }
    const { records, rows } = readExampleRows(recordsPath);
    const identity = isObject(config.identity) ? config.identity : {};
    const planned = Array.isArray(identity.examples) ? identity.examples.length : 0;
    const seed = typeof identity.seed === 'number' ? identity.seed : this.seed;
    const summary = summarizeRecords(records, Math.max(planned, records.length), seed);
    const modified = new Date(Math.max(configStat.mtimeMs, recordsStat.mtimeMs)).toISOString();
    const run: LoadedRun = {
      dir,
      config,
      records,
      rows,
      summary,
      listing: listingOf(runIdOf(this.root, dir), dir, config, records.length, summary, modified),
    };
    this.cache.set(dir, { stamp, run });
    return run;
  }
}

type RawRecord = Record<string, unknown> & { index: number };

/** Any pipeline's per-example records file, read leniently: the records as scored and the rows shown. */
export function readExampleRows(file: string, adapt: (raw: RawRecord) => RawRecord = (raw) => raw): { records: ExampleRecord[]; rows: ExampleRow[] } {
  const raw = [...readRecords<RawRecord>(file).values()].map(adapt).sort((a, b) => a.index - b.index);
  const records = raw.map(asExampleRecord);
  return { records, rows: raw.map((record, i) => exampleRow(record, records[i] as ExampleRecord)) };
}

export function summaryView(summary: RunSummary): RunSummaryView {
  return {
    n: summary.n,
    scored: summary.scored,
    correct: summary.correct,
    accuracy: summary.accuracy === null ? null : { value: summary.accuracy, ci95: summary.ci95 },
    invalid: summary.invalid,
    errors: summary.errors,
    errorsByKind: summary.errorsByKind,
    missing: summary.missing,
    promptTokens: summary.usage.promptTokens,
    completionTokens: summary.usage.completionTokens,
    costUsd: summary.usage.costUsd,
    costPerCorrectUsd: summary.costPerCorrectUsd,
    cachedCalls: summary.cachedCalls,
    latencyMs: summary.latencyMs,
    metrics: summary.metrics,
  };
}

function listingOf(id: string, dir: string, config: Record<string, unknown>, records: number, summary: RunSummary, modifiedAt: string): RunListing {
  const identity = isObject(config.identity) ? config.identity : {};
  const task = isObject(config.task) ? text(config.task.name) : null;
  return {
    id,
    command: text(config.command) ?? 'run',
    label: labelOf(config, dir),
    task: task ?? text(identity.dataset) ?? text(identity.task),
    split: text(identity.split),
    model: text(identity.model) ?? text(identity.weak) ?? text(identity.teacher),
    n: summary.n,
    records,
    scored: summary.scored,
    correct: summary.correct,
    accuracy: summary.accuracy === null ? null : { value: summary.accuracy, ci95: summary.ci95 },
    invalid: summary.invalid,
    errors: summary.errors,
    costUsd: summary.usage.costUsd,
    modifiedAt,
    group: null,
  };
}

/** "model · style (k-shot) · method", from whatever the run's identity holds. */
function labelOf(config: Record<string, unknown>, dir: string): string {
  const identity = isObject(config.identity) ? config.identity : {};
  const predictions = text(identity.predictions);
  const source = text(identity.model) ?? text(identity.weak) ?? text(identity.teacher) ?? (predictions ? `predictions ${basename(predictions)}` : null);
  const parts = [source ?? basename(dir)];
  const style = text(identity.style);
  if (style) parts.push(typeof identity.shots === 'number' && identity.shots > 0 ? `${style} (${identity.shots}-shot)` : style);
  if (identity.scoring === 'logprob') parts.push('log-prob scoring');
  const method = text(config.method) ?? text(identity.name);
  if (method) parts.push(method);
  return parts.join(' · ');
}

/** Fields other pipelines write beside the example record's, shown as extra fields when present. */
const KNOWN_FIELDS = new Set([
  'index', 'id', 'prompt', 'output', 'reasoning', 'extracted', 'gold', 'valid', 'correct', 'invalidReason',
  'error', 'usage', 'costUsd', 'latencyMs', 'cached', 'scores', 'grimoire',
]);
const MAX_FIELD_CHARS = 20_000;

function asExampleRecord(record: Record<string, unknown> & { index: number }): ExampleRecord {
  const usage = isObject(record.usage) ? record.usage : {};
  const error = isObject(record.error) ? { kind: text(record.error.kind) ?? 'unknown', message: text(record.error.message) ?? '' } : undefined;
  return {
    index: record.index,
    id: text(record.id) ?? String(record.index),
    prompt: Array.isArray(record.prompt) ? (record.prompt as ExampleRecord['prompt']) : null,
    output: typeof record.output === 'string' ? record.output : null,
    ...(typeof record.reasoning === 'string' ? { reasoning: record.reasoning } : {}),
    extracted: typeof record.extracted === 'string' ? record.extracted : null,
    gold: record.gold === undefined || record.gold === null ? '' : String(record.gold),
    valid: record.valid !== false,
    correct: typeof record.correct === 'boolean' ? record.correct : null,
    ...(typeof record.invalidReason === 'string' ? { invalidReason: record.invalidReason } : {}),
    ...(error ? { error } : {}),
    usage: { promptTokens: num(usage.promptTokens), completionTokens: num(usage.completionTokens) },
    costUsd: num(record.costUsd),
    latencyMs: num(record.latencyMs),
    cached: record.cached === true,
    ...(isObject(record.scores) ? { scores: record.scores as ExampleRecord['scores'] } : {}),
  };
}

function exampleRow(raw: Record<string, unknown>, record: ExampleRecord): ExampleRow {
  const fields: ExampleRow['fields'] = [];
  if (record.reasoning !== undefined) fields.push({ label: 'reasoning (first stage)', value: record.reasoning });
  if (record.invalidReason) fields.push({ label: 'why invalid', value: record.invalidReason });
  if (record.error) fields.push({ label: `error (${record.error.kind})`, value: record.error.message });
  for (const [name, value] of Object.entries(record.scores ?? {})) {
    fields.push({ label: name, value: Array.isArray(value) ? value.map(formatScore).join(', ') : formatScore(value) });
  }
  for (const [name, value] of Object.entries(raw)) {
    if (KNOWN_FIELDS.has(name) || value === undefined || value === null) continue;
    const shown = typeof value === 'string' ? value : JSON.stringify(value, null, 1);
    fields.push({ label: name, value: shown.length > MAX_FIELD_CHARS ? `${shown.slice(0, MAX_FIELD_CHARS)}…` : shown });
  }
  const prompt: PromptMessage[] | string | null = Array.isArray(raw.prompt)
    ? raw.prompt.map((message) => (isObject(message) ? { role: text(message.role) ?? '?', content: typeof message.content === 'string' ? message.content : JSON.stringify(message.content) } : { role: '?', content: String(message) }))
    : typeof raw.prompt === 'string'
      ? raw.prompt
      : null;
  return {
    index: record.index,
    id: record.id,
    status: exampleStatus(record),
    prompt,
    grimoire: text(raw.grimoire),
    output: record.output,
    extracted: record.extracted,
    gold: raw.gold === undefined || raw.gold === null ? null : record.gold,
    correct: record.correct,
    costUsd: record.costUsd,
    promptTokens: record.usage.promptTokens,
    completionTokens: record.usage.completionTokens,
    latencyMs: typeof raw.latencyMs === 'number' ? raw.latencyMs : null,
    cached: record.cached,
    fields,
  };
}

function formatScore(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
