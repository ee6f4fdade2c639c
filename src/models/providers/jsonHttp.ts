/**
 * One JSON POST over pooled keep-alive HTTP/1.1 connections (httpConnection.ts): the transport of the
 * OpenAI-compatible provider. Node's `fetch` and the SDK's per-call machinery cost about 2 ms of CPU per call and
 * node:http's client about 0.36 ms; this under half of that (bench/http-clients.ts), which matters because an eval
 * waits on it once per example (docs/performance.md).
 *
 * It only moves bytes: the caller maps a status to a ModelError and parses the body. A failure before a
 * complete answer (refused, reset, aborted) rejects with the underlying error. Like node:http, a request is
 * never retried here (the middleware retries), and no proxy is used.
 */
import { connect, isIP, type Socket } from 'node:net';
import { HttpConnection } from './httpConnection.js';

export interface JsonHttpAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as UTF-8 text, decompressed. */
  text: string;
}

/** Idle connections kept per origin (node:http's agent keeps 256 too). */
const MAX_IDLE = 256;

interface Origin {
  secure: boolean;
  /** Host name or IP address to connect to (an IPv6 address without its brackets). */
  host: string;
  port: number;
}

interface Pool {
  origin: Origin;
  idle: HttpConnection[];
}

// One pool per origin for the whole process; idle connections are unref'd, so they never hold the process open.
const pools = new Map<string, Pool>();

function poolOf(url: URL): Pool {
  let pool = pools.get(url.origin);
  if (!pool) {
    const secure = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    pool = { origin: { secure, host, port: Number(url.port) || (secure ? 443 : 80) }, idle: [] };
    pools.set(url.origin, pool);
  }
  return pool;
}

// node:tls and node:zlib load on first use (an eval against a local server over http needs neither).
let tls: typeof import('node:tls') | undefined;
let zlib: typeof import('node:zlib') | undefined;

function openSocket({ secure, host, port }: Origin): Socket {
  if (!secure) return connect({ host, port });
  return tls!.connect({ host, port, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] });
}

function connectionFor(pool: Pool): HttpConnection {
  for (let connection = pool.idle.pop(); connection; connection = pool.idle.pop()) {
    if (connection.usable) return connection;
    connection.destroy();
  }
  return new HttpConnection(
    openSocket(pool.origin),
    (idle) => {
      if (pool.idle.length < MAX_IDLE) pool.idle.push(idle);
      else idle.destroy();
    },
    (closed) => {
      const at = pool.idle.indexOf(closed);
      if (at >= 0) pool.idle.splice(at, 1);
    },
  );
}

// The request head up to its content length, per URL and header set: a provider posts to a few URLs with one set.
const heads = new WeakMap<URL, { headers: Record<string, string>; head: string }>();

function headOf(url: URL, headers: Record<string, string>): string {
  const known = heads.get(url);
  if (known?.headers === headers) return known.head;
  let head =
    `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n` +
    'content-type: application/json\r\naccept: application/json\r\naccept-encoding: gzip, deflate, br\r\n';
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^`|~\w-]+$/.test(name)) throw new Error(`"${name}" is not a valid HTTP header name`);
    if (/[\r\n\0]/.test(value)) throw new Error(`the ${name} header's value contains a line break`);
    head += `${name}: ${value}\r\n`;
  }
  heads.set(url, { headers, head });
  return head;
}

/** POSTs `body` (JSON text) to `url` (the same URL object again for the same endpoint: its request head is kept); resolves with the whole answer, whatever its status. */
export async function postJson(url: URL, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<JsonHttpAnswer> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol} in ${url.origin}`);
  const request = `${headOf(url, headers)}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const pool = poolOf(url);
  if (pool.origin.secure) tls ??= await import('node:tls');
  signal?.throwIfAborted();
  const connection = connectionFor(pool);
  const abort = () => connection.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const answer = await connection.exchange(request);
    const body = decoded(answer.body, answer.headers['content-encoding']);
    return { status: answer.status, headers: answer.headers, text: (Buffer.isBuffer(body) ? body : await body).toString('utf8') };
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/** The body as sent when it is not compressed (no extra await per call), else a promise of it decompressed. */
function decoded(body: Buffer, encoding: string | undefined): Buffer | Promise<Buffer> {
  const name = encoding?.trim().toLowerCase();
  if (name !== 'gzip' && name !== 'x-gzip' && name !== 'deflate' && name !== 'br') return body;
  return decompressed(body, name);
}

async function decompressed(body: Buffer, name: 'gzip' | 'x-gzip' | 'deflate' | 'br'): Promise<Buffer> {
  const { gunzip, inflate, brotliDecompress } = (zlib ??= await import('node:zlib'));
  const decode = name === 'deflate' ? inflate : name === 'br' ? brotliDecompress : gunzip;
  return new Promise<Buffer>((resolve, reject) => decode(body, (error, result) => (error ? reject(error) : resolve(result))));
}
