/**
 * Load on the dashboard (`apprentice ui`) as visitors use it: the dashboard in its own process, on loopback,
 * over a realistic runs folder, and many concurrent clients each opening the runs list and then a run
 * (GET /api/runs, GET /api/run?id=<a run>, one after another, accepting gzip like a browser). For each number
 * of concurrent clients, throughput and latency percentiles are printed, overall and per route.
 *
 *   npx tsx bench/ui-load.ts [--clients 50,100,200] [--seconds 8] [--runs <folder> | --keep] [--edit]
 *
 * Without --runs a folder is made first, through the real evaluation pipeline against a fake OpenAI-compatible
 * upstream on loopback: GSM8K test (1,319 examples, 4-shot chain of thought, long prompts) and CommonsenseQA
 * test (1,221, zero-shot and 4-shot) from ../shared/datasets: four runs, ~5,000 records, ~17 MB of records.jsonl.
 * --edit appends a record to one run every second while the load runs (a run being written), so cached
 * answers are invalidated and recomputed under load. A request slower than 30 s counts as failed; exit code 1
 * if any failed. On Linux the dashboard process's CPU time (its worker threads included) is read from /proc per
 * level: CPU ms per request, and requests per CPU second (what one core given to the dashboard would serve),
 * figures that a machine loaded by other work changes less than latency.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, appendFileSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runEvalJob, type EvalJobConfig } from '../src/eval/job.js';
import { ModelHub } from '../src/models/hub.js';
import { startFakeOpenAIServer } from '../test/support/fakeOpenAIServer.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50,100,200' },
    seconds: { type: 'string', default: '8' },
    runs: { type: 'string' },
    edit: { type: 'boolean', default: false },
    /** Keep the runs folder made (its path is printed), to pass it with --runs next time. */
    keep: { type: 'boolean', default: false },
    /** Internal: run the dashboard in this process (the parent starts it this way). */
    'serve-only': { type: 'string' },
  },
});
const HERE = dirname(fileURLToPath(import.meta.url));
const DATASETS = resolve(HERE, '..', '..', 'shared', 'datasets');
const REQUEST_TIMEOUT_MS = 30_000;

if (values['serve-only']) {
  const { startDashboard } = await import('../src/server/dashboard/app.js');
  const server = await startDashboard({ runsDir: values['serve-only'], port: 0 });
  console.log(`dashboard at ${server.url}`);
} else {
  await main();
}

async function main(): Promise<void> {
  const levels = values.clients.split(',').map(Number);
  const seconds = Number(values.seconds);
  const made = values.runs ? null : mkdtempSync(join(tmpdir(), 'apprentice-ui-load-'));
  const runsDir = values.runs ? resolve(values.runs) : await makeRunsFolder(made!);
  const dashboard = startDashboardProcess(runsDir);
  let anyFailed = false;
  try {
    const url = await dashboard.url;
    const runIds = await runIdsOf(url);
    const editTarget = values.edit ? findRecordsFile(runsDir) : null;
    const editor = editTarget ? setInterval(() => appendRecordCopy(editTarget), 1000) : null;
    await level(url, runIds, 5, 2); // warm-up: JIT, connections (and the caches, when there are any)
    console.log(
      `dashboard at ${url} over ${runsDir}: ${runIds.length} runs, ${recordCount(runsDir).toLocaleString('en-US')} records` +
        `${editTarget ? ', one run appended to every second' : ''}; ${seconds} s per level`,
    );
    console.log(
      `machine: ${cpus().length} cores, load average ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')} (1/5/15 min) at start`,
    );
    console.log('clients  requests  failed  req/s   p50 ms   p99 ms   /api/runs p99   /api/run p99   CPU ms/req   req per CPU s');
    for (const clients of levels) {
      const cpuBefore = cpuSecondsOf(dashboard.pid);
      const result = await level(url, runIds, clients, seconds);
      const cpu = cpuBefore === null ? null : cpuSecondsOf(dashboard.pid)! - cpuBefore;
      anyFailed ||= result.failed > 0;
      const perRequest = cpu === null || !result.requests ? '    n/a' : ms((1000 * cpu) / result.requests);
      const perCpuSecond = cpu === null || cpu <= 0 ? 'n/a' : (result.requests / cpu).toFixed(0);
      console.log(
        `${String(clients).padStart(7)}  ${String(result.requests).padStart(8)}  ${String(result.failed).padStart(6)}  ${result.throughput.toFixed(0).padStart(5)}  ${ms(result.p50)}  ${ms(result.p99)}  ${ms(result.p99ByRoute.runs).padStart(14)}  ${ms(result.p99ByRoute.run).padStart(13)}  ${perRequest.padStart(11)}  ${perCpuSecond.padStart(14)}`,
      );
    }
    console.log(
      `load average at end: ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}`,
    );
    if (editor) clearInterval(editor);
  } finally {
    dashboard.stop();
    if (made && !values.keep) rmSync(made, { recursive: true, force: true });
  }
  process.exitCode = anyFailed ? 1 : 0;
}

