/**
 * The dashboard's answers, computed once per state of the files they are computed from. An answer is kept
 * serialized (JSON and gzip, ready to send) under a key (route + ids) with the stamp of its files (path,
 * modification time and size of each); it is recomputed when the stamp changes. So that a hundred visitors
 * cost one computation:
 * - requests for an answer being computed wait for that computation instead of starting their own;
 * - a stamp is checked again at most every `recheckMs`;
 * - when the files change (a run being written changes them continually), the last answer is served while the
 *   new one is computed, and an answer is recomputed at most once per a few times its computation's duration;
 * - at most `concurrency` answers are computed at once, and the kept answers are bounded in bytes (the least
 *   recently used go first).
 */
import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';
import pLimit, { type LimitFunction } from 'p-limit';

const gzip = promisify(gzipCallback);

export interface CachedAnswer {
  json: Buffer;
  gzip: Buffer;
  /** A strong validator of the answer's content, for If-None-Match. */
  etag: string;
}

/** An answer already serialized (by a worker thread: answerWorkers.ts): the cache keeps it as it is. */
export class PreparedAnswer {
  constructor(readonly answer: CachedAnswer) {}
}

/** An answer serialized at once, in the calling thread (a worker's). */
export function prepareAnswer(value: unknown): CachedAnswer {
  const json = Buffer.from(JSON.stringify(value));
  return { json, gzip: gzipSync(json), etag: etagOf(json) };
}

const etagOf = (json: Buffer): string => `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;

export interface AnswerCacheOptions {
  /** Total bytes of kept answers (JSON + gzip); default 256 MiB. */
  maxBytes?: number;
  /** Answers computed at once; default 2. */
  concurrency?: number;
  /** Milliseconds during which an answer is served without checking its files again; default 1000. */
  recheckMs?: number;
  /** Serve the last answer while the answer to changed files is computed; default true. */
  serveStale?: boolean;
  /** With serveStale: an answer is recomputed at most once per this many times its last computation's duration; default 4. */
  minAgeFactor?: number;
}

interface Entry {
  stamp: string;
  checkedAt: number;
  answer: Promise<CachedAnswer>;
  /** The answer once computed. */
  ready: CachedAnswer | null;
  doneAt: number;
  computeMs: number;
  bytes: number;
  /** A newer answer is being computed in the background. */
  replacing: boolean;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly limit: LimitFunction;
  private readonly maxBytes: number;
  private readonly recheckMs: number;
  private readonly serveStale: boolean;
  private readonly minAgeFactor: number;
  private bytes = 0;
  /** Answers computed so far (a measure for tests and benchmarks). */
  computed = 0;

  constructor(options: AnswerCacheOptions = {}) {
    this.limit = pLimit(options.concurrency ?? 2);
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.recheckMs = options.recheckMs ?? 1000;
    this.serveStale = options.serveStale ?? true;
    this.minAgeFactor = options.minAgeFactor ?? 4;
  }

  /**
   * The answer under `key`: the kept one while `stamp()` is what it was, else `compute()`'s, serialized (here, or
   * already, when it is a PreparedAnswer).
   * A failed computation is not kept (and a folder whose stamp cannot be taken drops what was kept).
   */
  async get(key: string, stamp: () => Promise<string>, compute: () => Promise<unknown>): Promise<CachedAnswer> {
    const now = Date.now();
    const kept = this.entries.get(key);
    if (kept && now - kept.checkedAt < this.recheckMs) return this.served(key, kept);
    // Requests arriving during the check are served what is kept (older by at most the check's time).
    if (kept) kept.checkedAt = now;
    let current: string;
    try {
      current = await stamp();
    } catch (error) {
      this.remove(key); // e.g. the folder is gone: nothing kept is served for it any more
      throw error;
    }
    const latest = this.entries.get(key); // another request may have stored one while we were stating files
    if (latest && latest.stamp === current) return this.served(key, latest);
    if (latest?.ready && this.serveStale) {
      // A run being written changes every moment: its last answer is served while the next is computed,
      // and a new computation starts at most once per `minAgeFactor` times the last one's duration.
      if (!latest.replacing && Date.now() - latest.doneAt >= latest.computeMs * this.minAgeFactor) this.replace(key, latest, current, compute);
      return this.served(key, latest);
    }
    const entry = this.start(current, compute);
    this.remove(key);
    this.entries.set(key, entry);
    entry.answer.then(
      () => this.settle(key, entry),
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.answer;
  }

  private start(stamp: string, compute: () => Promise<unknown>): Entry {
    // `answer` is set just below: its computation fills in the entry.
    const entry = { stamp, checkedAt: Date.now(), ready: null, doneAt: 0, computeMs: 0, bytes: 0, replacing: false } as Omit<Entry, 'answer'> as Entry;
    entry.answer = this.limit(async () => {
      const started = performance.now();
      const answer = await this.serialize(compute);
      entry.computeMs = performance.now() - started;
      entry.doneAt = Date.now();
      entry.ready = answer;
      return answer;
    });
    return entry;
  }

  private replace(key: string, old: Entry, stamp: string, compute: () => Promise<unknown>): void {
    old.replacing = true;
    const entry = this.start(stamp, compute);
    entry.answer.then(
      () => {
        if (this.entries.get(key) !== old) return;
        this.remove(key);
        this.entries.set(key, entry);
        this.settle(key, entry);
      },
      () => {
        if (this.entries.get(key) === old) this.remove(key); // the next request computes it again, and sees why it fails
      },
    );
  }

  private settle(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry || !entry.ready) return;
    entry.bytes = entry.ready.json.length + entry.ready.gzip.length;
    this.bytes += entry.bytes;
    this.evict();
  }

  private served(key: string, entry: Entry): Promise<CachedAnswer> {
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.ready ? Promise.resolve(entry.ready) : entry.answer;
  }

  private async serialize(compute: () => Promise<unknown>): Promise<CachedAnswer> {
    const value = await compute();
    this.computed += 1;
    if (value instanceof PreparedAnswer) return value.answer;
    const json = Buffer.from(JSON.stringify(value));
    return { json, gzip: await gzip(json), etag: etagOf(json) };
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.entries.delete(key);
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      if (entry.bytes > 0) this.remove(key);
    }
  }
}

/**
 * The stamp of files and folders: each path's modification time and size; for a folder, those of the files in
 * it, `depth` levels down (symbolic links are stamped as links, never followed). A missing path stamps as such.
 */
export async function filesStamp(paths: readonly string[], depth = 0): Promise<string> {
  const parts = await Promise.all(paths.map((path) => stampOf(path, depth)));
  return parts.join('\n');
}

async function stampOf(path: string, depth: number): Promise<string> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return `${path}:missing`;
  }
  if (!stats.isDirectory()) return `${path}:${stats.mtimeMs}:${stats.size}`;
  let names: string[];
  try {
    names = (await readdir(path)).sort();
  } catch {
    return `${path}:unreadable`;
  }
  const inside = await Promise.all(
    names.map(async (name) => {
      const child = join(path, name);
      const childStats = await lstat(child).catch(() => null);
      if (!childStats) return `${child}:missing`;
      if (childStats.isDirectory()) return depth > 0 ? stampOf(child, depth - 1) : `${child}/`;
      return `${child}:${childStats.mtimeMs}:${childStats.size}`;
    }),
  );
  return [`${path}/`, ...inside].join('\n');
}
