/**
 * The threads the dashboard computes its answers in (answerWorker.ts): a large run's first answer takes seconds
 * of reading, summarizing, rendering and serializing, which in the server's thread would hold up every other
 * request meanwhile. One pool serves every dashboard of the process (starting a worker costs the loading of
 * the report and chart modules): up to WORKERS threads, started when first needed.
 *
 * A run is read and kept by one worker only, its holder: every job over a run (its page, its examples, its
 * listing in the runs list) goes to that worker, so a large run is read once, not once per thread. A run not
 * held yet goes to a new worker while fewer than WORKERS run, else to the one holding the fewest bytes of
 * records, so that different runs keep every worker busy; the runs list is read in parts, each run's listing
 * by its holder, all at once. A job over no run goes to an idle worker, else to the one with the fewest jobs.
 *
 * Every job has a time limit: a worker that has not answered one in time is taken to be hung; it is stopped,
 * its jobs fail with a 503 that says so, and the next job starts a new worker, as after a crash. From the
 * TypeScript sources (tests, tsx) a worker loads its module through tsx's loader.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RECORDS_FILE } from '../../runs/runDir.js';
import { InputError } from '../../util/errors.js';
import { PreparedAnswer } from './answerCache.js';
import type { AnswerFolder, AnswerJob, AnswerReply } from './answerWorker.js';
import type { AnswerRequest } from './answers.js';
import type { RunListing } from './api.js';
import { HttpError } from './httpError.js';

/** answerWorker.ts's ANSWER_WORKER_FLAG (not imported: that module is loaded only in its threads). */
const WORKER_DATA = 'apprentice-dashboard-answer-worker';

interface Pending {
  resolve: (reply: AnswerReply) => void;
  reject: (error: Error) => void;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  /** Whether the worker has loaded its module: jobs' time limits count from then (start-up has its own). */
  ready: boolean;
  pending: Map<number, Pending>;
  /** The runs this worker holds (by runKey), with the bytes of their records. */
  runs: Map<string, number>;
}

/** Answers computed at once, in as many threads. */
const WORKERS = 2;

/** A job's time limit when its dashboard sets none: longer than any answer of a run of millions of records takes on a loaded machine. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 10 * 60_000;

/** Time a new worker has to load its modules (the report, chart and run readers) before it is taken to be hung. */
const START_TIMEOUT_MS = 2 * 60_000;

const folderKey = ({ root, seed }: AnswerFolder) => `${seed}\u0000${root}\u0000`;
const runKey = (folder: AnswerFolder, dir: string) => folderKey(folder) + dir;

/** The run folders whose holder computes `request` (the first run of a comparison), or none. */
function runDirsOf(folder: AnswerFolder, request: AnswerRequest): string[] {
  switch (request.route) {
    case 'run':
    case 'run/examples':
      return [resolve(folder.root, request.id)];
    case 'compare':
      return request.ids.slice(0, 1).map((id) => resolve(folder.root, id));
    case 'listings':
      return request.dirs;
    default:
      return [];
  }
}

function recordBytes(dir: string): number {
  try {
    return statSync(join(dir, RECORDS_FILE)).size;
  } catch {
    return 0;
  }
}

class AnswerWorkers {
  private readonly slots: Slot[] = [];
  private nextId = 0;

  /** The answer to `request` over `folder`, computed and serialized in a worker, or a 503 after `timeoutMs`. */
  async answer(folder: AnswerFolder, request: AnswerRequest, timeoutMs = DEFAULT_ANSWER_TIMEOUT_MS): Promise<PreparedAnswer> {
    if (request.route === 'runs' && !request.listings) {
      const listings = await this.listings(folder, request.found.runs, timeoutMs);
      return this.answer(folder, { ...request, listings }, timeoutMs);
    }
    const [dir] = runDirsOf(folder, request);
    return this.answerIn(dir === undefined ? this.pickAny() : this.holderOf(folder, dir), folder, request, timeoutMs);
  }

  /** Lets the workers drop what they keep of `folder`. */
  forget(folder: AnswerFolder): void {
    const job: AnswerJob = { forget: folder };
    const prefix = folderKey(folder);
    for (const slot of this.slots) {
      for (const key of slot.runs.keys()) if (key.startsWith(prefix)) slot.runs.delete(key);
      slot.worker.postMessage(job);
    }
  }

  /** The worker threads running now. */
  get threadIds(): number[] {
    return this.slots.map((slot) => slot.worker.threadId);
  }

  /** Jobs sent to the workers and not answered yet. */
  get pendingJobs(): number {
    return this.slots.reduce((sum, slot) => sum + slot.pending.size, 0);
  }

  /** The run folders each running worker holds loaded, by thread id, as the workers themselves report them. */
  async loadedRuns(timeoutMs = DEFAULT_ANSWER_TIMEOUT_MS): Promise<Map<number, string[]>> {
    const held = await Promise.all(
      this.slots.map(async (slot) => {
        const reply = await this.send(slot, { id: this.nextId++, loaded: true }, timeoutMs);
        return [slot.worker.threadId, 'loaded' in reply ? reply.loaded : []] as const;
      }),
    );
    return new Map(held);
  }

  /**
   * Makes the running workers (or the one with `threadId`) fail, for the reliability tests: throw an uncaught
   * exception, exit, hang, or be terminated from here. Their pending answers fail with a 503; the next job
   * starts a new worker.
   */
  injectFault(fault: 'throw' | 'exit' | 'hang' | 'terminate', threadId?: number): void {
    for (const slot of this.slots) {
      if (threadId !== undefined && slot.worker.threadId !== threadId) continue;
      if (fault === 'terminate') void slot.worker.terminate();
      else slot.worker.postMessage({ fault } satisfies AnswerJob);
    }
  }

