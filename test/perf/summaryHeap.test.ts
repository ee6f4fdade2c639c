/**
 * A run's summary over more examples than a small heap holds as a JS array of latencies: SummaryColumns.summary
 * keeps the latencies it sorts for the percentiles in a typed column (off the V8 heap), so 3,000,000 examples are
 * summarised under --max-old-space-size=32, where collecting them in an array, as it did before, runs out of
 * memory. The two ways give the same mean and percentiles, bit for bit.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOutOfMemory, lastJsonLine, runUnderHeap } from './support/smallHeap.js';

const CHILD = join(import.meta.dirname, 'support', 'summaryChild.ts');
const EXAMPLES = 3_000_000;

const child = (mode: 'columns' | 'array', heapMb?: number) => runUnderHeap(CHILD, [mode, String(EXAMPLES)], { heapMb, timeoutMs: 170_000 });

const latencyOf = (stdout: string) => lastJsonLine<{ mean: number; p50: number; p95: number }>(stdout);

describe('the summary of millions of examples in a small heap', () => {
  it('a JS array of every latency runs out of memory in a 32 MB heap', async () => {
    await expectOutOfMemory(child('array', 32));
  }, 180_000);

  it('the summary columns compute it in that heap, equal to the array way in a large one', async () => {
    const [columns, array] = await Promise.all([child('columns', 32), child('array')]);
    const summary = latencyOf(columns.stdout);
    expect(summary).toEqual(latencyOf(array.stdout));
    expect(summary.p50).toBeLessThan(summary.p95);
  }, 180_000);
});
