/**
 * `distill annotate --batch-api` at 1,000,000 inputs: the time, CPU time and peak RSS of writing the request
 * files (split to OpenAI's 50,000 requests / 200 MB per batch) and of reading them back the way a resumed run
 * does (the custom_id of every submitted line), against the whole-array approach it replaced (every request
 * line built first, each batch joined into one string). Each (size, approach) runs in its own child process,
 * so peak RSS is its own.
 *
 *   npx tsx bench/batch-files.ts [sizes, default 10000,100000,1000000] [--prompt-chars 1500] [--whole-up-to 100000]
 *
 * The whole-array approach runs only up to --whole-up-to inputs (at 1M it needs gigabytes).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENAI_BATCH_LIMITS, requestIds, writeRequestFiles } from '../src/distill/batchFiles.js';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const promptChars = Number(argument('--prompt-chars', '1500'));

function* requestLines(n: number) {
  const demos = 'Question: A baker made 24 muffins and sold 12. How many are left? Answer: 24 - 12 = 12. The answer is 12.\n';
  const prefix = demos.repeat(Math.ceil(promptChars / demos.length)).slice(0, promptChars);
  for (let i = 0; i < n; i++) {
    yield {
      custom_id: `train:${i}`,
      method: 'POST' as const,
      url: '/v1/chat/completions' as const,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${prefix}Question: item ${i}, how many?` }], max_tokens: 256, temperature: 0, n: 1 },
    };
  }
}

/** One measurement, in this (child) process: prints a JSON line. */
async function measure(approach: 'streamed' | 'whole', n: number, dir: string): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let files: string[];
  if (approach === 'streamed') {
    files = writeRequestFiles(requestLines(n), (k) => join(dir, `requests-${k}.jsonl`), OPENAI_BATCH_LIMITS).map((file) => file.path);
  } else {
    const lines = [...requestLines(n)];
    files = [];
    for (let start = 0; start < lines.length; start += OPENAI_BATCH_LIMITS.maxRequests) {
      const file = join(dir, `requests-${files.length}.jsonl`);
      writeFileSync(
        file,
        lines
          .slice(start, start + OPENAI_BATCH_LIMITS.maxRequests)
          .map((line) => JSON.stringify(line))
          .join('\n') + '\n',
      );
      files.push(file);
    }
  }
  const writeSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  let ids = 0;
  for (const file of files) for await (const _ of requestIds(file)) ids++;
  if (ids !== n) throw new Error(`read back ${ids} ids of ${n}`);
  const readSeconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      approach,
      n,
      files: files.length,
      writeSeconds,
      readSeconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

if (process.argv[2] === '--child') {
  await measure(process.argv[3] as 'streamed' | 'whole', Number(process.argv[4]), process.argv[5]!);
} else {
  const sizes = (process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '10000,100000,1000000').split(',').map(Number);
  const wholeUpTo = Number(argument('--whole-up-to', '100000'));
  const rows: { approach: string; n: number; files: number; writeSeconds: number; readSeconds: number; cpuSeconds: number; peakMb: number }[] = [];
  for (const n of sizes) {
    for (const approach of ['streamed', 'whole'] as const) {
      if (approach === 'whole' && n > wholeUpTo) continue;
      const dir = mkdtempSync(join(tmpdir(), 'apprentice-batch-files-'));
      try {
        const out = execFileSync(
          process.execPath,
          [...process.execArgv, import.meta.filename, '--child', approach, String(n), dir, '--prompt-chars', String(promptChars)],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 20,
          },
        );
        const row = JSON.parse(out.trim().split('\n').at(-1)!);
        rows.push(row);
        console.log(
          `${approach} n=${n}: ${row.files} files, write ${row.writeSeconds.toFixed(1)} s, read back ${row.readSeconds.toFixed(1)} s, CPU ${row.cpuSeconds.toFixed(1)} s, peak RSS ${row.peakMb.toFixed(0)} MB`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  console.log('\n| approach | inputs | files | write | read back (resume) | CPU | peak RSS | CPU per 10k inputs |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.approach} | ${row.n.toLocaleString('en-US')} | ${row.files} | ${row.writeSeconds.toFixed(1)} s | ${row.readSeconds.toFixed(1)} s | ` +
        `${row.cpuSeconds.toFixed(1)} s | ${row.peakMb.toFixed(0)} MB | ${((row.cpuSeconds / row.n) * 1e4).toFixed(2)} s |`,
    );
  }
}
