/**
 * postJson (jsonHttp.ts) run in a worker thread (jsonHttpWorker.ts): the same answer or failure, for a
 * fraction of the main thread's time per call (posting a message and receiving one instead of node:http's
 * request, socket and parser work), which keeps an evaluation with many calls in flight from being bound by
 * its one JavaScript thread.
 *
 * One worker serves the whole process, started at the first request made while another is in flight (a
 * process making one call at a time never pays for a thread) when the machine has a core to spare; until it says it is ready, requests run in this
 * thread, so no call waits for it to start. It holds the process open only while requests are in
 * flight. An abort rejects at once (the worker drops the request). A worker that dies fails its requests as
 * connection errors and the next request starts another; one that never got ready is not tried again.
 * From the TypeScript sources (tests, tsx) requests stay in this thread unless `useHttpWorker(true)`: a worker
 * there loads tsx first, which costs more than it saves.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../util/moduleWorker.js';
import { postJson, type JsonHttpAnswer } from './jsonHttp.js';
import type { JsonHttpJob, JsonHttpReply } from './jsonHttpWorker.js';

interface Pending {
  resolve: (answer: JsonHttpAnswer) => void;
  reject: (error: Error) => void;
}

/**
 * 'auto': the worker when the machine has a core to spare. APPRENTICE_HTTP_WORKER=0 keeps every request on the
 * main thread, =1 always uses the worker (to compare the two, or where threads misbehave).
 */
let enabled: boolean | 'auto' =
  process.env.APPRENTICE_HTTP_WORKER === '0' ? false : process.env.APPRENTICE_HTTP_WORKER === '1' ? true : import.meta.url.endsWith('.ts') ? false : 'auto';
let worker: Worker | undefined;
let ready = false;
const pending = new Map<number, Pending>();
let nextId = 0;
/** Requests running in this thread now. */
let inThread = 0;

/** Runs requests in the worker thread (true, whatever the load) or in this one (false). */
export function useHttpWorker(use: boolean): void {
  enabled = use;
}

/** Where requests run now: in this thread ('off'), here while the worker starts ('starting'), or in it ('ready'). */
export function httpWorkerState(): 'off' | 'starting' | 'ready' {
  if (!worker) return 'off';
  return ready ? 'ready' : 'starting';
}

function start(): void {
  // No flags of this process (--input-type, --eval, a loader): the worker is a plain module.
  const thread = startModuleWorker('./jsonHttpWorker.js', import.meta.url, { execArgv: [] });
  worker = thread;
  ready = false;
  const stopped = (why: string) => {
    if (worker !== thread) return;
    worker = undefined;
    if (!ready) enabled = false;
    ready = false;
    const error = new Error(`the HTTP worker thread stopped (${why})`);
    const calls = [...pending.values()];
    pending.clear();
    for (const call of calls) call.reject(error);
  };
  thread.on('message', (reply: JsonHttpReply) => {
    if ('ready' in reply) {
      ready = true;
      return;
    }
    const call = pending.get(reply.id);
    if (!call) return; // aborted meanwhile
    settled(reply.id);
    if ('error' in reply) call.reject(Object.assign(new Error(reply.error.message), reply.error));
    else call.resolve({ status: reply.status, headers: reply.headers, text: reply.text });
  });
  thread.on('error', (error) => stopped(error.message));
  thread.on('exit', (code) => stopped(`exit code ${code}`));
  thread.unref();
}

/**
 * Whether the machine has a core the worker can run on: with every core taken (the load average at or above
 * their number) its hops between threads cost more than the main thread saves (docs/performance.md).
 */
function coreToSpare(): boolean {
  return loadavg()[0]! < availableParallelism() - 0.5;
}

function settled(id: number): void {
  pending.delete(id);
  if (pending.size === 0) worker?.unref();
}

/** postJson in the HTTP worker thread once it is ready: resolves with the whole answer, whatever its status. */
export function postJsonOffThread(url: URL, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<JsonHttpAnswer> {
  if (enabled !== false && !worker && inThread > 0 && (enabled === true || coreToSpare())) start();
  if (!worker || !ready || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    inThread++;
    return postJson(url, body, headers, signal).finally(() => inThread--);
  }
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  const thread = worker;
  const id = nextId++;
  return new Promise<JsonHttpAnswer>((resolve, reject) => {
    const onAbort = () => {
      if (!pending.has(id)) return;
      settled(id);
      thread.postMessage({ abort: id } satisfies JsonHttpJob);
      reject(abortedError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    pending.set(id, {
      resolve: (answer) => {
        done();
        resolve(answer);
      },
      reject: (error) => {
        done();
        reject(error);
      },
    });
    if (pending.size === 1) thread.ref();
    thread.postMessage({ id, url: url.href, body, headers } satisfies JsonHttpJob);
  });
}

function abortedError(signal: AbortSignal): Error {
  return Object.assign(new Error('the request was aborted', { cause: signal.reason }), { name: 'AbortError' });
}
