/**
 * Orchestration benchmark: how close the model layer gets to ideal throughput against a real
 * loopback OpenAI-compatible server with fixed latency, and how fast cached calls are served.
 *
 *   npx tsx bench/orchestration.ts [--calls 2000] [--concurrency 32] [--latency 50]
 *
 * Goals: first pass wall time <= 1.15 x ideal (calls x latency / concurrency);
 * second pass (all cached) >= 20,000 calls/s. Exit code 1 if a goal is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ModelHub } from '../src/models/hub.js';
import type { LanguageModel } from '../src/models/types.js';
import { startFakeOpenAIServer } from '../test/support/fakeOpenAIServer.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    latency: { type: 'string', default: '50' },
  },
});
const calls = Number(values.calls);
const concurrency = Number(values.concurrency);
const latencyMs = Number(values.latency);

const RATIO_GOAL = 1.15;
const CACHED_GOAL = 20_000;

async function runAll(model: LanguageModel, count = calls, tag = 'Question'): Promise<number> {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => model.generate({ messages: [{ role: 'user', content: `${tag} ${i}: what is ${i} + ${i}?` }], maxTokens: 16 })),
  );
  const elapsed = performance.now() - started;
  const empty = answers.filter((answer) => answer.completions.length === 0).length;
  if (empty) throw new Error(`${empty} answers had no completion`);
  return elapsed;
}

async function main(): Promise<void> {
  const server = await startFakeOpenAIServer({ latencyMs });
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-bench-'));
  const hub = new ModelHub({ cachePath: join(dir, 'cache.sqlite'), concurrency, apiKey: 'bench', warn: () => {} });
  try {
    const model = await hub.model(`openai:bench-model@${server.url}`);

    // Untimed warm-up with other prompts, so the timed pass measures steady state, not JIT and lazy init.
    const warmup = 4 * concurrency;
    await runAll(model, warmup, 'Warm-up');
    const firstMs = await runAll(model);
    const idealMs = (calls * latencyMs) / concurrency;
    const ratio = firstMs / idealMs;
    const usage = hub.usage.snapshot().overall;
    console.log(`first pass:  ${calls} calls, concurrency ${concurrency}, server latency ${latencyMs} ms (after ${warmup} untimed warm-up calls)`);
    console.log(`  wall ${firstMs.toFixed(0)} ms, ideal ${idealMs.toFixed(0)} ms, ratio ${ratio.toFixed(3)} (goal <= ${RATIO_GOAL})`);
    console.log(
      `  server saw ${server.requests.length - warmup} requests, max ${server.maxInFlight} in flight; errors ${usage.errors}, retries ${usage.retries}`,
    );

    const secondMs = await runAll(model);
    const perSecond = calls / (secondMs / 1000);
    const cached = hub.usage.snapshot().overall.cached;
    console.log(`second pass: ${cached} of ${calls} cached`);
    console.log(`  wall ${secondMs.toFixed(1)} ms, ${perSecond.toFixed(0)} calls/s (goal >= ${CACHED_GOAL})`);

    const ok = ratio <= RATIO_GOAL && perSecond >= CACHED_GOAL && cached === calls && usage.errors === 0;
    console.log(ok ? 'PASS' : 'FAIL');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await hub.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
