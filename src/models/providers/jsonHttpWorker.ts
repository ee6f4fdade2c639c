/**
 * The thread the OpenAI-compatible provider's HTTP requests run in (offThreadHttp.ts starts it): node:http's
 * client costs about as much JavaScript per call as the rest of an evaluation's per-call work together, so at
 * 32 calls in flight against a fast server it would make the main thread the bottleneck. Here each request
 * is one postJson (jsonHttp.ts: pooled keep-alive connections, decompression); the main thread only posts the
 * request and gets the status, headers and body text back.
 */
import { parentPort } from 'node:worker_threads';
import { postJson } from './jsonHttp.js';

export type JsonHttpJob = { id: number; url: string; body: string; headers: Record<string, string> } | { abort: number };

export type JsonHttpReply =
  /** Sent once, when the worker listens for requests. */
  | { ready: true }
  | { id: number; status: number; headers: Record<string, string | string[] | undefined>; text: string }
  | { id: number; error: { name: string; message: string; code?: string } };

if (parentPort) {
  const port = parentPort;
  const inFlight = new Map<number, AbortController>();
  // A provider posts to a few URLs: their parsed form (and postJson's request options for it) is kept.
  const urls = new Map<string, URL>();
  port.on('message', (job: JsonHttpJob) => {
    if ('abort' in job) {
      inFlight.get(job.abort)?.abort();
      return;
    }
    const controller = new AbortController();
    inFlight.set(job.id, controller);
    let url = urls.get(job.url);
    if (!url) urls.set(job.url, (url = new URL(job.url)));
    postJson(url, job.body, job.headers, controller.signal).then(
      (answer) => {
        inFlight.delete(job.id);
        port.postMessage({ id: job.id, status: answer.status, headers: answer.headers, text: answer.text } satisfies JsonHttpReply);
      },
      (error: unknown) => {
        inFlight.delete(job.id);
        const { name, message, code } = error instanceof Error ? (error as NodeJS.ErrnoException) : { name: 'Error', message: String(error), code: undefined };
        port.postMessage({ id: job.id, error: { name, message, ...(code ? { code } : {}) } } satisfies JsonHttpReply);
      },
    );
  });
  port.postMessage({ ready: true } satisfies JsonHttpReply);
}
