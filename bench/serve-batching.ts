/**
 * Batching of concurrent requests on a local model through `apprentice serve`, as users run it: the built
 * command in its own process on loopback, serving a random-weight model the project wrote, once per
 * `--parallel` value. At each number of concurrent clients, the clients send streamed greedy chat
 * completions one after another (distinct prompts, `--tokens` tokens each; random weights rarely end early)
 * until `--requests-per-client` each are answered; then throughput (completion tokens/s, requests/s),
 * latency p50/p99 and time to first token p50/p99. The last table gives each parallel's tokens/s over
 * parallel 1's at the same number of clients, from the same run.
 *
 *   npm run build && npx tsx bench/serve-batching.ts [--models base,smollm2-135m] [--parallel 1,4,16]
 *     [--clients 1,4,16] [--tokens 32] [--requests-per-client 2] [--dtype f16]
 *
 * Models: a built-in size (`tiny`, `small`, `base`, ...: served as `builtin:<checkpoint>`, an F32 GGUF with
 * an F32 KV cache, as `apprentice serve <student>` runs it) or a shape of bench/engine/shapes.ts (written as a
 * GGUF of --dtype by the project's exporter and served as `gguf:`, the way a pretrained student's export is).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { saveCheckpoint } from '../src/engine/checkpoint.js';
import { writeCheckpointGguf } from '../src/engine/export.js';
import { configForSize, countParameters, initialWeights, isModelSize, MODEL_SIZES, type LlamaConfig } from '../src/engine/model.js';
import { trainTokenizer } from '../src/engine/tokenizer.js';
import { SHAPES } from './engine/shapes.js';
import { percentile, postJson, startServe } from './support/serveProcess.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'base,smollm2-135m' },
    parallel: { type: 'string', default: '1,4,16' },
    clients: { type: 'string', default: '1,4,16' },
    tokens: { type: 'string', default: '32' },
    'requests-per-client': { type: 'string', default: '2' },
    dtype: { type: 'string', default: 'f16' },
    'context-length': { type: 'string', default: '512' },
  },
});
const parallels = values.parallel.split(',').map(Number);
const clientLevels = values.clients.split(',').map(Number);
const maxTokens = Number(values.tokens);
const perClient = Number(values['requests-per-client']);
const dtype = values.dtype as 'f32' | 'f16' | 'q8_0';
const contextLength = Number(values['context-length']);
const REQUEST_TIMEOUT_MS = 600_000;

interface Served {
  spec: string;
  label: string;
}

/** Writes the model (random weights, seed 1) into `dir` and says how to serve it. */
async function writeModel(name: string, dir: string): Promise<Served> {
  const corpus = Array.from({ length: 400 }, (_, i) => `Question: What is ${i} plus ${i + 3}? The answer is ${2 * i + 3}.`);
  if (isModelSize(name)) {
    const tokenizer = trainTokenizer(corpus, { vocabSize: MODEL_SIZES[name].vocabSize, minFrequency: 1 });
    const config = configForSize(name, tokenizer.vocabSize, contextLength);
    await saveCheckpoint(dir, { config, weights: initialWeights(config, 1), tokenizer, info: {} });
    return { spec: `builtin:${dir}`, label: `${name} (${(countParameters(config) / 1e6).toFixed(2)}M, builtin, F32)` };
  }
  const shape = SHAPES[name];
  if (!shape) throw new Error(`unknown model ${name}: a built-in size or one of ${Object.keys(SHAPES).join(', ')}`);
  // The real shapes with a small trained tokenizer; the GGUF pads its vocabulary to the shape's.
  const config: LlamaConfig = { ...shape, contextLength };
  const tokenizer = trainTokenizer(corpus, { vocabSize: 512, minFrequency: 1 });
  const path = join(dir, 'model.gguf');
  // The padding ids have no text: zero rows of the (tied) embedding give them logit 0, below the best real
  // token's, so greedy answers are text and time to first token can be seen. The rows are still read.
  const weights = initialWeights(config, 1);
  weights.get('model.embed_tokens.weight')!.fill(0, tokenizer.vocabSize * config.dim);
  await writeCheckpointGguf({ config, weights, tokenizer, info: {} }, path, name, { dtype });
  return { spec: `gguf:${path}`, label: `${name} (${(countParameters(config) / 1e6).toFixed(0)}M, gguf, ${dtype})` };
}

interface Answer {
  latencyMs: number;
  firstTokenMs: number;
  completionTokens: number;
}

