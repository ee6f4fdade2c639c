/**
 * `apprentice eval` at growing sizes: wall time, throughput and peak RSS of the CLI (bin/apprentice.js on dist/,
 * `npm run build` first) over a synthetic single-file JSONL, against a loopback model that answers at once, so
 * what grows is ours. Prints each size and how time and memory grow from the smallest.
 *
 *   npx tsx bench/eval-scale.ts [sizes, default 10000,100000,1000000] [--heap <MB>] [--concurrency <n>]
 *
 * Peak RSS and the CLI's CPU time (user + system) are read with GNU time (`/usr/bin/time -f '%M %U %S'`). The machine
 * may be shared: compare sizes within one run, and CPU time per example where wall time is distorted by other jobs.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startInstantOpenAIServer } from './support/instantOpenAIServer.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'apprentice.js');

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const sizes = (process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '10000,100000,1000000').split(',').map(Number);
const heapMb = argument('--heap');
const concurrency = argument('--concurrency') ?? '64';

async function writeDataset(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    const line =
      JSON.stringify({ text: `review ${i}: the service was fine and the food was ${i % 2 ? 'good' : 'bad'}`, label: i % 2 ? 'positive' : 'negative' }) + '\n';
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

const dir = mkdtempSync(join(tmpdir(), 'apprentice-eval-scale-'));
const server = await startInstantOpenAIServer('positive');
const rows: { n: number; seconds: number; perSecond: number; peakMb: number; cpuSeconds: number }[] = [];
try {
  for (const n of sizes) {
    const dataset = join(dir, `data-${n}.jsonl`);
    await writeDataset(dataset, n);
    const node = [...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), BIN];
    const args = [
      '-f',
      '%M %U %S',
      process.execPath,
      ...node,
      'eval',
      '--dataset',
      `jsonl:${dataset}`,
      '--labels',
      'negative,positive',
      '--model',
      `openai:m@${server.url}`,
      '--cache',
      'none',
      '--runs',
      join(dir, 'runs'),
      '--concurrency',
      concurrency,
      '--no-progress',
      '--json',
    ];
    const started = performance.now();
    const { stdout, stderr } = await run('/usr/bin/time', args, { maxBuffer: 1 << 26 });
    const seconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(stdout) as { n: number; scored: number };
    if (summary.scored !== n) throw new Error(`size ${n}: ${summary.scored} scored`);
    const [peakKb, user, system] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
    const cpuSeconds = user + system;
    rows.push({ n, seconds, perSecond: n / seconds, peakMb: peakKb / 1024, cpuSeconds });
    console.log(
      `n=${n}: ${seconds.toFixed(1)} s, ${(n / seconds).toFixed(0)} examples/s, CPU ${cpuSeconds.toFixed(1)} s (${((cpuSeconds / n) * 1e6).toFixed(0)} µs per example), peak RSS ${(peakKb / 1024).toFixed(0)} MB`,
    );
    rmSync(dataset);
    rmSync(join(dir, 'runs'), { recursive: true, force: true });
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

const base = rows[0];
if (base) {
  console.log('\n| examples | wall time | examples/s | CPU time | CPU per example | peak RSS | CPU vs smallest | memory vs smallest |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.n.toLocaleString('en-US')} | ${row.seconds.toFixed(1)} s | ${row.perSecond.toFixed(0)} | ${row.cpuSeconds.toFixed(1)} s | ${((row.cpuSeconds / row.n) * 1e6).toFixed(0)} µs | ${row.peakMb.toFixed(0)} MB | ` +
        `${(row.cpuSeconds / base.cpuSeconds).toFixed(2)}x for ${(row.n / base.n).toFixed(0)}x examples | ${(row.peakMb / base.peakMb).toFixed(2)}x |`,
    );
  }
}
