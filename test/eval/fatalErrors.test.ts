/**
 * Issue #19: a wrong key (401/403) or an unknown model (404) stops an evaluation at the first call, with the
 * provider's message, instead of sending every request and hiding the message in records.jsonl.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEvalJob } from '../../src/eval/job.js';
import { ModelError } from '../../src/models/errors.js';
import { ModelHub } from '../../src/models/hub.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { evalConfig, jsonLines, tempDirs } from '../reliability/helpers.js';
import { runCli } from '../support/runCli.js';

const newDir = tempDirs();
const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** 40 labelled reviews, so a run that did not stop would send 40 requests. */
function writeManyReviews(dir: string): void {
  const rows = Array.from({ length: 40 }, (_, i) => ({ text: `review number ${i}`, label: i % 2 }));
  writeFileSync(join(dir, 'reviews.jsonl'), jsonLines(rows));
}

describe('fatal model errors', () => {
  it.each([
    [401, 'Incorrect API key provided: sk-wr***ong.', 'auth'],
    [403, 'Your organization is not allowed to use this model.', 'auth'],
    [404, 'The model `gpt-nope` does not exist or you do not have access to it.', 'not_found'],
  ])('HTTP %i stops the run at once with the provider message, the failure recorded and counted', async (status, message, kind) => {
    const server = await startFakeOpenAIServer({ thread: false, fault: () => ({ kind: 'status', status, message }) });
    servers.push(server);
    const dir = newDir();
    writeManyReviews(dir);
    const hub = new ModelHub({ cachePath: 'none', apiKey: 'sk-wrong', maxRetries: 4 });
    let thrown: unknown;
    try {
      await runEvalJob(evalConfig(dir, { model: `openai:gpt-nope@${server.url}`, concurrency: 1 }), hub).catch((error: unknown) => (thrown = error));
    } finally {
      await hub.close();
    }
    expect(thrown).toBeInstanceOf(ModelError);
    expect((thrown as ModelError).kind).toBe(kind);
    expect((thrown as ModelError).message).toContain(message);
    expect((thrown as ModelError).message).toMatch(/The run stopped at the first .* failure/);
    // Never retried, nothing after it sent.
    expect(server.requests.length).toBe(1);
  });

  it('through the CLI: exits at once and prints the provider message', async () => {
    const server = await startFakeOpenAIServer({ thread: false, fault: () => ({ kind: 'status', status: 401, message: 'Incorrect API key provided.' }) });
    servers.push(server);
    const dir = newDir();
    writeManyReviews(dir);
    const result = await runCli([
      'eval',
      '--dataset',
      `jsonl:${join(dir, 'reviews.jsonl')}`,
      '--input-field',
      'text',
      '--label-field',
      'label',
      '--labels',
      'negative,positive',
      '--model',
      `openai:gpt-4o-mini@${server.url}`,
      '--api-key',
      'sk-wrong',
      '--concurrency',
      '1',
      '--runs',
      join(dir, 'runs'),
      '--no-progress',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: model call failed \(auth\): .*Incorrect API key provided\./);
    expect(server.requests.length).toBe(1);
    const records = readFileSync(result.stderr.match(/are in (\S+)\. Fix it/)![1]! + '/records.jsonl', 'utf8')
      .trim()
      .split('\n');
    expect(records).toHaveLength(1);
  });
});
