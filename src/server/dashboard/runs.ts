/**
 * The runs folder as the dashboard sees it: every folder under the root is recognised by the registry of
 * results contracts (report/results.ts), the same one `apprentice report` uses. A run is any folder the
 * evaluation-run contract recognises (config.json + records.jsonl), whatever wrote it (eval, grimoire eval,
 * distill annotate...), read through that contract: records leniently as example records, the summary
 * recomputed from them. A run is read as a stream, never held whole: its summary, and where each example's line
 * is (runExamples.ts). Loaded runs are cached until their files change.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { exampleStatus, type ExampleRecord } from '../../eval/records.js';
import { EVAL_RUN, text, type RawRecord } from '../../eval/runResult.js';
import { readEvalRunStreamed } from '../../eval/runStream.js';
import type { RunSummary } from '../../eval/summary.js';
import { detectResult } from '../../report/results.js';
import { CONFIG_FILE, RECORDS_FILE, SUMMARY_FILE } from '../../runs/runDir.js';
import { SCALING_FILES, SCORE_ROW_FILE } from '../../scaling/scalingResults.js';
import { InputError } from '../../util/errors.js';
import { isObject } from '../../util/isObject.js';
import type { ExampleRow, PromptMessage, RunListing, RunSummaryView } from './api.js';
import { configView } from './configView.js';
import { RunExamples } from './runExamples.js';

export { text };

/** Folders never searched for runs. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
export const MAX_DEPTH = 8;

export interface LoadedRun {
  dir: string;
  listing: RunListing;
  /** config.json as shown, long lists cut short (configView.ts). */
  config: Record<string, unknown>;
  summary: RunSummary;
  /** The examples, read again by page (runExamples.ts). */
  examples: RunExamples;
}

export interface FoundFiles {
  /** Folders of evaluation runs (any pipeline's per-example records). */
  runs: string[];
  /** `grimoire eval` roots, finished or not. */
  grimoireEvals: string[];
  /** Distillation sweep folders. */
  sweeps: string[];
  /** Cascade calibration folders (`cascade calibrate`). */
  cascades: string[];
  /** analysis.json files of scaling folders (`scale run`, `scale analyze --out`). */
  analyses: string[];
  /** Score-row files by their conventional names (scores.csv/json/jsonl, score-rows.*). */
  scoreRows: string[];
}

/** Walks the root (not following symbolic links); each folder is what the registry recognises it as. */
export function findRunFiles(root: string): FoundFiles {
  const found: FoundFiles = { runs: [], grimoireEvals: [], sweeps: [], cascades: [], analyses: [], scoreRows: [] };
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // A folder holding a link out of the root is not shown: its files would be read from outside.
    const kind = entries.some((entry) => entry.isSymbolicLink() && !isInside(root, join(dir, entry.name))) ? undefined : detectResult(dir)?.kind;
    if (kind === 'eval') found.runs.push(dir);
    else if (kind === 'grimoire') found.grimoireEvals.push(dir);
    else if (kind === 'distill') found.sweeps.push(dir);
    else if (kind === 'cascade') found.cascades.push(dir);
    else if (kind === 'scale') found.analyses.push(join(dir, SCALING_FILES.analysis));
    for (const entry of entries) if (entry.isFile() && SCORE_ROW_FILE.test(entry.name)) found.scoreRows.push(join(dir, entry.name));
    if (depth >= MAX_DEPTH) return;
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name)) walk(join(dir, entry.name), depth + 1);
    }
  };
  walk(resolve(root), 0);
  for (const list of Object.values(found)) list.sort();
  return found;
}

/** A run's id: its folder relative to the root, '/'-separated ('.' for the root itself). */
export function runIdOf(root: string, dir: string): string {
  const rel = relative(resolve(root), dir);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/**
 * The folder of an id (a folder relative to the root), or null when it would leave the root, by its path or
 * through a symbolic link, or when it (or a folder `depth` levels under it) holds a link out of the root.
 */
export function folderOf(root: string, id: string, depth = 0): string | null {
  const base = resolve(root);
  const dir = resolve(base, id);
  const rel = relative(base, dir);
  if (rel.startsWith('..') || isAbsolute(rel) || id.includes('\0')) return null;
  return isInside(base, dir) && !linksOutside(base, dir, depth) ? dir : null;
}

/** Whether `dir`, or a folder up to `depth` levels under it, holds a symbolic link leading out of `root`. */
export function linksOutside(root: string, dir: string, depth: number): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some((entry) => {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) return !isInside(root, path);
    return depth > 0 && entry.isDirectory() && linksOutside(root, path, depth - 1);
  });
}

/** Whether `path`, with symbolic links resolved, is under `root` (a missing path is judged by its name). */
export function isInside(root: string, path: string): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return true;
  }
  const rel = relative(realpathSync(root), real);
  return !rel.startsWith('..') && !isAbsolute(rel);
}

