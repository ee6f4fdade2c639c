/**
 * The persistent call cache: one SQLite file shared by every run (and by concurrent processes,
 * through WAL mode and a busy timeout). Each answer is committed before the caller sees it, so a
 * killed run never holds a result (in its records) that the cache lost; with WAL and
 * synchronous=NORMAL a commit costs tens of microseconds. An entry whose write failed (e.g. the
 * file is locked) stays queued, is served from memory, and is written with the next one.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../../util/errors.js';
import type { CallKind, ModelResponse } from '../types.js';

export interface CacheEntry {
  spec: string;
  kind: CallKind;
  /** Stored without `meta`. */
  response: ModelResponse;
  /** What the original call cost. */
  costUsd: number;
  /** Epoch milliseconds. */
  createdAt: number;
}

const SCHEMA_VERSION = 1;
export function defaultCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.APPRENTICE_CACHE || join(homedir(), '.cache', 'apprentice', 'cache.sqlite');
}

interface Row {
  spec: string;
  kind: string;
  response: string;
  cost_usd: number;
  created_at: number;
}

export class CallCache {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly selectStatement: Database.Statement<[string], Row>;
  private readonly insertStatement: Database.Statement<unknown[]>;
  private readonly writeBatch: (entries: [string, CacheEntry][]) => void;
  private pending = new Map<string, CacheEntry>();
  private closed = false;
  private readonly warn: (message: string) => void;
  private warnedWriteFailure = false;
  private warnedReadFailure = false;

  /** `path` may be `:memory:`. Parent directories are created. */
  constructor(path: string, options: { busyTimeoutMs?: number; warn?: (message: string) => void } = {}) {
    this.path = path;
    this.warn = options.warn ?? ((message) => process.stderr.write(`warning: ${message}\n`));
    let db: Database.Database | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 15_000 });
      if (path !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    } catch (error) {
      db?.close();
      throw new InputError(`cannot open the call cache: ${(error as Error).message} (use --cache <path> or --cache none)`, {
        file: path,
        field: 'cache',
      });
    }
    this.db = db!;
    this.selectStatement = this.db.prepare<[string], Row>(
      'SELECT spec, kind, response, cost_usd, created_at FROM calls WHERE key = ?',
    );
    this.insertStatement = this.db.prepare(
      `INSERT OR REPLACE INTO calls (key, spec, kind, response, prompt_tokens, completion_tokens, cost_usd, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.writeBatch = this.db.transaction((entries: [string, CacheEntry][]) => {
      for (const [key, entry] of entries) {
        this.insertStatement.run(
          key,
          entry.spec,
          entry.kind,
          JSON.stringify(entry.response),
          entry.response.usage.promptTokens,
          entry.response.usage.completionTokens,
          entry.costUsd,
          entry.createdAt,
        );
      }
    });
  }

  get(key: string): CacheEntry | undefined {
    const queued = this.pending.get(key);
    if (queued) return { ...queued, response: structuredClone(queued.response) };
    if (this.closed) return undefined;
    let row: Row | undefined;
    try {
      row = this.selectStatement.get(key);
    } catch (error) {
      // An unreadable cache (e.g. locked past the busy timeout) means a miss, not a failed call.
      if (!this.warnedReadFailure) {
        this.warnedReadFailure = true;
        this.warn(`could not read the call cache ${this.path}: ${(error as Error).message}; calling the model instead`);
      }
      return undefined;
    }
    if (!row) return undefined;
    return {
      spec: row.spec,
      kind: row.kind as CallKind,
      response: JSON.parse(row.response) as ModelResponse,
      costUsd: row.cost_usd,
      createdAt: row.created_at,
    };
  }

  /** Commits the entry now (with any earlier ones whose write failed). */
  put(key: string, entry: CacheEntry): void {
    if (this.closed) return;
    this.pending.set(key, entry);
    this.flush();
  }

  /** Commits every queued entry now. A failed commit keeps them queued (and served) for the next try. */
  flush(): void {
    if (this.closed || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      this.writeBatch([...batch]);
    } catch (error) {
      for (const [key, entry] of batch) if (!this.pending.has(key)) this.pending.set(key, entry);
      if (!this.warnedWriteFailure) {
        this.warnedWriteFailure = true;
        this.warn(`could not write to the call cache ${this.path}: ${(error as Error).message}; will retry`);
      }
    }
  }

  /** Number of stored calls (committed and queued). */
  size(): number {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM calls').get() as { n: number };
    let queuedOnly = 0;
    for (const key of this.pending.keys()) if (!this.selectStatement.get(key)) queuedOnly += 1;
    return row.n + queuedOnly;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    if (this.pending.size > 0) {
      this.warn(`${this.pending.size} call(s) could not be saved to the call cache ${this.path}; they will be made again`);
    }
    this.closed = true;
    this.db.close();
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`cache schema version ${version} is newer than this Apprentice understands (${SCHEMA_VERSION})`);
  }
  db.exec(`
    CREATE TABLE IF NOT EXISTS calls (
      key TEXT PRIMARY KEY,
      spec TEXT NOT NULL,
      kind TEXT NOT NULL,
      response TEXT NOT NULL,
      prompt_tokens INTEGER NOT NULL,
      completion_tokens INTEGER NOT NULL,
      cost_usd REAL NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
  `);
  if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
