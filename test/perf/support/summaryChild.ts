/**
 * Child process of summaryHeap.test.ts: fills summary columns with `count` records whose latencies are all
 * different, then computes the latency mean and percentiles either through SummaryColumns.summary (`columns`) or
 * the way it did before, from a JS array of every latency (`array`), and prints them as JSON.
 */
import type { ExampleRecord } from '../../../src/eval/records.js';
import { SummaryColumns } from '../../../src/eval/summaryColumns.js';

const [mode, countText] = process.argv.slice(2);
const count = Number(countText);

/** Latencies that are not small integers (a JS array of them holds 8-byte doubles). */
const latencyOf = (i: number): number => 100.25 + ((i * 7919) % 100_003) / 8;

if (mode === 'columns') {
  const columns = new SummaryColumns(count);
  const record: ExampleRecord = {
    index: 0,
    id: '',
    prompt: '',
    output: 'yes',
    extracted: 'yes',
    gold: 'yes',
    valid: true,
    correct: true,
    usage: { promptTokens: 1, completionTokens: 1 },
    costUsd: 0,
    latencyMs: 0,
    cached: false,
  };
  for (let i = 0; i < count; i++) {
    record.index = i;
    record.latencyMs = latencyOf(i);
    columns.set(i, record);
  }
  console.log(JSON.stringify(columns.summary(count).latencyMs));
} else {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) latencies.push(latencyOf(i));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
  console.log(JSON.stringify({ mean: latencies.reduce((a, b) => a + b, 0) / latencies.length, p50: at(0.5), p95: at(0.95) }));
}
