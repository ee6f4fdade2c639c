/**
 * `apprentice report` on an eval run of growing size: a synthetic run folder (config.json + records.jsonl of
 * CoT-sized records, written in the interleaved order concurrent workers append in) reported the way the CLI
 * does (report/evalReport.ts writeEvalReport: records read as a stream), each size in its own child process so
 * the peak RSS is its own. Prints wall and CPU time and peak RSS, and how each grows from the smallest size.
 *
 *   npx tsx bench/report-scale.ts [sizes, default 10000,100000,1000000] [--heap <MB>] [--output-chars 300] [--data <folder>]
 *
 * --data keeps the run folders (<folder>/run-<n>) and reuses them on the next run with the same sizes: a million
 * records take a while to write. Without it they are written in a temporary folder and deleted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeEvalReport } from '../src/report/evalReport.js';
import { syntheticEvalRun } from './support/syntheticEvalRun.js';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

if (process.argv[2] === '--child') {
  const dir = process.argv[3]!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const written = await writeEvalReport([dir]);
  const cpu = process.cpuUsage(cpu0);
  const run = written.runs[0]!;
  console.log(
    JSON.stringify({
      seconds: (performance.now() - t0) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakMb: process.resourceUsage().maxRSS / 1024,
      scored: run.summary.scored,
      kept: run.records.length,
      htmlBytes: statSync(written.htmlPath).size,
    }),
  );
} else {
  const sizes = (process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '10000,100000,1000000').split(',').map(Number);
  const heap = process.argv.includes('--heap') ? [`--max-old-space-size=${argument('--heap', '')}`] : [];
  const outputChars = Number(argument('--output-chars', '300'));
  const rows: { n: number; fileMb: number; seconds: number; cpuSeconds: number; peakMb: number }[] = [];
  const data = process.argv.includes('--data') ? resolve(argument('--data', '')) : null;
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')} (1/5/15 min) at start`,
  );
  for (const n of sizes) {
    const dir = data ? join(data, `run-${n}`) : mkdtempSync(join(tmpdir(), 'apprentice-report-scale-'));
    try {
      const { reused } = syntheticEvalRun(dir, n, outputChars);
      const fileMb = statSync(join(dir, 'records.jsonl')).size / 1e6;
      const out = execFileSync(process.execPath, [...heap, ...process.execArgv, import.meta.filename, '--child', dir], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      const row = JSON.parse(out.trim().split('\n').at(-1)!) as {
        seconds: number;
        cpuSeconds: number;
        peakMb: number;
        scored: number;
        kept: number;
        htmlBytes: number;
      };
      if (row.scored !== n) throw new Error(`size ${n}: ${row.scored} scored`);
      rows.push({ n, fileMb, ...row });
      console.log(
        `n=${n}${reused ? ' (run folder reused)' : ''}: records.jsonl ${fileMb.toFixed(0)} MB, report ${row.seconds.toFixed(1)} s, CPU ${row.cpuSeconds.toFixed(1)} s, peak RSS ${row.peakMb.toFixed(0)} MB, ${row.kept} records in the drill-down, report.html ${(row.htmlBytes / 1e6).toFixed(1)} MB`,
      );
    } finally {
      if (!data) rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `load average at end: ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}`,
  );
  const base = rows[0];
  if (base) {
    console.log('\n| records | records.jsonl | wall time | CPU time | peak RSS | CPU vs smallest | memory vs smallest |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) {
      console.log(
        `| ${row.n.toLocaleString('en-US')} | ${row.fileMb.toFixed(0)} MB | ${row.seconds.toFixed(1)} s | ${row.cpuSeconds.toFixed(1)} s | ${row.peakMb.toFixed(0)} MB | ` +
          `${(row.cpuSeconds / base.cpuSeconds).toFixed(2)}x for ${(row.n / base.n).toFixed(0)}x records | ${(row.peakMb / base.peakMb).toFixed(2)}x |`,
      );
    }
  }
}