function ms(value: number): string {
  return value.toFixed(1).padStart(7);
}

/** Four evaluation runs written by the real pipeline against a fake upstream that answers in the runs' formats. */
async function makeRunsFolder(dir: string): Promise<string> {
  const gsm8k = join(DATASETS, 'gsm8k');
  const cqa = join(DATASETS, 'cqa');
  if (!existsSync(gsm8k) || !existsSync(cqa)) throw new Error(`no benchmark data under ${DATASETS} (give --runs <folder> instead)`);
  const upstream = await startFakeOpenAIServer({
    answer: (question) =>
      `Let me think step by step. First we add the numbers, then we divide. So the answer is (${'abcde'[question.length % 5]}) ${question.length % 97}.`,
  });
  const hub = new ModelHub({ cachePath: 'none', apiKey: 'not-needed' });
  const runsRoot = join(dir, 'runs');
  const base: EvalJobConfig = {
    dataset: `gsm8k:${gsm8k}`,
    datasetOptions: {},
    split: 'test',
    seed: 0,
    style: 'cot',
    shots: 4,
    demoSelection: 'random',
    demoSplit: 'train',
    embedder: 'tfidf',
    scoring: 'generate',
    maxTokens: 256,
    temperature: 0,
    targetLogprob: false,
    validationFraction: 0.1,
    concurrency: 64,
    runsRoot,
    model: `openai:teacher-model@${upstream.url}`,
  };
  const started = performance.now();
  try {
    for (const config of [
      base,
      { ...base, dataset: `cqa:${cqa}` },
      { ...base, dataset: `cqa:${cqa}`, style: 'zero-shot' as const, shots: 0 },
      { ...base, seed: 1, shots: 2 },
    ]) {
      await runEvalJob(config, hub);
    }
  } finally {
    await hub.close();
    await upstream.close();
  }
  console.log(`made the runs folder in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return runsRoot;
}

function startDashboardProcess(runsDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve-only', runsDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise<string>((resolveUrl, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /dashboard at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolveUrl(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the dashboard exited (${code}):\n${output}`)));
  });
  return { url, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/** User + system CPU seconds of a process and all its threads so far (Linux /proc), or null where there is none. */
function cpuSecondsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc's times (asked each time: this module's top-level await runs before its later declarations). */
function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** GETs a URL and resolves with the status and the (compressed) body size once all of it has arrived. */
function get(url: string, agent: Agent): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolveGet, reject) => {
    const req = request(url, { agent, headers: { host: '127.0.0.1', 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function runIdsOf(url: string): Promise<string[]> {
  const agent = new Agent();
  const res = await new Promise<string>((resolveBody, reject) => {
    request(`${url}/api/runs`, { agent, headers: { host: '127.0.0.1' } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolveBody(body));
    })
      .on('error', reject)
      .end();
  });
  agent.destroy();
  return (JSON.parse(res) as { runs: { id: string }[] }).runs.map((run) => run.id);
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function level(url: string, runIds: string[], clients: number, seconds: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  const byRoute = { runs: [] as number[], run: [] as number[] };
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const timed = async (route: 'runs' | 'run', path: string) => {
    const t0 = performance.now();
    const { status } = await get(`${url}${path}`, agent).catch(() => ({ status: 0 }));
    const took = performance.now() - t0;
    if (status !== 200) return void failed++;
    latencies.push(took);
    byRoute[route].push(took);
  };
  const client = async (id: number) => {
    for (let visit = 0; performance.now() < deadline; visit++) {
      await timed('runs', '/api/runs');
      await timed('run', `/api/run?id=${encodeURIComponent(runIds[(id + visit) % runIds.length]!)}`);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  for (const list of [latencies, byRoute.runs, byRoute.run]) list.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    failed,
    throughput: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    p99ByRoute: { runs: percentile(byRoute.runs, 99), run: percentile(byRoute.run, 99) },
  };
}

function findRecordsFile(dir: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === 'records.jsonl') return path;
    if (entry.isDirectory()) {
      const found = findRecordsFile(path);
      if (found) return found;
    }
  }
  return null;
}

function recordCount(dir: string): number {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === 'records.jsonl') count += readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
    else if (entry.isDirectory()) count += recordCount(path);
  }
  return count;
}

/** Appends a copy of the first record again (the reader keeps the last line of an index): the file changes, the run does not. */
function appendRecordCopy(file: string): void {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  appendFileSync(file, `${first}\n`);
}
