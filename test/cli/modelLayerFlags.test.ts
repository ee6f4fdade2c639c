/**
 * The model-layer flags every model-using command shares, through the CLI against a loopback
 * OpenAI-compatible server: --api-key, --prices, --budget, --record (then replay:), --cache, --rpm and --tpm;
 * and the request options of `generate`.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { runCli } from '../support/runCli.js';

interface Printed {
  completions: { text: string }[];
  usage: { promptTokens: number; completionTokens: number };
  meta?: { cached: boolean; costUsd: number };
}

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer({ thread: false, answer: (question) => `You said: ${question}` });
});
afterAll(async () => {
  await server?.close();
});

const dir = mkdtempSync(join(tmpdir(), 'apprentice-flags-'));
const generate = (prompt: string, ...flags: string[]) =>
  runCli(['generate', '--model', `openai:flag-model@${server.url}`, '--prompt', prompt, '--json', ...flags], {
    env: { OPENAI_API_KEY: '' },
  });
const printed = (stdout: string): Printed => JSON.parse(stdout) as Printed;

describe('model-layer flags through the CLI', () => {
  it('--api-key is sent as the bearer token', async () => {
    const result = await generate('key check', '--api-key', 'sk-test-123');
    expect(result.code, result.stderr).toBe(0);
    const request = server.requests.find((r) => JSON.stringify(r.body).includes('key check'));
    expect(request?.headers.authorization).toBe('Bearer sk-test-123');
  });

  it('generate sends --system, --stop, --max-tokens and --temperature as given', async () => {
    const result = await generate('options check', '--system', 'Be terse.', '--stop', '###', '--max-tokens', '5', '--temperature', '0.5');
    expect(result.code, result.stderr).toBe(0);
    const request = server.requests.find((r) => JSON.stringify(r.body).includes('options check'));
    expect(request?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'options check' },
      ],
      stop: ['###'],
      max_tokens: 5,
      temperature: 0.5,
    });
  });

  it('--prices sets the cost of a call and --budget refuses a call that could pass it', async () => {
    const prices = join(dir, 'prices.yaml');
    writeFileSync(prices, 'flag-model:\n  input: 1000\n  output: 2000\n');
    const priced = await generate('price check', '--prices', prices);
    expect(priced.code, priced.stderr).toBe(0);
    const { usage, meta } = printed(priced.stdout);
    expect(meta?.costUsd).toBeCloseTo((usage.promptTokens * 1000 + usage.completionTokens * 2000) / 1e6, 12);

    const sent = server.requests.length;
    const refused = await generate('budget check', '--prices', prices, '--budget', '0.0001');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/budget/);
    expect(server.requests.length).toBe(sent);
  });

  it('--record writes every real call, and replay: answers the same request offline', async () => {
    const recording = join(dir, 'calls.jsonl');
    const live = await generate('record me', '--record', recording);
    expect(live.code, live.stderr).toBe(0);
    expect(existsSync(recording)).toBe(true);
    expect(readFileSync(recording, 'utf8').trim().split('\n')).toHaveLength(1);

    const replayed = await runCli(['generate', '--model', `replay:${recording}`, '--prompt', 'record me', '--json']);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(printed(replayed.stdout).completions).toEqual(printed(live.stdout).completions);
    const missing = await runCli(['generate', '--model', `replay:${recording}`, '--prompt', 'never recorded']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no recording/);
  });

  it('--cache <file> answers a repeated greedy call without sending it', async () => {
    const cache = join(dir, 'cache.sqlite');
    const first = await generate('cache me', '--cache', cache);
    expect(first.code, first.stderr).toBe(0);
    const sent = server.requests.length;
    const second = await generate('cache me', '--cache', cache);
    expect(printed(second.stdout).meta?.cached).toBe(true);
    expect(printed(second.stdout).completions).toEqual(printed(first.stdout).completions);
    expect(server.requests.length).toBe(sent);
  });

  it.each([
    { flag: '--rpm', value: '2', through: 2 },
    // A call larger than the whole token limit goes alone once the minute's window is empty.
    { flag: '--tpm', value: '1', through: 1 },
  ])('$flag $value lets $through call(s) of 3 through in the first minute', async ({ flag, value, through }) => {
    const data = join(dir, 'questions.jsonl');
    writeFileSync(data, ['a', 'b', 'c'].map((text) => JSON.stringify({ text, label: 'x' })).join('\n') + '\n');
    const before = server.requests.length;
    const sentNow = () => server.requests.length - before;
    let child: ChildProcess | undefined;
    const run = runCli(
      [
        'eval',
        '--dataset',
        `jsonl:${data}`,
        '--input-field',
        'text',
        '--label-field',
        'label',
        '--split',
        'test',
        '--model',
        `openai:${flag.slice(2)}-model@${server.url}`,
        flag,
        value,
        '--runs',
        join(dir, 'runs'),
        '--json',
        '--no-progress',
      ],
      { env: { OPENAI_API_KEY: '' }, onSpawn: (spawned) => (child = spawned) },
    );
    await expect.poll(sentNow, { timeout: 10_000 }).toBe(through);
    // The next call may go only a minute after the first: it has not gone 2 s later.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(sentNow()).toBe(through);
    child?.kill('SIGTERM');
    await run;
  });
});
