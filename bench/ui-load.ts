/**
 * Load on the dashboard (`apprentice ui`) as visitors use it: the dashboard in its own process, on loopback,
 * over a realistic runs folder, and many concurrent clients each opening the runs list and then a run
 * (GET /api/runs, GET /api/run?id=<a run>, one after another, accepting gzip like a browser). For each number
 * of concurrent clients, throughput and latency percentiles are printed, overall and per route.
 *
 *   npx tsx bench/ui-load.ts [--clients 50,100,200] [--seconds 8] [--runs <folder> | --keep] [--edit]
 *   npx tsx bench/ui-load.ts --records 10000,100000,1000000 [--data <folder>] [--heap <MB>] [--output-chars 300]
 *                            [--clients 20] [--seconds 5]
 *
 * Without --runs a folder is made first, through the real evaluation pipeline against a fake OpenAI-compatible
 * upstream on loopback: GSM8K test (1,319 examples, 4-shot chain of thought, long prompts) and CommonsenseQA
 * test (1,221, zero-shot and 4-shot) from ../shared/datasets: four runs, ~5,000 records, ~17 MB of records.jsonl.
 * --edit appends a record to one run every second while the load runs (a run being written), so cached
 * answers are invalidated and recomputed under load. A request slower than 30 s counts as failed; exit code 1
 * if any failed. On Linux the dashboard process's CPU time (its worker threads included) is read from /proc per
 * level: CPU ms per request, and requests per CPU second (what one core given to the dashboard would serve),
 * figures that a machine loaded by other work changes less than latency.
 *
 * --records measures the dashboard on one eval run of each size (bench/support/syntheticEvalRun.ts; --data keeps
 * the run folders, <folder>/run-<n>, and reuses them next time, as bench/report-scale.ts does): a fresh
 * `apprentice ui` process per size, from dist/ (`npm run build` first; --heap caps its V8 heap), its start-up (a
 * first answer that reads no run: the scaling page), the time of its first answers (the runs list, which reads the
 * run, then the run page, a page deep in the table, a filtered and sorted page and a search, each computed cold),
 * a short load of --clients clients on the run's pages, the process's CPU time and its peak RSS (VmHWM, worker
 * threads included), and how time and memory grow from the smallest size.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runEvalJob, type EvalJobConfig } from '../src/eval/job.js';
import { ModelHub } from '../src/models/hub.js';
import { startFakeOpenAIServer } from '../test/support/fakeOpenAIServer.js';
import { syntheticEvalRun } from './support/syntheticEvalRun.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string' },
    seconds: { type: 'string' },
    /** Sizes of the one-run folders of the scale mode (records per run). */
    records: { type: 'string' },
    /** Scale mode: where the run folders are kept and reused. */
    data: { type: 'string' },
    /** Scale mode: the dashboard process's --max-old-space-size, in MB. */
    heap: { type: 'string' },
    'output-chars': { type: 'string', default: '300' },
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
} else if (values.records) {
  await scaleMode(values.records.split(',').map(Number));
} else {
  await main();
}

async function main(): Promise<void> {
  const levels = (values.clients ?? '50,100,200').split(',').map(Number);
  const seconds = Number(values.seconds ?? '8');
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

/** The dashboard from the sources (through tsx), or with `nodeOptions` as `apprentice ui` runs it (dist/: `npm run build` first). */
function startDashboardProcess(runsDir: string, nodeOptions: string[] | null = null) {
  const args = nodeOptions
    ? [...nodeOptions, join(HERE, '..', 'bin', 'apprentice.js'), 'ui', '--runs', runsDir, '--port', '0']
    : ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve-only', runsDir];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise<string>((resolveUrl, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = / at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
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
    if (entry.isFile() && entry.name === 'records.jsonl') count += linesOf(path);
    else if (entry.isDirectory()) count += recordCount(path);
  }
  return count;
}

