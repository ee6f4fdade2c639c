/**
 * `apprentice eval` end to end against a real OpenAI-compatible server on loopback: the issue's
 * required invocation, a run killed mid-way and resumed without repeated calls, and failed calls
 * reported as errors rather than wrong answers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIServerOptions } from '../support/fakeOpenAIServer.js';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

const SST5 = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'grimoire', 'tasks', 'SST5');

interface Summary {
  n: number;
  scored: number;
  correct: number;
  accuracy: number;
  ci95: [number, number];
  invalid: number;
  errors: number;
  errorsByKind: Record<string, number>;
  usage: { promptTokens: number; completionTokens: number; costUsd: number };
  runDir: string;
  resumed: boolean;
}

const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(options: FakeOpenAIServerOptions): Promise<FakeOpenAIServer> {
  const server = await startFakeOpenAIServer({ thread: false, ...options });
  servers.push(server);
  return server;
}

/** The fake model always says "positive", so its accuracy is the share of positive gold labels. */
const sayPositive = () => 'Answer: positive';
const tempDir = () => mkdtempSync(join(tmpdir(), 'apprentice-eval-'));
const testRows = (limit: number) => (JSON.parse(readFileSync(join(SST5, 'test.json'), 'utf8')) as { text: string; ans_text: string }[]).slice(0, limit);
const questionOf = (body: { messages: { role: string; content: string }[] }) => body.messages.at(-1)!.content;

describe.skipIf(!existsSync(SST5))('apprentice eval against a loopback OpenAI server (needs ../shared/datasets)', () => {
  it('runs the required invocation: SST5 test, first 200, concurrency 16, one JSON object', async () => {
    const server = await serve({ latencyMs: 5, answer: sayPositive });
    const dir = tempDir();
    const result = await runCli(
      [
        'eval',
        '--dataset',
        `grimoire:${SST5}`,
        '--split',
        'test',
        '--limit',
        '200',
        '--model',
        `openai:any@${server.url}`,
        '--concurrency',
        '16',
        '--json',
        '--runs',
        dir,
      ],
      { env: { APPRENTICE_CACHE: join(dir, 'cache.sqlite'), OPENAI_API_KEY: '' } },
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJson<Summary>(result);
    const positives = testRows(200).filter((row) => row.ans_text === 'positive').length;
    expect(summary).toMatchObject({ n: 200, scored: 200, correct: positives, invalid: 0, errors: 0 });
    expect(summary.accuracy).toBeCloseTo(positives / 200, 10);
    expect(summary.ci95[0]).toBeLessThan(summary.accuracy);
    expect(summary.ci95[1]).toBeGreaterThan(summary.accuracy);
    expect(summary.usage.promptTokens).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(200);
    expect(server.maxInFlight).toBeLessThanOrEqual(16);
    expect(server.maxInFlight).toBeGreaterThan(1);
    expect(readFileSync(join(summary.runDir, 'records.jsonl'), 'utf8').trim().split('\n')).toHaveLength(200);
  });

  it('resumes a killed run without asking again what was answered, and the cache serves a fresh run folder', async () => {
    const server = await serve({ latencyMs: 60, answer: sayPositive });
    const dir = tempDir();
    const runDir = join(dir, 'run');
    const args = [
      'eval',
      '--dataset',
      `grimoire:${SST5}`,
      '--split',
      'test',
      '--limit',
      '40',
      '--model',
      `openai:any@${server.url}`,
      '--concurrency',
      '4',
      '--json',
      '--no-progress',
      '--run-dir',
      runDir,
    ];
    const env = { APPRENTICE_CACHE: join(dir, 'cache.sqlite') };

    const killed = await runCli(args, {
      env,
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (server.requests.length >= 16) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 5);
      },
    });
    expect(killed.code).toBeNull();
    const recordsPath = join(runDir, 'records.jsonl');
    const doneBefore = readFileSync(recordsPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; prompt: { content: string }[] });
    expect(doneBefore.length).toBeGreaterThan(0);
    expect(doneBefore.length).toBeLessThan(40);
    const answeredQuestions = new Set(doneBefore.map((record) => record.prompt.at(-1)!.content));
    const requestsBefore = server.requests.length;

    const resumed = await runCli(args, { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson<Summary>(resumed)).toMatchObject({ n: 40, scored: 40, errors: 0, resumed: true });
    const askedAgain = server.requests.slice(requestsBefore).map((request) => questionOf(request.body));
    expect(askedAgain.filter((question) => answeredQuestions.has(question))).toEqual([]);
    expect(askedAgain.length).toBeLessThanOrEqual(40 - doneBefore.length);

    // A new run folder for the same work is answered entirely from the shared SQLite cache.
    rmSync(runDir, { recursive: true });
    const requestsBeforeFresh = server.requests.length;
    const fresh = await runCli(args, { env });
    expect(lastJson<Summary>(fresh)).toMatchObject({ n: 40, scored: 40, errors: 0, resumed: false });
    expect(server.requests.length).toBe(requestsBeforeFresh);
  });

  it('reports a call that keeps failing as an error, not a wrong answer, and retries only it on the next run', async () => {
    let broken = true;
    const firstQuestion = testRows(1)[0]!.text;
    const server = await serve({
      answer: sayPositive,
      fault: (info) => (broken && questionOf(info.body).includes(firstQuestion) ? { kind: 'server' } : undefined),
    });
    const dir = tempDir();
    const args = [
      'eval',
      '--dataset',
      `grimoire:${SST5}`,
      '--split',
      'test',
      '--limit',
      '10',
      '--model',
      `openai:any@${server.url}`,
      '--retries',
      '1',
      '--json',
      '--no-progress',
      '--runs',
      dir,
    ];
    const env = { APPRENTICE_CACHE: join(dir, 'cache.sqlite') };

    const failed = await runCli(args, { env });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/1 example\(s\) failed \(server: 1\)/);
    expect(lastJson<Summary>(failed)).toMatchObject({ n: 10, scored: 9, errors: 1, errorsByKind: { server: 1 } });

    broken = false;
    const requestsBefore = server.requests.length;
    const fixed = await runCli(args, { env });
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(lastJson<Summary>(fixed)).toMatchObject({ n: 10, scored: 10, errors: 0, resumed: true });
    expect(server.requests.length - requestsBefore).toBe(1);
  });
});

