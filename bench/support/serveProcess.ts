/**
 * What the serving benches (serve-load.ts, serve-batching.ts) share: `apprentice serve` as users run it, the built
 * command in its own process on loopback, JSON POSTs to it over a keep-alive agent, and latency percentiles.
 */
import { spawn } from 'node:child_process';
import { type Agent, type IncomingMessage, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'apprentice.js');

export interface ServeProcess {
  /** The base URL (without /v1), once the command prints it. */
  url: Promise<string>;
  /** Interrupts the command and resolves once it has exited. */
  stop: () => Promise<void>;
}

/** Starts `apprentice serve <args>` on a free loopback port. */
export function startServe(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited (${code}):\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * POSTs `body` (JSON) and resolves with the response once its head has arrived; the request is destroyed (an error
 * on it, or on the response) when the socket is idle for `timeoutMs`.
 */
export function postJson(url: string, body: string, agent: Agent, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The nearest-rank percentile `p` (0-100) of `values` (NaN when there are none). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
