/**
 * The persistent call cache: one SQLite file shared by every run (and by concurrent processes,
 * through WAL mode and a busy timeout). Each answer is committed before the caller sees it, so a
 * killed run never holds a result (in its records) that the cache lost; with WAL and
 * synchronous=NORMAL a commit costs tens of microseconds. An entry whose write failed (e.g. the
 * file is locked) stays queued, is served from memory, and is written with the next one.
 *
 * Calls in flight are claimed, so concurrent runs never both pay for one request: within a process
 * through `inFlight` (the pending calls by key), across processes through a claim row (key, the
 * claimer's pid and host, a heartbeat time) that the answer's commit deletes in the same transaction.
 * A process that finds a request claimed by another waits for its answer; a claim whose process is
 * gone (same host, pid not alive) or whose heartbeat stopped is stale and taken over.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
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

/** How long a claim lives without a heartbeat from its process (which refreshes it every third of this). */
export const DEFAULT_CLAIM_STALE_MS = 30_000;

/** The result of trying to claim a request: ours to call, or being called by another process now. */
export type ClaimResult = 'claimed' | 'claimed elsewhere';

interface ClaimRow {
  pid: number;
  host: string;
  token: string;
  heartbeat_at: number;
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
  private readonly claimStatements: {
    insert: Database.Statement<[string, number, string, string, number]>;
    select: Database.Statement<[string], ClaimRow>;
    takeOver: Database.Statement<[number, string, string, number, string, string]>;
    remove: Database.Statement<[string, string]>;
    heartbeat: Database.Statement<[number, string]>;
  };
  private pending = new Map<string, CacheEntry>();
  private closed = false;
  private readonly warn: (message: string) => void;
  private warnedWriteFailure = false;
  private warnedReadFailure = false;
  private warnedClaimFailure = false;
  /** Identifies this cache's claims (one process may open the file more than once). */
  private readonly token = randomUUID();
  private readonly host = hostname();
  private readonly claimStaleMs: number;
  private readonly held = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** Calls in flight in this process, by key: an identical call waits for this one. */
  readonly inFlight = new Map<string, Promise<ModelResponse>>();

  /** `path` may be `:memory:`. Parent directories are created. */
  // better-sqlite3 (a native addon) loads with the first cache opened, not with every command that might open one.
  constructor(path: string, options: { busyTimeoutMs?: number; warn?: (message: string) => void; claimStaleMs?: number } = {}) {
    this.path = path;
    this.claimStaleMs = options.claimStaleMs ?? DEFAULT_CLAIM_STALE_MS;
    this.warn = options.warn ?? ((message) => process.stderr.write(`warning: ${message}\n`));
    let db: Database.Database | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const SQLite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
      db = new SQLite(path, { timeout: options.busyTimeoutMs ?? 15_000 });
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
    this.selectStatement = this.db.prepare<[string], Row>('SELECT spec, kind, response, cost_usd, created_at FROM calls WHERE key = ?');
    this.insertStatement = this.db.prepare(
      `INSERT OR REPLACE INTO calls (key, spec, kind, response, prompt_tokens, completion_tokens, cost_usd, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.claimStatements = {
      insert: this.db.prepare('INSERT INTO claims (key, pid, host, token, heartbeat_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING'),
      select: this.db.prepare('SELECT pid, host, token, heartbeat_at FROM claims WHERE key = ?'),
      takeOver: this.db.prepare('UPDATE claims SET pid = ?, host = ?, token = ?, heartbeat_at = ? WHERE key = ? AND token = ?'),
      remove: this.db.prepare('DELETE FROM claims WHERE key = ? AND token = ?'),
      heartbeat: this.db.prepare('UPDATE claims SET heartbeat_at = ? WHERE token = ?'),
    };
    const deleteClaim = this.claimStatements.remove;
    this.writeBatch = this.db.transaction((entries: [string, CacheEntry][]) => {
      for (const [key, entry] of entries) {
        deleteClaim.run(key, this.token);
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

  /**
   * Claims `key` for this process's call, unless another process is calling it now. A claim this
   * cache cannot write (e.g. the file is locked) counts as claimed: coordination never fails a call.
   */
  claim(key: string, races = 0): ClaimResult {
    if (this.closed) return 'claimed';
    try {
      const now = Date.now();
      const inserted = this.claimStatements.insert.run(key, process.pid, this.host, this.token, now);
      if (inserted.changes === 0) {
        const row = this.claimRow(key);
        if (row && row.token !== this.token && !this.isStale(row, now)) return 'claimed elsewhere';
        if (row && row.token !== this.token) {
          // Take over a stale claim, unless another process took it over first.
          const taken = this.claimStatements.takeOver.run(process.pid, this.host, this.token, now, key, row.token);
          if (taken.changes === 0) return races < 3 ? this.claim(key, races + 1) : 'claimed elsewhere';
        } else if (!row) {
          // Released between the insert and the read.
          return races < 3 ? this.claim(key, races + 1) : 'claimed elsewhere';
        }
      }
      this.held.add(key);
      this.startHeartbeat();
    } catch (error) {
      this.warnClaimFailure(error);
    }
    return 'claimed';
  }

  /** True while another live process holds a claim on `key` (its answer is not stored yet). */
  isClaimedElsewhere(key: string): boolean {
    if (this.closed) return false;
    try {
      const row = this.claimRow(key);
      return row !== undefined && row.token !== this.token && !this.isStale(row, Date.now());
    } catch (error) {
      this.warnClaimFailure(error);
      return false;
    }
  }

  /** Gives up this cache's claim on `key` (after a failed call; a stored answer releases it itself). */
  release(key: string): void {
    if (!this.held.delete(key)) return;
    if (this.held.size === 0) this.stopHeartbeat();
    if (this.closed) return;
    try {
      this.claimStatements.remove.run(key, this.token);
    } catch (error) {
      this.warnClaimFailure(error); // the claim goes stale once its heartbeat stops
    }
  }

  private claimRow(key: string): ClaimRow | undefined {
    return this.claimStatements.select.get(key);
  }

  private isStale(row: ClaimRow, now: number): boolean {
    if (now - row.heartbeat_at > this.claimStaleMs) return true;
    return row.host === this.host && !processIsAlive(row.pid);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(
      () => {
        try {
          this.claimStatements.heartbeat.run(Date.now(), this.token);
        } catch (error) {
          this.warnClaimFailure(error);
        }
      },
      Math.max(10, Math.floor(this.claimStaleMs / 3)),
    );
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private warnClaimFailure(error: unknown): void {
    if (this.warnedClaimFailure) return;
    this.warnedClaimFailure = true;
    this.warn(`could not coordinate calls in flight through the call cache ${this.path}: ${(error as Error).message}; ` + 'a concurrent run may repeat a call');
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
    for (const key of [...this.held]) this.release(key);
    this.stopHeartbeat();
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
    CREATE TABLE IF NOT EXISTS claims (
      key TEXT PRIMARY KEY,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      token TEXT NOT NULL,
      heartbeat_at INTEGER NOT NULL
    ) WITHOUT ROWID;
  `);
  if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
