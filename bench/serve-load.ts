/**
 * Load on `apprentice serve` as users run it: the built command in its own process, on loopback, in
 * front of an OpenAI-compatible upstream (a fake one with fixed latency, in a worker thread), every
 * request through the model layer (limiter, accounting; no cache, so each request reaches the
 * upstream). For each number of concurrent clients, every client sends chat completions one after
 * another until the time or request bound is reached; throughput and latency percentiles are printed.
 *
 *   npm run build && npx tsx bench/serve-load.ts [--clients 50,100,200] [--seconds 5] [--max-requests 4000] [--latency 20]
 *
 * Each level is bounded both in time (--seconds) and in count (--max-requests); a request that takes
 * longer than 30 s counts as failed. Exit code 1 if any request failed.
 */
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import { startFakeOpenAIServer } from '../test/support/fakeOpenAIServer.js';
import { percentile, postJson, startServe } from './support/serveProcess.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50,100,200' },
    seconds: { type: 'string', default: '5' },
    'max-requests': { type: 'string', default: '4000' },
    latency: { type: 'string', default: '20' },
  },
});
const levels = values.clients.split(',').map(Number);
const seconds = Number(values.seconds);
const maxRequests = Number(values['max-requests']);
const latencyMs = Number(values.latency);
const REQUEST_TIMEOUT_MS = 30_000;

/** POSTs JSON and resolves with the status once the whole answer has arrived. */
async function post(url: string, body: string, agent: Agent): Promise<number> {
  const res = await postJson(url, body, agent, REQUEST_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
    res.on('error', reject);
  });
}

async function level(url: string, clients: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let failed = 0;
  let sent = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const client = async (id: number) => {
    while (performance.now() < deadline && sent < maxRequests) {
      const n = sent++;
      const body = JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: `client ${id} question ${n}` }], temperature: 0, max_tokens: 16 });
      const t0 = performance.now();
      const status = await post(`${url}/v1/chat/completions`, body, agent).catch(() => 0);
      if (status === 200) latencies.push(performance.now() - t0);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    clients,
    requests: latencies.length,
    failed,
    seconds: elapsed,
    throughput: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const upstream = await startFakeOpenAIServer({ latencyMs });
const serve = startServe(['openai:fake-model@' + upstream.url, '--name', 'fake', '--cache', 'none', '--concurrency', String(Math.max(...levels))], {
  ...process.env,
  OPENAI_API_KEY: 'not-needed',
});
let anyFailed = false;
try {
  const url = await serve.url;
  await level(url, 10); // warm-up: JIT, connections
  console.log(`apprentice serve at ${url}, upstream latency ${latencyMs} ms, ${seconds} s or ${maxRequests} requests per level`);
  console.log('clients  requests  failed  req/s    p50 ms   p99 ms');
  for (const clients of levels) {
    const result = await level(url, clients);
    anyFailed ||= result.failed > 0;
    console.log(
      `${String(clients).padStart(7)}  ${String(result.requests).padStart(8)}  ${String(result.failed).padStart(6)}  ${result.throughput.toFixed(0).padStart(6)}  ${result.p50.toFixed(1).padStart(7)}  ${result.p99.toFixed(1).padStart(7)}`,
    );
  }
} finally {
  await serve.stop();
  await upstream.close();
}
process.exitCode = anyFailed ? 1 : 0;
