/**
 * CPU per call of the `openai:` provider's transport (src/models/providers/jsonHttp.ts: pooled keep-alive
 * sockets read by http-parser-js) against node:http's client with a keep-alive agent (the transport before),
 * in one process, alternating rounds, against the same loopback server in a child process answering after a
 * fixed latency (50 ms by default: the sockets sit idle between calls, as in an eval). Prints each client's CPU
 * per call (process.cpuUsage of this process) and the ratio.
 *
 *   npx tsx bench/http-clients.ts [calls per round, default 2000] [rounds, default 3] [concurrency, default 32] [latency ms, default 50]
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { postJson } from '../src/models/providers/jsonHttp.js';

const [calls = 2000, rounds = 3, concurrency = 32, latencyMs = 50] = process.argv.slice(2).map(Number);
const server = spawn(process.execPath, ['--import', 'tsx', new URL('./support/latencyServer.ts', import.meta.url).pathname, String(latencyMs)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [base] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
const url = new URL(`${base}/chat/completions`);
const body = JSON.stringify({
  model: 'm',
  messages: [{ role: 'user', content: 'Classify the sentiment of the review as negative or positive.\n\nReview: fine\nAnswer:' }],
  max_tokens: 16,
});
const headers = { authorization: 'Bearer not-needed' };

const agent = new Agent({ keepAlive: true });
function nodeHttp(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const ours = async () => JSON.parse((await postJson(url, body, headers)).text) as unknown;

async function measure(call: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await call();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

const clients = { 'node:http (keep-alive agent)': nodeHttp, 'jsonHttp (sockets + http-parser-js)': ours };
const perCall: Record<string, number[]> = {};
await measure(ours); // warm both up
await measure(nodeHttp);
for (let round = 0; round < rounds; round++) {
  for (const [name, call] of Object.entries(clients)) (perCall[name] ??= []).push(await measure(call));
}
server.kill();
console.log(
  `${calls} calls x ${rounds} rounds, concurrency ${concurrency}, latency ${latencyMs} ms, load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
);
console.log('| client | CPU per call (median of rounds) | rounds |\n|---|---:|---|');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, values] of Object.entries(perCall))
  console.log(`| ${name} | ${median(values).toFixed(0)} µs | ${values.map((v) => v.toFixed(0)).join(', ')} |`);
const [old, now] = Object.values(perCall).map(median) as [number, number];
console.log(`jsonHttp costs ${(now / old).toFixed(2)}x node:http's CPU per call`);