  /** The listings of the runs in `dirs`, each read by its holder, the holders at once. */
  private async listings(folder: AnswerFolder, dirs: readonly string[], timeoutMs: number): Promise<RunListing[]> {
    const byHolder = new Map<Slot, string[]>();
    for (const dir of dirs) {
      const slot = this.holderOf(folder, dir);
      byHolder.set(slot, [...(byHolder.get(slot) ?? []), dir]);
    }
    const parts = await Promise.all([...byHolder].map(([slot, held]) => this.answerIn(slot, folder, { route: 'listings', dirs: held }, timeoutMs)));
    return parts.flatMap((part) => JSON.parse(part.answer.json.toString('utf8')) as RunListing[]);
  }

  private async answerIn(slot: Slot, folder: AnswerFolder, request: AnswerRequest, timeoutMs: number): Promise<PreparedAnswer> {
    const reply = await this.send(slot, { id: this.nextId++, folder, request }, timeoutMs);
    if ('error' in reply) throw replyError(reply.error);
    if (!('json' in reply)) throw new Error('the answer worker replied without an answer');
    return new PreparedAnswer({ json: bufferOf(reply.json), gzip: bufferOf(reply.gzip), etag: reply.etag });
  }

  private send(slot: Slot, job: AnswerJob & { id: number }, timeoutMs: number): Promise<AnswerReply> {
    return new Promise<AnswerReply>((resolveReply, reject) => {
      const pending: Pending = { resolve: resolveReply, reject, timeoutMs };
      if (slot.ready) this.arm(slot, pending);
      slot.pending.set(job.id, pending);
      slot.worker.postMessage(job);
    });
  }

  /** Starts (again) the time limit of a job: when it passes, the worker is taken to be hung and stopped. */
  private arm(slot: Slot, pending: Pending): void {
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      this.stop(slot, `an answer took longer than ${formatSeconds(pending.timeoutMs)}, so the worker was taken to be hung`);
      void slot.worker.terminate();
    }, pending.timeoutMs);
    pending.timer.unref();
  }

  /** The worker holding the run in `dir`, chosen now if none does. */
  private holderOf(folder: AnswerFolder, dir: string): Slot {
    const key = runKey(folder, dir);
    const holder = this.slots.find((slot) => slot.runs.has(key));
    if (holder) return holder;
    const slot = this.slots.length < WORKERS ? this.start() : this.slots.reduce((least, slot) => (heldBytes(slot) < heldBytes(least) ? slot : least));
    slot.runs.set(key, recordBytes(dir));
    return slot;
  }

  private pickAny(): Slot {
    const idle = this.slots.find((slot) => slot.pending.size === 0);
    if (idle) return idle;
    if (this.slots.length < WORKERS) return this.start();
    return this.slots.reduce((least, slot) => (slot.pending.size < least.pending.size ? slot : least));
  }

  /** Takes `slot` out of the pool (the next job starts a new worker) and fails its jobs. */
  private stop(slot: Slot, why: string): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    const error = new HttpError(503, `the dashboard's answer worker stopped (${why}) while computing this answer; it has been restarted: try again`);
    for (const pending of slot.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    slot.pending.clear();
    slot.runs.clear();
  }

  private start(): Slot {
    const slot: Slot = { worker: startWorkerThread(), ready: false, pending: new Map(), runs: new Map() };
    const startUp = setTimeout(() => {
      this.stop(slot, `it did not start within ${formatSeconds(START_TIMEOUT_MS)}`);
      void slot.worker.terminate();
    }, START_TIMEOUT_MS).unref();
    slot.worker.on('message', (reply: AnswerReply) => {
      if ('ready' in reply) {
        // The jobs sent meanwhile have their whole time from now: loading the modules is not computing their answers.
        clearTimeout(startUp);
        slot.ready = true;
        for (const pending of slot.pending.values()) this.arm(slot, pending);
        return;
      }
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      clearTimeout(pending.timer);
      pending.resolve(reply);
    });
    slot.worker.on('error', (error) => this.stop(slot, error.message));
    slot.worker.on('exit', (code) => {
      clearTimeout(startUp);
      this.stop(slot, `exit code ${code}`);
    });
    // A dashboard is kept alive by its server, not by the workers (after the listeners: adding one refs the port).
    slot.worker.unref();
    this.slots.push(slot);
    return slot;
  }
}

const heldBytes = (slot: Slot): number => [...slot.runs.values()].reduce((sum, bytes) => sum + bytes, 0);

const formatSeconds = (ms: number): string => `${ms >= 10_000 ? (ms / 1000).toFixed(0) : (ms / 1000).toFixed(1)} s`;

/** The process's answer workers. */
export const answerWorkers = new AnswerWorkers();

function startWorkerThread(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./answerWorker.js', self), { workerData: WORKER_DATA });
  const tsx = pathToFileURL(
    createRequire(self)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const module = new URL('./answerWorker.ts', self).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module)}); })`, {
    eval: true,
    workerData: WORKER_DATA,
  });
}

function replyError(error: { message: string; input: boolean; statusCode: number | null }): Error {
  if (error.input) return new InputError(error.message);
  if (error.statusCode !== null) return new HttpError(error.statusCode, error.message);
  return new Error(error.message);
}

const bufferOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