/** The folder of a run id, refused when it leaves the root (symbolic links too) or is not a run folder. */
export function runDirOf(root: string, id: string): string {
  const dir = folderOf(root, id);
  if (!dir || !isRunDir(dir) || ![CONFIG_FILE, RECORDS_FILE, SUMMARY_FILE].every((name) => isInside(root, join(dir, name)))) {
    throw new InputError(`no run "${id}" under ${resolve(root)}`);
  }
  return dir;
}

export function isRunDir(dir: string): boolean {
  return EVAL_RUN.detect(dir) !== null;
}

export class RunStore {
  /** Runs loaded or being loaded (requests for a run being read wait for that reading). */
  private readonly cache = new Map<string, { stamp: string; run: Promise<LoadedRun> }>();

  constructor(
    readonly root: string,
    private readonly seed = 0,
  ) {}

  find(): FoundFiles {
    return findRunFiles(this.root);
  }

  /**
   * Every run under the root, most recently changed first; unreadable folders are skipped. Between runs the
   * event loop gets a turn, so that listing many large runs does not hold up other requests.
   */
  async list(dirs: readonly string[] = this.find().runs): Promise<RunListing[]> {
    const listings: RunListing[] = [];
    for (const dir of dirs) {
      try {
        listings.push((await this.loadDir(dir)).listing);
      } catch {
        // A folder being written or not a run after all: it is simply not listed.
      }
      await new Promise((resolveTurn) => setImmediate(resolveTurn));
    }
    return byRecency(listings);
  }

  /** The folders of the runs loaded (or being loaded) and kept here. */
  loadedDirs(): string[] {
    return [...this.cache.keys()];
  }

  load(id: string): Promise<LoadedRun> {
    return this.loadDir(runDirOf(this.root, id));
  }

  private loadDir(dir: string): Promise<LoadedRun> {
    const configStat = statSync(join(dir, CONFIG_FILE));
    const recordsPath = join(dir, RECORDS_FILE);
    const recordsStat = existsSync(recordsPath) ? statSync(recordsPath) : null;
    const stamp = `${configStat.mtimeMs}:${recordsStat?.mtimeMs}:${recordsStat?.size}`;
    const cached = this.cache.get(dir);
    if (cached?.stamp === stamp) return cached.run;
    const modified = new Date(Math.max(configStat.mtimeMs, recordsStat?.mtimeMs ?? 0)).toISOString();
    const run = this.read(dir, modified);
    const entry = { stamp, run };
    this.cache.set(dir, entry);
    run.catch(() => {
      if (this.cache.get(dir) === entry) this.cache.delete(dir);
    });
    return run;
  }

  private async read(dir: string, modified: string): Promise<LoadedRun> {
    const examples = new RunExamples(join(dir, RECORDS_FILE), exampleRow);
    const folder = await readEvalRunStreamed(dir, { keep: 0, seed: this.seed, onRecord: (raw, record, line) => examples.add(raw, record, line) });
    const config = folder.config as Record<string, unknown>;
    const listing = listingOf(runIdOf(this.root, dir), dir, config, folder, modified);
    return { dir, config: configView(config) as Record<string, unknown>, summary: folder.summary, examples, listing };
  }
}

/** Runs most recently changed first (then by id). */
export function byRecency(listings: RunListing[]): RunListing[] {
  return listings.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt) || a.id.localeCompare(b.id));
}

/** The rows shown of records read through a contract (the lines as written, and as example records). */
export function exampleRows(read: { raw: RawRecord[]; records: ExampleRecord[] }): ExampleRow[] {
  return read.raw.map((raw, i) => exampleRow(raw, read.records[i]!));
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

function listingOf(
  id: string,
  dir: string,
  config: Record<string, unknown>,
  folder: { task: string; split: string; model: string | null; recordsTotal: number; summary: RunSummary },
  modifiedAt: string,
): RunListing {
  const summary = folder.summary;
  return {
    id,
    command: text(config.command) ?? 'run',
    label: labelOf(config, dir),
    task: folder.task === '?' ? null : folder.task,
    split: folder.split === '?' ? null : folder.split,
    model: folder.model,
    n: summary.n,
    records: folder.recordsTotal,
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
  const source =
    text(config.modelName) ??
    text(identity.model) ??
    text(identity.weak) ??
    text(identity.teacher) ??
    (predictions ? `predictions ${basename(predictions)}` : null);
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
  'index',
  'id',
  'prompt',
  'output',
  'reasoning',
  'extracted',
  'gold',
  'valid',
  'correct',
  'invalidReason',
  'error',
  'usage',
  'costUsd',
  'latencyMs',
  'cached',
  'scores',
  'grimoire',
]);
const MAX_FIELD_CHARS = 20_000;

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
    ? raw.prompt.map((message) =>
        isObject(message)
          ? { role: text(message.role) ?? '?', content: typeof message.content === 'string' ? message.content : JSON.stringify(message.content) }
          : { role: '?', content: String(message) },
      )
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
