/**
 * `runScale` counts, per evaluation and on its score rows, the outputs cut at a run-on example: a loopback
 * model answers each question and runs on into an invented next one (a layout no stop string catches).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelHub } from '../../src/models/hub.js';
import { runScale } from '../../src/scaling/scaleRun.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';

const servers: FakeOpenAIServer[] = [];
const hubs: ModelHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  for (const server of servers.splice(0)) await server.close();
});

function writeTask(dir: string): Map<string, number> {
  const gold = new Map<string, number>();
  mkdirSync(dir, { recursive: true });
  for (const [split, count] of [
    ['train', 4],
    ['test', 6],
  ] as const) {
    const lines = Array.from({ length: count }, (_, i) => {
      const a = 3 + i;
      const b = split === 'train' ? 10 : 20 + i;
      const question = `Tom has ${a} apples and buys ${b} more. How many apples does Tom have?`;
      gold.set(question, a + b);
      return JSON.stringify({ question, answer: String(a + b) });
    });
    writeFileSync(join(dir, `${split}.jsonl`), lines.join('\n') + '\n');
  }
  return gold;
}

describe('runScale', () => {
  it('carries the outputs cut at a run-on example on each evaluation and its score rows', async () => {
    const root = mkdtempSync(join(tmpdir(), 'apprentice-scale-cut-'));
    const gold = writeTask(join(root, 'add'));
    const runOnQuestions = new Set([...gold.keys()].filter((q) => q.includes('buys 20') || q.includes('buys 21')));
    const server = await startFakeOpenAIServer({
      thread: false,
      answer: (message: string) => {
        const question = [...message.matchAll(/Question: (.*)/g)].at(-1)?.[1] ?? '';
        const answer = `The answer is ${gold.get(question) ?? 0}.`;
        return runOnQuestions.has(question) ? `${answer}\n\nInput: Ann has 2 pens and gets 2 more.\nThe answer is 1.` : answer;
      },
    });
    servers.push(server);
    const hub = new ModelHub({ cachePath: ':memory:', maxRetries: 0, warn: () => {} });
    hubs.push(hub);
    const result = await runScale(
      {
        models: [{ name: 'm', spec: `openai:m@${server.origin}/v1`, params: 1e9, paramsSource: 'given' }],
        datasets: [`jsonl:${join(root, 'add')}`],
        datasetOptions: {},
        prompting: ['direct'],
        split: 'test',
        seed: 0,
        shots: 0,
        demoSplit: 'train',
        maxTokens: 64,
        validationFraction: 0,
        concurrency: 2,
        logprobMetrics: false,
        outDir: join(root, 'out'),
      },
      hub,
    );
    expect(result.evaluations.map((e) => [e.prompting, e.cutOutputs, e.accuracy])).toEqual([['direct', 2, 1]]);
    const accuracy = result.rows.find((row) => row.metric === 'accuracy (direct)')!;
    expect(accuracy.cutOutputs).toBe(2);
    expect(result.rows.every((row) => row.cutOutputs === 2)).toBe(true);
  });
});