/** One streamed chat completion: time to the first text chunk, to the end, and the usage it reports. */
async function streamedCompletion(url: string, prompt: string, agent: Agent): Promise<Answer> {
  const body = JSON.stringify({
    model: 'local',
    messages: [{ role: 'user', content: prompt }],
    temperature: 0,
    max_tokens: maxTokens,
    stream: true,
    stream_options: { include_usage: true },
  });
  const t0 = performance.now();
  const res = await postJson(`${url}/v1/chat/completions`, body, agent, REQUEST_TIMEOUT_MS);
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`status ${res.statusCode}`);
  }
  return new Promise((resolve, reject) => {
    let firstTokenMs = NaN;
    let completionTokens = NaN;
    let pending = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      pending += chunk;
      const events = pending.split('\n\n');
      pending = events.pop() ?? '';
      for (const event of events) {
        const data = event.replace(/^data: /, '');
        if (data === '[DONE]') continue;
        const parsed = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }>; usage?: { completion_tokens: number }; error?: unknown };
        if (parsed.error) reject(new Error(JSON.stringify(parsed.error)));
        if (Number.isNaN(firstTokenMs) && parsed.choices?.some((c) => c.delta?.content)) firstTokenMs = performance.now() - t0;
        if (parsed.usage) completionTokens = parsed.usage.completion_tokens;
      }
    });
    res.on('end', () => resolve({ latencyMs: performance.now() - t0, firstTokenMs, completionTokens }));
    res.on('error', reject);
  });
}

interface Level {
  clients: number;
  requests: number;
  seconds: number;
  tokensPerSecond: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  ttft50: number;
  ttft99: number;
}

let promptCounter = 0;
async function level(url: string, clients: number): Promise<Level> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const answers: Answer[] = [];
  const started = performance.now();
  const client = async (id: number) => {
    for (let i = 0; i < perClient; i++) {
      const n = promptCounter++;
      answers.push(await streamedCompletion(url, `Client ${id} asks question ${n}: what is ${n} plus ${n + 3}?`, agent));
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const tokens = answers.reduce((sum, a) => sum + a.completionTokens, 0);
  const latencies = answers.map((a) => a.latencyMs);
  const ttfts = answers.map((a) => a.firstTokenMs);
  return {
    clients,
    requests: answers.length,
    seconds,
    tokensPerSecond: tokens / seconds,
    requestsPerSecond: answers.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ttft50: percentile(ttfts, 50),
    ttft99: percentile(ttfts, 99),
  };
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
const load = () => loadavg()[0]!.toFixed(1);

console.log(
  `apprentice serve, ${maxTokens} tokens per greedy streamed chat completion, ${perClient} requests per client, ` +
    `${new Date().toISOString()}, load average ${load()}`,
);
for (const name of values.models.split(',')) {
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-serve-batching-'));
  try {
    const served = await writeModel(name, dir);
    const results = new Map<number, Level[]>();
    console.log(`\n${served.label}`);
    console.log('parallel  clients  requests  tokens/s  req/s   p50 ms   p99 ms  ttft p50  ttft p99  load');
    for (const parallel of parallels) {
      const serve = startServe([served.spec, '--name', 'local', '--cache', 'none', '--parallel', String(parallel), '--concurrency', '64']);
      try {
        const url = await serve.url;
        await level(url, Math.min(parallel, 4)); // warm-up: context creation, JIT, connections
        const rows: Level[] = [];
        for (const clients of clientLevels) {
          const r = await level(url, clients);
          rows.push(r);
          console.log(
            `${pad(parallel, 8)}  ${pad(clients, 7)}  ${pad(r.requests, 8)}  ${pad(r.tokensPerSecond.toFixed(1), 8)}  ${pad(r.requestsPerSecond.toFixed(2), 5)}  ` +
              `${pad(r.p50.toFixed(0), 7)}  ${pad(r.p99.toFixed(0), 7)}  ${pad(r.ttft50.toFixed(0), 8)}  ${pad(r.ttft99.toFixed(0), 8)}  ${pad(load(), 4)}`,
          );
        }
        results.set(parallel, rows);
      } finally {
        await serve.stop();
      }
    }
    const baseline = results.get(parallels[0]!)!;
    console.log(`tokens/s over parallel ${parallels[0]} at the same clients (same run):`);
    console.log(`parallel  ${clientLevels.map((c) => pad(`${c} clients`, 10)).join('  ')}`);
    for (const parallel of parallels.slice(1)) {
      const rows = results.get(parallel)!;
      console.log(`${pad(parallel, 8)}  ${rows.map((r, i) => pad((r.tokensPerSecond / baseline[i]!.tokensPerSecond).toFixed(2), 10)).join('  ')}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
