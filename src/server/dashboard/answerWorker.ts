/**
 * The dashboard's answer worker, run in a worker thread (answerWorkers.ts starts it): it computes an answer
 * (answers.ts), serializes it (JSON, gzip, ETag) and sends the bytes back, so that the server's event loop
 * never spends the seconds a large run's first answer takes. It serves every dashboard of the process, each
 * runs folder with its own loaded runs, kept here until that dashboard closes.
 */
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../../util/errors.js';
import { prepareAnswer } from './answerCache.js';
import { answerContext, computeAnswer, type AnswerContext, type AnswerRequest } from './answers.js';

/** The runs folder an answer is computed over. */
export interface AnswerFolder {
  root: string;
  seed: number;
}

export type AnswerJob =
  | { id: number; folder: AnswerFolder; request: AnswerRequest }
  | { forget: AnswerFolder }
  /** The run folders this thread holds loaded, over every runs folder (for the routing tests). */
  | { id: number; loaded: true }
  /** A failure of the thread itself, injected by the reliability tests: an uncaught exception, an exit, or a hang (blocked, never answering). */
  | { fault: 'throw' | 'exit' | 'hang' };

export type AnswerReply =
  | { id: number; json: Uint8Array; gzip: Uint8Array; etag: string }
  | { id: number; error: { message: string; input: boolean; statusCode: number | null } }
  | { id: number; loaded: string[] }
  /** Sent once, when this module is loaded and takes jobs: time limits count from then. */
  | { ready: true };

/** `bytes` in an ArrayBuffer of its own, which can be transferred (a Buffer may be a slice of a shared pool). */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

const folderKey = ({ root, seed }: AnswerFolder) => `${seed}\u0000${root}`;

/** The workerData answerWorkers.ts starts this module with: only then does it take the thread's messages. */
export const ANSWER_WORKER_FLAG = 'apprentice-dashboard-answer-worker';

if (parentPort && workerData === ANSWER_WORKER_FLAG) {
  const port = parentPort;
  if (process.platform === 'linux') {
    // Below the serving thread (on Linux a priority is per thread): on a busy machine, answering requests from
    // what is kept comes before computing new answers.
    try {
      setPriority(0, constants.priority.PRIORITY_BELOW_NORMAL);
    } catch {
      // not permitted: computed at the normal priority
    }
  }
  const contexts = new Map<string, AnswerContext>();
  port.on('message', async (job: AnswerJob) => {
    if ('fault' in job) {
      if (job.fault === 'exit') process.exit(3);
      // Blocked without spending CPU until terminated from outside.
      if (job.fault === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      setImmediate(() => {
        throw new Error('fault injected in the answer worker');
      });
      return;
    }
    if ('forget' in job) {
      contexts.delete(folderKey(job.forget)); // its dashboard closed: the runs it loaded are let go
      return;
    }
    if ('loaded' in job) {
      port.postMessage({ id: job.id, loaded: [...contexts.values()].flatMap((context) => context.store.loadedDirs()) } satisfies AnswerReply);
      return;
    }
    const { id, folder, request } = job;
    let context = contexts.get(folderKey(folder));
    if (!context) contexts.set(folderKey(folder), (context = answerContext(folder.root, folder.seed)));
    let reply: AnswerReply;
    try {
      const answer = prepareAnswer(await computeAnswer(context, request));
      reply = { id, json: ownBytes(answer.json), gzip: ownBytes(answer.gzip), etag: answer.etag };
    } catch (error) {
      const statusCode = (error as { statusCode?: unknown }).statusCode;
      reply = {
        id,
        error: { message: (error as Error).message, input: error instanceof InputError, statusCode: typeof statusCode === 'number' ? statusCode : null },
      };
    }
    const transfer = 'json' in reply ? [reply.json.buffer as ArrayBuffer, reply.gzip.buffer as ArrayBuffer] : [];
    port.postMessage(reply, transfer);
  });
  port.postMessage({ ready: true } satisfies AnswerReply);
}
