/**
 * Item 5 of issue 16, the first computation: a large run's first answer (reading and summarizing its records,
 * rendering its charts, serializing and compressing the answer) is computed in worker threads, so the server's
 * event loop keeps answering other requests meanwhile. Over a synthetic run of 100,000 records, the event loop's
 * delay is measured (perf_hooks.monitorEventLoopDelay) during its first GET /api/run, while another run's answer
 * is asked for every 20 ms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../src/server/dashboard/api.js';
import { startDashboard, type DashboardServer } from '../../src/server/dashboard/app.js';
import { EXAMPLES_PAGE } from '../../src/server/dashboard/exampleQuery.js';
import { tempDirs } from './helpers.js';

const newDir = tempDirs();
const servers: DashboardServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const BIG = 100_000;
/**
 * Bounds that hold on a 2-core machine shared by ~20 busy threads (measured there: delay max 98-232 ms, slowest other
 * request 190-476 ms); computed in the server's thread, the big run's answer blocked the loop for 6.6 s there.
 */
const MAX_LOOP_DELAY_MS = 400;
const MAX_SMALL_REQUEST_MS = 1000;

function writeRun(root: string, name: string, n: number): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ command: 'eval', identity: { dataset: `jsonl:${name}.jsonl`, split: 'test', model: 'openai:m', style: 'zero-shot' } }),
  );
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const gold = i % 3 === 0 ? 'negative' : 'positive';
    const output = i % 4 === 0 ? 'negative' : 'positive';
    lines.push(
      JSON.stringify({
        index: i,
        id: `ex-${i}`,
        prompt: [{ role: 'user', content: `Review ${i}: the film was ${i % 2 ? 'long but moving' : 'short and dull'}. Is this review positive or negative?` }],
        output,
        extracted: output,
        gold,
        valid: true,
        correct: output === gold,
        usage: { promptTokens: 30, completionTokens: 1 },
        costUsd: 0.00001,
        latencyMs: 100 + (i % 50),
        cached: false,
      }),
    );
  }
  writeFileSync(join(dir, 'records.jsonl'), lines.join('\n') + '\n');
}

describe('the dashboard computes a large run off its event loop', () => {
  it(`while a ${BIG.toLocaleString('en-US')}-record run's first answer is computed, the event loop stays free and other requests are answered at once`, async () => {
    const root = newDir();
    writeRun(root, 'big', BIG);
    writeRun(root, 'small', 3);
    const server = await startDashboard({ runsDir: root, uiDir: root, cache: { recheckMs: 0 } });
    servers.push(server);
    const get = (id: string) => fetch(`${server.url}/api/run?id=${id}`, { headers: { 'accept-encoding': 'gzip' } });
    expect((await get('small')).status).toBe(200); // computed (a worker started), then kept

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    let bigDone = 0;
    const big = get('big').then((response) => {
      bigDone = performance.now();
      delay.disable(); // reading the 100,000 examples in this test is not the server's work
      return response;
    });
    const small: number[] = [];
    while (!bigDone) {
      const asked = performance.now();
      const response = await get('small');
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      small.push(performance.now() - asked);
      await Promise.race([big, sleep(20)]);
    }
    const detail = (await (await big).json()) as RunDetail;
    const bigMs = bigDone - started;
    const maxDelayMs = delay.max / 1e6;
    console.log(
      `first /api/run of ${BIG} records: ${bigMs.toFixed(0)} ms; event loop delay max ${maxDelayMs.toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms; ` +
        `${small.length} other requests meanwhile, slowest ${Math.max(...small).toFixed(0)} ms`,
    );
    expect(detail.summary.scored).toBe(BIG);
    expect(detail.examplesTotal).toBe(BIG);
    expect(detail.examples).toHaveLength(EXAMPLES_PAGE); // the first page; the others are read by offset
    // The measurement spans real work: several requests were answered while the big answer was computed.
    expect(small.length).toBeGreaterThanOrEqual(5);
    expect(maxDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
    expect(Math.max(...small)).toBeLessThan(MAX_SMALL_REQUEST_MS);
  }, 120_000);
});