describe('apprentice eval: what is sent, from own data (loopback OpenAI server)', () => {
  const pairs = join(tempDir(), 'pairs.jsonl');
  const rows = Array.from({ length: 8 }, (_, i) => ({ premise: `p${i} is here`, hypothesis: `h${i} holds`, label: i % 2 ? 'yes' : 'no' }));
  writeFileSync(pairs, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  const args = (server: FakeOpenAIServer, dir: string, ...more: string[]) => [
    'eval',
    '--dataset',
    `jsonl:${pairs}`,
    '--input-template',
    'Premise: {premise}\\nHypothesis: {hypothesis}',
    '--label-field',
    'label',
    '--labels',
    'no,yes',
    '--split',
    'test',
    '--model',
    `openai:any@${server.url}`,
    '--runs',
    dir,
    '--json',
    '--no-progress',
    ...more,
  ];

  it('--input-template fills the question from several fields; --max-tokens reaches the request', async () => {
    const server = await serve({ answer: () => 'yes' });
    const result = await runCli(args(server, tempDir(), '--limit', '2', '--max-tokens', '7'), { env: { OPENAI_API_KEY: '' } });
    expect(result.code, result.stderr).toBe(0);
    const questions = server.requests.map((request) => questionOf(request.body));
    expect(questions[0]).toContain('Premise: p0 is here\nHypothesis: h0 holds');
    for (const request of server.requests) expect(request.body).toMatchObject({ max_tokens: 7 });
  });

  it('--sample N --seed S evaluates a seeded subset without repeats: the same for the same seed', async () => {
    const server = await serve({ answer: () => 'yes' });
    const indices = async (seed: string) => {
      const result = await runCli(args(server, tempDir(), '--sample', '5', '--seed', seed), { env: { OPENAI_API_KEY: '' } });
      expect(result.code, result.stderr).toBe(0);
      const records = readFileSync(join(lastJson<Summary>(result).runDir, 'records.jsonl'), 'utf8')
        .trim()
        .split('\n');
      return records.map((line) => (JSON.parse(line) as { index: number }).index).sort((a, b) => a - b);
    };
    const first = await indices('1');
    expect(first).toHaveLength(5);
    expect(new Set(first).size).toBe(5);
    for (const index of first) expect(index).toBeLessThan(8);
    expect(await indices('1')).toEqual(first);
    const others = await Promise.all(['2', '3', '4'].map(indices));
    expect(others.some((other) => other.join() !== first.join())).toBe(true);
  });

  it('reads multiple-choice rows with --choices-field, --id-field, --task-name and --task-description', async () => {
    const server = await serve({ answer: () => 'The answer is (b).' });
    const dir = tempDir();
    const file = join(dir, 'colours.jsonl');
    const colours = [
      { qid: 'c-7', q: 'Grass is?', opts: ['red', 'green', 'blue'], ans: 'green' },
      { qid: 'c-9', q: 'Sky is?', opts: ['grey', 'pink', 'blue'], ans: 'blue' },
    ];
    writeFileSync(file, colours.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const result = await runCli(
      [
        'eval',
        '--dataset',
        `jsonl:${file}`,
        '--input-field',
        'q',
        '--label-field',
        'ans',
        '--choices-field',
        'opts',
        '--id-field',
        'qid',
        '--answer-type',
        'multiple_choice',
        '--task-name',
        'colours',
        '--task-description',
        'Pick the colour.',
        '--split',
        'test',
        '--model',
        `openai:any@${server.url}`,
        '--runs',
        dir,
        '--json',
        '--no-progress',
      ],
      { env: { OPENAI_API_KEY: '' } },
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJson<Summary & { task: string }>(result);
    expect(summary).toMatchObject({ task: 'colours', n: 2, correct: 1, invalid: 0 });
    const records = readFileSync(join(summary.runDir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; extracted: string });
    expect(records.map((r) => [r.id, r.extracted]).sort()).toEqual([
      ['c-7', 'green'],
      ['c-9', 'pink'],
    ]);
    const sent = JSON.stringify(server.requests.map((r) => r.body.messages));
    expect(sent).toContain('Pick the colour.');
    expect(sent).toMatch(/\(a\) red.*\(b\) green.*\(c\) blue/);
  });
});
