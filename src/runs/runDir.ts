/**
 * A run folder: `config.json` (what identifies the run and the resolved configuration),
 * `records.jsonl` (one line per finished example, appended as it lands) and `summary.json`.
 * Opening an existing folder with the same identity resumes it; a different identity is refused,
 * so two different experiments never mix their records.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readLines } from '../data/lineStream.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { InputError } from '../util/errors.js';
import { knownSecrets, redactSecrets, registeredSecretsCount } from '../util/redact.js';
import { LOCK_FILE, lockRunDir, type RunLock } from './lock.js';
import { readTextFile } from '../util/fileErrors.js';

export const CONFIG_FILE = 'config.json';
export const RECORDS_FILE = 'records.jsonl';
export const SUMMARY_FILE = 'summary.json';

/** Anything stored per example: identified by its index in the split. */
export interface IndexedRecord {
  index: number;
}

export interface RunDirHandle<T extends IndexedRecord> {
  readonly dir: string;
  /** True when the folder already held records of this run. */
  readonly resumed: boolean;
  /** Records found on disk, by example index (the last line for an index wins); empty when opened with `streamExisting`. */
  readonly existing: ReadonlyMap<number, T>;
  /** The records file, for reading earlier records as a stream (`streamRecords`). */
  readonly recordsPath: string;
  append(record: T): void;
  writeJson(name: string, value: unknown): void;
  /**
   * Ends this writer's hold on the folder (the lock; a folder this run created is removed when it
   * holds nothing but config.json). Done at process exit for handles not released earlier.
   */
  release(): void;
}

export interface OpenRunDirOptions {
  /** Everything that changes the result; compared on resume. */
  identity: unknown;
  /** Written for people (command, version, full configuration); not compared. */
  resolved: unknown;
  /** File names when a pipeline's layout names them otherwise (a distillation cell: cell.json, test.jsonl). */
  configFile?: string;
  recordsFile?: string;
  /** Leave earlier records on disk (`existing` stays empty): the caller reads them with `streamRecords`. */
  streamExisting?: boolean;
}

/** `<prefix>-<12 hex of the identity hash>`, with the prefix made safe for a folder name. */
export function runIdFor(prefix: string, identity: unknown): string {
  const safe = redactSecrets(prefix)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
  return `${safe}-${sha256Hex(redactSecrets(canonicalJson(identity))).slice(0, 12)}`;
}

export function openRunDir<T extends IndexedRecord>(dir: string, options: OpenRunDirOptions): RunDirHandle<T> {
  checkFolderPath(dir);
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  const lock = lockRunDir(dir);
  try {
    return openLocked<T>(dir, options, created, lock);
  } catch (error) {
    releaseRunDir(dir, created, lock);
    throw error;
  }
}

function openLocked<T extends IndexedRecord>(dir: string, options: OpenRunDirOptions, created: boolean, lock: RunLock): RunDirHandle<T> {
  const configPath = join(dir, options.configFile ?? CONFIG_FILE);
  const recordsPath = join(dir, options.recordsFile ?? RECORDS_FILE);
  // Compared as written: without secrets (a base URL's password, an API key), like every file here.
  const identityText = redactSecrets(canonicalJson(options.identity));
  if (existsSync(configPath)) {
    const previous = readJsonFile(configPath) as { identity?: unknown };
    if (redactSecrets(canonicalJson(previous.identity ?? null)) !== identityText) {
      throw new InputError(
        `this run folder holds a different run (${identityChanges(previous.identity, options.identity)}); choose another --run-dir or remove it`,
        { file: configPath },
      );
    }
  } else {
    writeFileSync(configPath, redactSecrets(JSON.stringify({ identity: options.identity, ...asObject(options.resolved) }, null, 2)) + '\n');
  }
  const existing = existsSync(recordsPath) && !options.streamExisting ? readRecords<T>(recordsPath) : new Map<number, T>();
  const resumed = options.streamExisting ? existsSync(recordsPath) && statSync(recordsPath).size > 0 : existing.size > 0;
  dropUnfinishedLastLine(recordsPath);
  if (created) createdNow.set(dir, lock);
  // Per record, reading the environment's secrets and opening the file cost more than the write itself
  // (a million-example eval appends a million times): the environment is read once per folder (and again
  // when a key is registered, e.g. by a model created later), the file opened once. Each record is still
  // written whole before append returns.
  let secrets = knownSecrets();
  let secretsRegistered = registeredSecretsCount();
  const redact = (text: string): string => {
    if (registeredSecretsCount() !== secretsRegistered) {
      secrets = knownSecrets();
      secretsRegistered = registeredSecretsCount();
    }
    return redactSecrets(text, secrets);
  };
  let recordsFd: number | undefined;
  return {
    dir,
    resumed,
    existing,
    recordsPath,
    append(record) {
      recordsFd ??= openSync(recordsPath, 'a');
      const line = redact(JSON.stringify(record)) + '\n';
      // The string is written as it is (no Buffer made per record); a short write, which a regular file gives
      // only when the disk fills or a signal interrupts it, is finished from a Buffer.
      const written = writeSync(recordsFd, line);
      if (written < Buffer.byteLength(line)) {
        const bytes = Buffer.from(line);
        for (let done = written; done < bytes.length; ) done += writeSync(recordsFd, bytes, done);
      }
    },
    writeJson(name, value) {
      writeFileSync(join(dir, name), redact(JSON.stringify(value, null, 2)) + '\n');
    },
    release() {
      if (recordsFd !== undefined) closeSync(recordsFd);
      recordsFd = undefined;
      createdNow.delete(dir);
      releaseRunDir(dir, created, lock);
    },
  };
}

