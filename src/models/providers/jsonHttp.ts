/**
 * One JSON POST over node:http(s) with pooled keep-alive connections: the transport of the OpenAI-compatible
 * provider. Node's `fetch` (undici behind WHATWG streams, Request/Response and Headers objects) and the SDK's
 * per-call machinery on top of it cost about 2 ms of CPU per call; this costs about a sixth of that, which is
 * most of `apprentice eval`'s CPU when the model answers quickly (docs/performance.md).
 *
 * It only moves bytes: the caller maps a status to a ModelError and parses the body. A failure before a
 * complete answer (refused, reset, aborted) rejects with the underlying error.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { urlToHttpOptions } from 'node:url';

export interface JsonHttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text, decompressed. */
  text: string;
}

// One pool per protocol for the whole process: free sockets are unref'd, so they never hold the process open.
let httpAgent: HttpAgent | undefined;
let httpsAgent: HttpsAgent | undefined;

function agentFor(url: URL): HttpAgent {
  if (url.protocol === 'https:') return (httpsAgent ??= new HttpsAgent({ keepAlive: true }));
  return (httpAgent ??= new HttpAgent({ keepAlive: true }));
}

// node:http turns a URL into request options on every call (urlToHttpOptions); a provider posts to a few URLs only.
const targets = new WeakMap<URL, ReturnType<typeof urlToHttpOptions>>();

function targetOf(url: URL): ReturnType<typeof urlToHttpOptions> {
  let target = targets.get(url);
  if (!target) targets.set(url, (target = urlToHttpOptions(url)));
  return target;
}

/** POSTs `body` (JSON text) to `url` (the same URL object again for the same endpoint: its request options are kept); resolves with the whole answer, whatever its status. */
export function postJson(url: URL, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<JsonHttpAnswer> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`unsupported protocol ${url.protocol} in ${url.origin}`));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<JsonHttpAnswer>((resolve, reject) => {
    const request = send(
      {
        ...targetOf(url),
        method: 'POST',
        agent: agentFor(url),
        signal,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'accept-encoding': 'gzip, deflate, br',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (response) => {
        readBody(response).then((text) => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }), reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const source = decoded(response);
    const chunks: Buffer[] = [];
    source.on('data', (chunk: Buffer) => chunks.push(chunk));
    source.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    source.on('error', reject);
    if (source !== response) response.on('error', reject);
    // A connection closed part-way through the body ends without 'end' on some Node versions.
    response.on('close', () => {
      if (!response.complete) reject(new Error('the connection closed before the whole answer arrived'));
    });
  });
}

function decoded(response: IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return response.pipe(createGunzip());
  if (encoding === 'deflate') return response.pipe(createInflate());
  if (encoding === 'br') return response.pipe(createBrotliDecompress());
  return response;
}
