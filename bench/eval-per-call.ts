/**
 * The main thread's CPU per example of `apprentice eval` outside the HTTP transport: the same job the CLI runs
 * (a streamed single-file JSONL, a run folder, the hub's whole middleware stack, extraction, scoring, records and
 * the summary), with the `openai` provider replaced by one that answers on the next turn of the event loop
 * (setImmediate) with what the loopback bench server says (`echo: <prompt>`, or a bare label with --answer label).
 * Prints CPU microseconds per example (user + system of this process, start-up excluded) for each repeat.
 *
 *   npx tsx bench/eval-per-call.ts [examples, default 20000] [--concurrency 32] [--repeats 3] [--answer echo|label]
 *
 * APPRENTICE_BENCH_DIST=1 runs the built dist/ (`npm run build` first; what the CLI runs) instead of src/ through tsx.
 * The first repeat includes the JIT warming up; the CLI's 2,000-call eval runs mostly such code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateRequest, GenerateResponse, LanguageModel } from '../src/models/types.js';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const examples = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '20000');
const concurrency = Number(argument('--concurrency', '32'));
const repeats = Number(argument('--repeats', '3'));
const answer = argument('--answer', 'echo');

const root = process.env.APPRENTICE_BENCH_DIST === '1' ? '../dist' : '../src';
const [{ runEvalJob, EVAL_DEFAULTS }, { ModelHub }] = (await Promise.all([import(`${root}/eval/job.js`), import(`${root}/models/hub.js`)])) as [
  typeof import('../src/eval/job.js'),
  typeof import('../src/models/hub.js'),
];

/** Answers like bench/support/latencyServer.ts's fake OpenAI server, on the next turn of the event loop. */
function instantModel(spec: string): LanguageModel {
  const respond = (request: GenerateRequest): Promise<GenerateResponse> =>
    new Promise((resolve) =>
      setImmediate(() => {
        const last = request.messages?.at(-1)?.content ?? request.prompt ?? '';
        const text = answer === 'label' ? 'positive' : `echo: ${last}`;
        resolve({ completions: [{ text, finishReason: 'stop' }], usage: { promptTokens: 40, completionTokens: 26 } });
      }),
    );
  return {
    spec,
    provider: 'openai',
    modelName: 'm',
    capabilities: { generate: true, logprob: false, embed: false, chat: true },
    generate: respond,
    logprob: () => Promise.reject(new Error('not used')),
    embed: () => Promise.reject(new Error('not used')),
  } as unknown as LanguageModel;
}

/** One evaluation of `rows` examples in a fresh hub; its summary, CPU microseconds and wall seconds. */
async function evaluate(dataset: string, runsRoot: string) {
  const hub = new ModelHub({ cachePath: 'none', concurrency, warn: () => {}, providers: { openai: () => instantModel('openai:m@http://127.0.0.1:9/v1') } });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { summary } = await runEvalJob(
    {
      ...EVAL_DEFAULTS,
      dataset: `jsonl:${dataset}`,
      datasetOptions: { labels: ['negative', 'positive'] },
      model: 'openai:m@http://127.0.0.1:9/v1',
      concurrency,
      runsRoot,
    },
    hub,
    { showProgress: false, keepRecords: false },
  );
  await hub.close();
  const used = process.cpuUsage(cpu);
  return { summary, cpuMicros: used.user + used.system, seconds: (performance.now() - started) / 1000 };
}

function writeDataset(file: string, rows: number): void {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(
      JSON.stringify({ text: `review ${i}: the service was fine and the food was ${i % 2 ? 'good' : 'bad'}`, label: i % 2 ? 'positive' : 'negative' }),
    );
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

const dir = mkdtempSync(join(tmpdir(), 'apprentice-eval-per-call-'));
try {
  // A few examples first, not measured: the modules an evaluation imports on first use load here (through tsx's
  // hooks, slower than the CLI's loader); the JIT is still cold afterwards.
  writeDataset(join(dir, 'warm-up.jsonl'), 4);
  await evaluate(join(dir, 'warm-up.jsonl'), join(dir, 'runs-warm-up'));
  const dataset = join(dir, 'data.jsonl');
  writeDataset(dataset, examples);
  for (let repeat = 0; repeat < repeats; repeat++) {
    const { summary, cpuMicros, seconds } = await evaluate(dataset, join(dir, `runs-${repeat}`));
    console.log(
      `${examples} examples (${summary.scored} scored, ${summary.invalid} invalid): ${(cpuMicros / examples).toFixed(1)} µs CPU per example, ${seconds.toFixed(2)} s wall`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
