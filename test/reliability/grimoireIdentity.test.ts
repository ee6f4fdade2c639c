/** Item 1 of issue 16 for `grimoire eval`: an edited dataset is a different evaluation, never a resumed one. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateGrimoires, type GrimoireEvalConfig } from '../../src/grimoire/evaluate.js';
import { ModelHub } from '../../src/models/hub.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { weakModel, writeToySet, writeToyTask } from '../grimoire/fixtures.js';

const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('grimoire eval identity follows the dataset content', () => {
  it('flipped test labels are scored afresh (a new folder), and refused in a fixed --run-dir naming the change', async () => {
    const server = await startFakeOpenAIServer({ thread: false, answer: weakModel });
    servers.push(server);
    const toy = writeToyTask({ train: 60, test: 10 });
    writeToySet(join(toy.root, 'set'));
    const config: GrimoireEvalConfig = {
      dataset: toy.dataset,
      weak: `openai:weak@${server.url}`,
      grimoires: join(toy.root, 'set'),
      split: 'test',
      limit: 10,
      seed: 0,
      methods: ['zero-shot'],
      shots: 0,
      fewShotDemos: ['random'],
      embedder: 'builtin',
      validationSize: 20,
      concurrency: 4,
      runsRoot: join(toy.root, 'runs'),
    };
    const hub = new ModelHub({ cachePath: ':memory:', maxRetries: 0, warn: () => {} });
    try {
      const first = await evaluateGrimoires(config, hub);
      const before = first.methods[0]!;
      const testFile = join(toy.taskDir, 'test.json');
      const rows = JSON.parse(readFileSync(testFile, 'utf8')) as { ans_text: string }[];
      writeFileSync(testFile, JSON.stringify(rows.map((row) => ({ ...row, ans_text: row.ans_text === 'good' ? 'bad' : 'good' }))));
      const second = await evaluateGrimoires(config, hub);
      const after = second.methods[0]!;
      expect(after.scored).toBe(before.scored);
      expect(after.correct).toBe(before.scored - before.correct - (before.invalid ?? 0));

      const fixed = { ...config, runDir: join(toy.root, 'fixed') };
      await evaluateGrimoires(fixed, hub);
      writeFileSync(testFile, JSON.stringify(rows));
      await expect(evaluateGrimoires(fixed, hub)).rejects.toThrow(/dataset content changed/);
    } finally {
      await hub.close();
    }
  }, 60_000);
});
