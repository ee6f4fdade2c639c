/**
 * The threads the dashboard computes its answers in (answerWorker.ts): a large run's first answer takes seconds
 * of reading, summarizing, rendering and serializing, which in the server's thread would hold up every other
 * request meanwhile. One pool serves every dashboard of the process (starting a worker costs the loading of
 * the report and chart modules): up to WORKERS threads, started when first needed; a job goes to an idle
 * worker, else to the one with the fewest jobs. From the TypeScript sources (tests, tsx) a worker loads its
 * module through tsx's loader.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../util/errors.js';
import { PreparedAnswer } from './answerCache.js';
import type { AnswerFolder, AnswerJob, AnswerReply } from './answerWorker.js';

/** answerWorker.ts's ANSWER_WORKER_FLAG (not imported: that module is loaded only in its threads). */
const WORKER_DATA = 'apprentice-dashboard-answer-worker';
import type { AnswerRequest } from './answers.js';
import { HttpError } from './httpError.js';

interface Pending {
  resolve: (answer: PreparedAnswer) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Answers computed at once, in as many threads. */
const WORKERS = 2;

class AnswerWorkers {
  private readonly slots: Slot[] = [];
  private nextId = 0;

  /** The answer to `request` over `folder`, computed and serialized in a worker. */
  answer(folder: AnswerFolder, request: AnswerRequest): Promise<PreparedAnswer> {
    const slot = this.pick();
    const id = this.nextId++;
    return new Promise<PreparedAnswer>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const job: AnswerJob = { id, folder, request };
      slot.worker.postMessage(job);
    });
  }

  /** Lets the workers drop what they keep of `folder`. */
  forget(folder: AnswerFolder): void {
    const job: AnswerJob = { forget: folder };
    for (const slot of this.slots) slot.worker.postMessage(job);
  }

  /** The worker threads running now. */
  get threadIds(): number[] {
    return this.slots.map((slot) => slot.worker.threadId);
  }

  /** Jobs sent to the workers and not answered yet. */
  get pendingJobs(): number {
    return this.slots.reduce((sum, slot) => sum + slot.pending.size, 0);
  }

  /**
   * Makes every running worker fail (for the reliability tests): throw an uncaught exception, exit, or be
   * terminated from here. Their pending answers fail with a 503; the next job starts a new worker.
   */
  injectFault(fault: 'throw' | 'exit' | 'terminate'): void {
    for (const slot of this.slots) {
      if (fault === 'terminate') void slot.worker.terminate();
      else slot.worker.postMessage({ fault } satisfies AnswerJob);
    }
  }

  private pick(): Slot {
    const idle = this.slots.find((slot) => slot.pending.size === 0);
    if (idle) return idle;
    if (this.slots.length < WORKERS) return this.start();
    return this.slots.reduce((least, slot) => (slot.pending.size < least.pending.size ? slot : least));
  }

  private start(): Slot {
    const slot: Slot = { worker: startWorkerThread(), pending: new Map() };
    slot.worker.on('message', (reply: AnswerReply) => {
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if ('error' in reply) pending.reject(replyError(reply.error));
      else pending.resolve(new PreparedAnswer({ json: bufferOf(reply.json), gzip: bufferOf(reply.gzip), etag: reply.etag }));
    });
    const stopped = (why: string) => {
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1); // the next job starts a new worker
      const error = new HttpError(503, `the dashboard's answer worker stopped (${why}) while computing this answer; it has been restarted: try again`);
      for (const pending of slot.pending.values()) pending.reject(error);
      slot.pending.clear();
    };
    slot.worker.on('error', (error) => stopped(error.message));
    slot.worker.on('exit', (code) => stopped(`exit code ${code}`));
    // A dashboard is kept alive by its server, not by the workers (after the listeners: adding one refs the port).
    slot.worker.unref();
    this.slots.push(slot);
    return slot;
  }
}

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