/** Lines in a file, counted by chunks (a records file of a million records does not fit in one string). */
function linesOf(path: string): number {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(1 << 20);
  let lines = 0;
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      for (let at = buffer.indexOf(10); at >= 0 && at < read; at = buffer.indexOf(10, at + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}

/** The file's first line (up to 1 MB). */
function firstLineOf(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const read = readSync(fd, buffer);
    const end = buffer.subarray(0, read).indexOf(10);
    return buffer.toString('utf8', 0, end < 0 ? read : end);
  } finally {
    closeSync(fd);
  }
}

/** Appends a copy of the first record again (the reader keeps the last line of an index): the file changes, the run does not. */
function appendRecordCopy(file: string): void {
  appendFileSync(file, `${firstLineOf(file)}\n`);
}

/** Peak resident memory of a process in MB (VmHWM: all its threads), or null off Linux. */
function peakRssMbOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** One timed GET that must answer 200: its time in ms and its JSON. */
async function timedJson<T>(url: string): Promise<{ ms: number; body: T }> {
  const agent = new Agent();
  const t0 = performance.now();
  try {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolveGet, reject) => {
      const req = request(url, { agent, headers: { host: '127.0.0.1' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(10 * 60_000, () => req.destroy(new Error(`timeout: ${url}`)));
      req.on('error', reject);
      req.end();
    });
    if (status !== 200) throw new Error(`${url}: HTTP ${status}: ${body.slice(0, 300)}`);
    return { ms: performance.now() - t0, body: JSON.parse(body) as T };
  } finally {
    agent.destroy();
  }
}

interface ScaleRow {
  n: number;
  fileMb: number;
  startUpMs: number;
  firstListMs: number;
  runPageMs: number;
  deepPageMs: number;
  sortedPageMs: number;
  searchMs: number;
  loadRequests: number;
  /** Requests that failed or took over 30 s under load. */
  loadFailed: number;
  loadP50Ms: number;
  loadP99Ms: number;
  loadThroughput: number;
  cpuSeconds: number | null;
  peakMb: number | null;
}

/** The dashboard on one run of each size: first answers, a short load, CPU and peak memory (see the header). */
async function scaleMode(sizes: number[]): Promise<void> {
  const outputChars = Number(values['output-chars']);
  const clients = Number(values.clients ?? '20');
  const seconds = Number(values.seconds ?? '5');
  const nodeOptions = values.heap ? [`--max-old-space-size=${values.heap}`] : [];
  if (!existsSync(join(HERE, '..', 'dist', 'server', 'dashboard', 'app.js'))) throw new Error('no dist/: run `npm run build` first');
  const data = values.data ? resolve(values.data) : mkdtempSync(join(tmpdir(), 'apprentice-ui-scale-'));
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')} (1/5/15 min) at start; dashboard ${nodeOptions.join(' ') || 'default heap'}, ${clients} clients for ${seconds} s per size`,
  );
  const rows: ScaleRow[] = [];
  let anyFailed = false;
  try {
    for (const n of sizes) {
      const dir = join(data, `run-${n}`);
      const { reused } = syntheticEvalRun(dir, n, outputChars);
      const fileMb = statSync(join(dir, 'records.jsonl')).size / 1e6;
      const dashboard = startDashboardProcess(dir, nodeOptions);
      try {
        const url = await dashboard.url;
        const cpu0 = cpuSecondsOf(dashboard.pid);
        const startUp = await timedJson<unknown>(`${url}/api/scaling`);
        const list = await timedJson<{ runs: { id: string; records: number }[] }>(`${url}/api/runs`);
        const listed = list.body.runs[0];
        if (listed?.records !== n) throw new Error(`size ${n}: the runs list says ${listed?.records} records`);
        const id = encodeURIComponent(listed.id);
        const runPage = await timedJson<{ examplesTotal: number }>(`${url}/api/run?id=${id}`);
        if (runPage.body.examplesTotal !== n) throw new Error(`size ${n}: the run page says ${runPage.body.examplesTotal} examples`);
        const deep = await timedJson<{ rows: { index: number }[] }>(`${url}/api/run/examples?id=${id}&offset=${Math.floor(n / 2)}`);
        if (deep.body.rows[0]?.index !== Math.floor(n / 2)) throw new Error(`size ${n}: the deep page starts at ${deep.body.rows[0]?.index}`);
        const sorted = await timedJson<{ total: number }>(`${url}/api/run/examples?id=${id}&filter=not-correct&sort=tokens&desc=1`);
        if (sorted.body.total !== Math.ceil(n / 4)) throw new Error(`size ${n}: ${sorted.body.total} not correct`);
        const search = await timedJson<{ total: number }>(`${url}/api/run/examples?id=${id}&q=ex-${n - 3}`);
        if (search.body.total !== 1) throw new Error(`size ${n}: the search found ${search.body.total}`);
        const load = await pagesLevel(url, listed.id, n, clients, seconds);
        const cpu1 = cpuSecondsOf(dashboard.pid);
        const row: ScaleRow = {
          n,
          fileMb,
          startUpMs: startUp.ms,
          firstListMs: list.ms,
          runPageMs: runPage.ms,
          deepPageMs: deep.ms,
          sortedPageMs: sorted.ms,
          searchMs: search.ms,
          loadRequests: load.requests,
          loadFailed: load.failed,
          loadP50Ms: load.p50,
          loadP99Ms: load.p99,
          loadThroughput: load.throughput,
          cpuSeconds: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
          peakMb: peakRssMbOf(dashboard.pid),
        };
        anyFailed ||= load.failed > 0;
        rows.push(row);
        console.log(
          `n=${n}${reused ? ' (run folder reused)' : ''}: records.jsonl ${fileMb.toFixed(0)} MB; start-up ${row.startUpMs.toFixed(0)} ms, first /api/runs ${(row.firstListMs / 1000).toFixed(2)} s, ` +
            `run page ${row.runPageMs.toFixed(0)} ms, page at ${Math.floor(n / 2)} ${row.deepPageMs.toFixed(0)} ms, not-correct by tokens ${row.sortedPageMs.toFixed(0)} ms, ` +
            `search ${(row.searchMs / 1000).toFixed(2)} s; under load ${row.loadThroughput.toFixed(0)} req/s, p50 ${row.loadP50Ms.toFixed(0)} ms, p99 ${row.loadP99Ms.toFixed(0)} ms, ${row.loadFailed} failed (over 30 s); ` +
            `CPU ${row.cpuSeconds?.toFixed(1) ?? 'n/a'} s, peak RSS ${row.peakMb?.toFixed(0) ?? 'n/a'} MB; load average ${loadavg()[0]!.toFixed(1)} (1 min)`,
        );
      } finally {
        dashboard.stop();
      }
    }
  } finally {
    if (!values.data) rmSync(data, { recursive: true, force: true });
  }
  console.log(
    `load average at end: ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  process.exitCode = anyFailed ? 1 : 0;
  const base = rows[0];
  if (!base) return;
  console.log(
    '\n| records | records.jsonl | start-up | first /api/runs (reads the run) | run page | deep page | filtered + sorted | search | req/s under load | p50 under load | p99 under load | failed under load | CPU | peak RSS | first answer vs smallest | memory vs smallest |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.n.toLocaleString('en-US')} | ${row.fileMb.toFixed(0)} MB | ${row.startUpMs.toFixed(0)} ms | ${(row.firstListMs / 1000).toFixed(2)} s | ${row.runPageMs.toFixed(0)} ms | ${row.deepPageMs.toFixed(0)} ms | ` +
        `${row.sortedPageMs.toFixed(0)} ms | ${(row.searchMs / 1000).toFixed(2)} s | ${row.loadThroughput.toFixed(0)} | ${row.loadP50Ms.toFixed(0)} ms | ${row.loadP99Ms.toFixed(0)} ms | ${row.loadFailed} | ${row.cpuSeconds?.toFixed(1) ?? 'n/a'} s | ` +
        `${row.peakMb?.toFixed(0) ?? 'n/a'} MB | ${(row.firstListMs / base.firstListMs).toFixed(2)}x for ${(row.n / base.n).toFixed(0)}x records | ` +
        `${row.peakMb && base.peakMb ? (row.peakMb / base.peakMb).toFixed(2) : 'n/a'}x |`,
    );
  }
}

/** `clients` clients, each opening the run page and then a page of its table at a random place, for `seconds`. */
async function pagesLevel(url: string, id: string, n: number, clients: number, seconds: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const timed = async (path: string) => {
    const t0 = performance.now();
    const { status } = await get(`${url}${path}`, agent).catch(() => ({ status: 0 }));
    if (status !== 200) return void failed++;
    latencies.push(performance.now() - t0);
  };
  let seed = 12345;
  const nextOffset = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * Math.max(1, n - 100));
  };
  const client = async () => {
    while (performance.now() < deadline) {
      await timed(`/api/run?id=${encodeURIComponent(id)}`);
      await timed(`/api/run/examples?id=${encodeURIComponent(id)}&offset=${nextOffset()}`);
    }
  };
  await Promise.all(Array.from({ length: clients }, () => client()));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, failed, throughput: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