/** Folders this process created, cleaned at exit if a failure left them with nothing but config.json. */
const createdNow = new Map<string, RunLock>();
process.on('exit', () => {
  for (const [dir, lock] of createdNow) releaseRunDir(dir, true, lock);
});

function releaseRunDir(dir: string, created: boolean, lock: RunLock): void {
  lock.release();
  if (!created) return;
  try {
    const left = readdirSync(dir).filter((name) => name !== LOCK_FILE);
    if (left.every((name) => name === CONFIG_FILE)) rmSync(dir, { recursive: true, force: true });
  } catch {
    // Already gone, or unreadable: nothing to clean.
  }
}

/** A run folder path that is a file (or under one) gets a clear message instead of ENOTDIR/EEXIST. */
function checkFolderPath(dir: string): void {
  let path = resolve(dir);
  for (;;) {
    if (existsSync(path)) {
      if (!statSync(path).isDirectory()) {
        throw new InputError(path === resolve(dir) ? 'the run folder path is a file; choose another --run-dir or --runs' : `cannot make the run folder ${dir}: this is a file, not a folder`, { file: path });
      }
      return;
    }
    const parent = dirname(path);
    if (parent === path) return;
    path = parent;
  }
}

/**
 * Reads a records file into a map by index. A last line cut short (the process was killed while
 * writing it) is ignored, since that example simply runs again; a bad line elsewhere is an error.
 */
export function readRecords<T extends IndexedRecord>(path: string): Map<number, T> {
  const text = readTextFile(path, 'records');
  const lines = text.split('\n');
  const records = new Map<number, T>();
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let record: T;
    try {
      record = JSON.parse(line) as T;
    } catch (error) {
      const isLastLine = lines.slice(i + 1).every((rest) => !rest.trim());
      if (isLastLine && !text.endsWith('\n')) return;
      throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: path, line: i + 1 });
    }
    if (!Number.isInteger(record?.index)) {
      throw new InputError('missing or non-integer', { file: path, line: i + 1, field: 'index' });
    }
    records.set(record.index, record);
  });
  return records;
}

/**
 * `readRecords` as a stream, with the same rules (a last line cut short is skipped, a bad line elsewhere is an
 * error naming it): each line's record in file order, so a later line for an index replaces an earlier one.
 * No file: no records.
 */
export async function* streamRecords<T extends IndexedRecord>(path: string): AsyncGenerator<T> {
  for await (const { record } of streamRecordLines<T>(path)) yield record;
}

/** A record of a records file with where its line is (bytes), to read it again later (runs/lastRecords.ts). */
export interface RecordLine<T> {
  record: T;
  /** 1-based line number. */
  line: number;
  offset: number;
  bytes: number;
}

/** `streamRecords` with each record's place in the file. */
export async function* streamRecordLines<T extends IndexedRecord>(path: string): AsyncGenerator<RecordLine<T>> {
  if (!existsSync(path)) return;
  for await (const { line, text, offset, bytes, terminated } of readLines(path)) {
    if (!text.trim()) continue;
    let record: T;
    try {
      record = JSON.parse(text) as T;
    } catch (error) {
      if (!terminated) return;
      throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: path, line });
    }
    if (!Number.isInteger(record?.index)) throw new InputError('missing or non-integer', { file: path, line, field: 'index' });
    yield { record, line, offset, bytes };
  }
}

/** So the next append starts on a line of its own after a kill mid-write. Reads only the file's tail. */
function dropUnfinishedLastLine(path: string): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const read = readSync(fd, block, 0, end - start, start);
      const newline = block.subarray(0, read).lastIndexOf(0x0a);
      if (newline >= 0) {
        if (start + newline + 1 < size) ftruncateSync(fd, start + newline + 1);
        return;
      }
      end = start;
    }
    if (size > 0) ftruncateSync(fd, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * What differs between two identities, in words: "dataset content changed" for a `<what>Content`
 * digest, else "<field> changed".
 */
export function identityChanges(before: unknown, after: unknown): string {
  const was = asObject(before ?? {});
  const now = asObject(after ?? {});
  const changed = [...new Set([...Object.keys(was), ...Object.keys(now)])]
    .filter((key) => canonicalJson(was[key] ?? null) !== canonicalJson(now[key] ?? null))
    .map((key) => {
      if (!key.endsWith('Content')) return `${key} changed`;
      const what = key.slice(0, -'Content'.length);
      return key in was ? `${what} content changed` : `${what} content not recorded (a folder from an older version)`;
    });
  return changed.length ? changed.join(', ') : 'other settings';
}

function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`cannot read run configuration: ${(error as Error).message}`, { file: path });
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { resolved: value };
}
