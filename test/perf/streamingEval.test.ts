/**
 * `apprentice eval` over a dataset that does not fit the whole-file path in a small heap: the built CLI
 * (bin/apprentice.js on dist/, run `npm run build` first) under `--max-old-space-size=48` against a loopback
 * model that answers at once. The whole-file path (forced with `--sample`, which needs the whole split) runs out
 * of memory; the streaming path evaluates every example, and a rerun resumes from records.jsonl read as a stream.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstantOpenAIServer, type InstantServer } from '../../bench/support/instantOpenAIServer.js';
import { expectOutOfMemory, runUnderHeap } from './support/smallHeap.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'apprentice.js');
const EXAMPLES = 2000;
/** 20 KB inputs: 40 MB of JSONL, which the whole-file path holds several times over. */
const FILLER = 'lorem ipsum dolor sit amet '.repeat(750);

describe('eval streams a dataset larger than a small heap', () => {
  let dir: string;
  let server: InstantServer;
  let dataset: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apprentice-stream-'));
    dataset = join(dir, 'big.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < EXAMPLES; i++) lines.push(JSON.stringify({ text: `review ${i} ${FILLER}`, label: i % 3 ? 'positive' : 'negative' }));
    writeFileSync(dataset, lines.join('\n') + '\n');
    server = await startInstantOpenAIServer('positive');
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const evalCli = (extra: string[]) =>
    runUnderHeap(
      BIN,
      [
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
        '32',
        '--no-progress',
        '--json',
        ...extra,
      ],
      { heapMb: 48, timeoutMs: 55_000 },
    );

  it('the whole-file path runs out of memory in the same heap', async () => {
    await expectOutOfMemory(evalCli(['--sample', String(EXAMPLES)]));
    expect(server.answered()).toBe(0);
  }, 60_000);

  it('the streaming path evaluates every example, then resumes from records.jsonl without a call', async () => {
    const first = JSON.parse((await evalCli([])).stdout) as { n: number; scored: number; correct: number; runDir: string; resumed: boolean };
    expect(first).toMatchObject({ n: EXAMPLES, scored: EXAMPLES, correct: EXAMPLES - Math.ceil(EXAMPLES / 3), resumed: false });
    expect(server.answered()).toBe(EXAMPLES);
    const records = readFileSync(join(first.runDir, 'records.jsonl'), 'utf8').trim().split('\n');
    expect(new Set(records.map((line) => (JSON.parse(line) as { index: number }).index)).size).toBe(EXAMPLES);

    const again = JSON.parse((await evalCli([])).stdout) as typeof first;
    expect(again).toMatchObject({ n: EXAMPLES, scored: EXAMPLES, correct: first.correct, resumed: true, runDir: first.runDir });
    expect(server.answered()).toBe(EXAMPLES);
  }, 120_000);
});
