/**
 * Issue 16's kill -9 regressions (slow: `npm run test:slow`; needs `npm run build`): each resumable command that
 * calls a model is killed with SIGKILL a few times at seeded moments (after a seeded number of calls reached the
 * fake upstream), then run to the end. Nothing finished is lost (the final results count every example) and at
 * most --concurrency calls per kill are made again (the calls in flight), counted at the upstream. The users'
 * default, a cache file, is on.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../../src/util/random.js';
import { lastJson, runCli } from '../support/runCli.js';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIServerOptions } from '../support/fakeOpenAIServer.js';
import { weakModel, writeToySet, writeToyTask } from '../grimoire/fixtures.js';
import { jsonLines, tempDirs } from './helpers.js';

const newDir = tempDirs();
const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const CONCURRENCY = 2;
const KILLS = 3;

async function upstream(answer: FakeOpenAIServerOptions['answer']): Promise<FakeOpenAIServer> {
  const server = await startFakeOpenAIServer({ thread: false, latencyMs: 150, answer });
  servers.push(server);
  return server;
}

/** What identifies a call: its path and everything in the request that changes the answer. */
const keyOf = (request: {
  path: string;
  body: { model?: string; messages?: unknown; prompt?: unknown; max_tokens?: unknown; logprobs?: unknown; echo?: unknown };
}) =>
  JSON.stringify([
    request.path,
    request.body.model,
    request.body.messages ?? request.body.prompt,
    request.body.max_tokens,
    request.body.logprobs,
    request.body.echo,
  ]);

/**
 * The distinct calls an uninterrupted run makes: `makeArgs(dir, url)` run once in a fresh folder against a fresh
 * upstream answering the same way.
 */
async function referenceCalls(answer: FakeOpenAIServerOptions['answer'], makeArgs: (dir: string, url: string) => string[]): Promise<number> {
  const server = await upstream(answer);
  const dir = newDir();
  const result = await runCli(makeArgs(dir, server.url), { env: { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(dir, 'cache.sqlite') } });
  expect(result.code, result.stderr).toBe(0);
  return new Set(server.requests.map((request) => keyOf(request))).size;
}

/**
 * Runs `args` KILLS times, each killed once the upstream has received a seeded number of further calls, then
 * once to the end; returns the last run's output and the call counts.
 */
async function killedAndResumed(server: FakeOpenAIServer, args: string[], env: NodeJS.ProcessEnv, seed: number, distinct: number) {
  const random = createRng(seed);
  let kills = 0;
  for (let i = 0; i < KILLS; i++) {
    const target = server.requests.length + 1 + Math.floor(random.next() * Math.max(1, distinct / (KILLS + 1)));
    const result = await runCli(args, {
      env,
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (server.requests.length >= target) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 5);
        child.on('exit', () => clearInterval(timer));
      },
    });
    if (result.code === null) kills += 1;
  }
  const last = await runCli(args, { env });
  expect(last.code, last.stderr).toBe(0);
  const keys = new Set(server.requests.map((request) => keyOf(request)));
  return { last, kills, calls: server.requests.length, distinct: keys.size };
}

const fileDigest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function expectBounded(outcome: { kills: number; calls: number; distinct: number }, distinct: number): void {
  expect(outcome.kills).toBeGreaterThan(0);
  expect(outcome.distinct).toBe(distinct);
  expect(outcome.calls - outcome.distinct).toBeLessThanOrEqual(outcome.kills * CONCURRENCY);
}

describe('kill -9 at seeded moments, then resume: nothing lost, at most --concurrency calls repeated per kill', () => {
  it('eval', async () => {
    const server = await upstream(() => 'positive');
    const dir = newDir();
    writeFileSync(join(dir, 'reviews.jsonl'), jsonLines(Array.from({ length: 30 }, (_, i) => ({ text: `review ${i}`, label: i % 2 }))));
    const args = [
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
      `openai:fake@${server.url}`,
      '--concurrency',
      String(CONCURRENCY),
      '--runs',
      join(dir, 'runs'),
      '--json',
      '--no-progress',
    ];
    const outcome = await killedAndResumed(server, args, { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(dir, 'cache.sqlite') }, 1, 30);
    expectBounded(outcome, 30);
    expect(lastJson(outcome.last)).toMatchObject({ n: 30, scored: 30, errors: 0 });
  }, 300_000);

  it('grimoire eval', async () => {
    const server = await upstream(weakModel);
    const toy = writeToyTask({ train: 40, test: 10 });
    writeToySet(join(toy.root, 'set'));
    const args = [
      'grimoire',
      'eval',
      '--dataset',
      toy.dataset,
      '--weak',
      `openai:weak@${server.url}`,
      '--grimoires',
      join(toy.root, 'set'),
      '--split',
      'test',
      '--methods',
      'zero-shot,single',
      '--concurrency',
      String(CONCURRENCY),
      '--runs',
      join(toy.root, 'runs'),
      '--json',
    ];
    const outcome = await killedAndResumed(server, args, { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(toy.root, 'cache.sqlite') }, 2, 40);
    expectBounded(outcome, 40);
    const printed = lastJson<{ methods: { n: number; errors: number }[] }>(outcome.last);
    expect(printed.methods.map((method) => [method.n, method.errors])).toEqual([
      [10, 0],
      [10, 0],
      [10, 0],
      [10, 0],
    ]);
  }, 300_000);

  it('grimoire build', async () => {
    const strong = (prompt: string) => (prompt.includes('Restate this skill book') ? '1. Praise means good.' : 'Rule 1: look for praise.');
    const answer = (prompt: string) => (prompt.startsWith('You are an expert in') ? weakModel(prompt) : strong(prompt));
    const toy = writeToyTask({ train: 60, test: 4 });
    const makeArgs = (dir: string, url: string) => [
      'grimoire',
      'build',
      '--dataset',
      toy.dataset,
      '--strong',
      `openai:strong@${url}`,
      '--weak',
      `openai:weak@${url}`,
      '--samplers',
      'random,zero,hard',
      '--k',
      '2',
      '--hard-ratios',
      '1',
      '--hard-pool',
      '30',
      '--validation-size',
      '6',
      '--embedder',
      'builtin',
      '--concurrency',
      String(CONCURRENCY),
      '--out',
      join(dir, 'set'),
      '--json',
    ];
    const distinct = await referenceCalls(answer, makeArgs);
    const server = await upstream(answer);
    const outcome = await killedAndResumed(
      server,
      makeArgs(toy.root, server.url),
      { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(toy.root, 'cache.sqlite') },
      3,
      distinct,
    );
    expectBounded(outcome, distinct);
    expect(lastJson<{ grimoires: unknown[] }>(outcome.last).grimoires).toHaveLength(6);
  }, 300_000);

  it('distill annotate', async () => {
    const server = await upstream(() => 'We add them. The answer is 12.');
    const dir = newDir();
    const args = [
      'distill',
      'annotate',
      '--dataset',
      'synthetic:easy,seed=3,train=30,validation=0,test=2',
      '--teacher',
      `openai:t@${server.url}`,
      '--concurrency',
      String(CONCURRENCY),
      '--out',
      join(dir, 'annotations'),
      '--json',
      '--no-progress',
    ];
    const outcome = await killedAndResumed(server, args, { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(dir, 'cache.sqlite') }, 4, 30);
    expectBounded(outcome, 30);
    expect(JSON.stringify(lastJson(outcome.last))).toMatch(/"n":30/);
  }, 300_000);

  it('scale run', async () => {
    const answer = () => 'The answer is 3.';
    const dir = newDir();
    mkdirSync(join(dir, 'add'));
    for (const split of ['train', 'test']) {
      const rows = Array.from({ length: 15 }, (_, i) => ({
        question: `Ann has ${i} pens and buys ${i + 1} more (${split}). How many?`,
        answer: String(2 * i + 1),
      }));
      writeFileSync(join(dir, 'add', `${split}.jsonl`), jsonLines(rows));
    }
    const makeArgs = (folder: string, url: string) => [
      'scale',
      'run',
      '--models',
      `openai:small@${url}=1e8,openai:large@${url}=1e9`,
      '--dataset',
      `jsonl:${join(dir, 'add')}`,
      '--input-field',
      'question',
      '--label-field',
      'answer',
      '--answer-type',
      'number',
      '--prompting',
      'direct',
      '--concurrency',
      String(CONCURRENCY),
      '--out',
      join(folder, 'out'),
      '--json',
    ];
    const distinct = await referenceCalls(answer, makeArgs); // 15 examples per model, and each model's capability probe
    const server = await upstream(answer);
    const outcome = await killedAndResumed(
      server,
      makeArgs(dir, server.url),
      { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(dir, 'cache.sqlite') },
      5,
      distinct,
    );
    expectBounded(outcome, distinct);
    const printed = lastJson<{ evaluations: { n: number; errors: number; missing: number }[] }>(outcome.last);
    expect(printed.evaluations.map((evaluation) => [evaluation.n, evaluation.errors, evaluation.missing])).toEqual([
      [15, 0, 0],
      [15, 0, 0],
    ]);
  }, 300_000);

  it('train: each rerun continues from the last saved state, and ends on the weights of an uninterrupted run, bit for bit', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'train.jsonl'), jsonLines(Array.from({ length: 64 }, (_, i) => ({ prompt: `Q: ${i} plus 1?`, completion: ` ${i + 1}` }))));
    const argsFor = (folder: string) => [
      'train',
      '--data',
      join(dir, 'train.jsonl'),
      '--size',
      'tiny',
      '--steps',
      '60',
      '--eval-every',
      '5',
      '--batch-size',
      '4',
      '--out',
      folder,
      '--json',
    ];
    const out = join(dir, 'model');
    const args = argsFor(out);
    const stateFile = join(out, 'training', 'state.json');
    const savedStep = () => {
      try {
        return (JSON.parse(readFileSync(stateFile, 'utf8')) as { step: number }).step;
      } catch {
        return 0; // not written yet, or being written
      }
    };
    const random = createRng(6);
    let kills = 0;
    let finished = false;
    for (let i = 0; i < KILLS; i++) {
      const target = savedStep() + 5 * (1 + Math.floor(random.next() * 3));
      if (target >= 60) break;
      const killed = await runCli(args, {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (savedStep() >= target) {
              clearInterval(timer);
              child.kill('SIGKILL');
            }
          }, 20);
          child.on('exit', () => clearInterval(timer));
        },
      });
      if (killed.code !== null) {
        expect(killed.code, killed.stderr).toBe(0); // finished before the kill
        finished = true;
        break;
      }
      kills += 1;
      expect(savedStep()).toBeGreaterThanOrEqual(target);
    }
    expect(kills).toBeGreaterThan(0);
    if (!finished) {
      const saved = savedStep();
      const last = await runCli(args);
      expect(last.code, last.stderr).toBe(0);
      expect(lastJson(last)).toMatchObject({ steps: 60, resumedFrom: saved });
    }
    const whole = join(dir, 'whole');
    const uninterrupted = await runCli(argsFor(whole));
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    expect(lastJson(uninterrupted)).toMatchObject({ steps: 60, resumedFrom: 0 });
    // The selected checkpoint, and the last step's weights and AdamW moments.
    for (const file of ['model.safetensors', 'training/model-60.safetensors', 'training/optimizer-60.safetensors']) {
      expect(fileDigest(join(out, file)), file).toBe(fileDigest(join(whole, file)));
    }
  }, 900_000);

  it("distill run (the sweep): killed in training, in testing and between students; nothing done is lost, the numbers are the uninterrupted run's", async () => {
    const server = await upstream(() => 'We add them. The answer is 12.');
    const dir = newDir();
    const dataset = 'synthetic:easy,seed=2,train=12,validation=0,test=6';
    const annotated = await runCli(
      [
        'distill',
        'annotate',
        '--dataset',
        dataset,
        '--teacher',
        `openai:t@${server.url}`,
        '--out',
        join(dir, 'ann'),
        '--splits',
        'train,test',
        '--json',
        '--no-progress',
      ],
      { env: { OPENAI_API_KEY: 'x' } },
    );
    expect(annotated.code, annotated.stderr).toBe(0);
    const argsFor = (out: string) => [
      'distill',
      'run',
      '--dataset',
      dataset,
      '--annotations',
      join(dir, 'ann'),
      '--methods',
      'standard-ft,standard-distill',
      '--fractions',
      '0.5,1',
      '--seeds',
      '1',
      '--student',
      'tiny',
      '--steps',
      '6',
      '--eval-every',
      '2',
      '--batch-size',
      '2',
      '--context',
      '192',
      '--test-limit',
      '6',
      '--validation-fraction',
      '0.25',
      '--out',
      out,
      '--json',
    ];
    const out = join(dir, 'run');
    const args = argsFor(out);

    // Each kind of moment once, in a seeded order: a student's training state saved, test answers written, a student finished.
    const random = createRng(7);
    const moments = (['training', 'testing', 'between students'] as const)
      .map((moment) => ({ moment, order: random.next() }))
      .sort((a, b) => a.order - b.order)
      .map(({ moment }) => moment);
    const killedAt: string[] = [];
    let atKill: Map<string, CellFiles> | null = null;
    let finished = false;
    for (const moment of moments) {
      const before = sweepFiles(out);
      const answersAhead = 1 + Math.floor(random.next() * 4);
      const due = (): boolean => {
        const now = sweepFiles(out);
        const open = [...now.entries()].filter(([, cell]) => cell.result === null);
        if (moment === 'between students') return countResults(now) > countResults(before);
        if (moment === 'training') return open.some(([cell, files]) => files.savedStep > (before.get(cell)?.savedStep ?? 0) && files.savedStep < 6);
        return open.some(([cell, files]) => files.answers.length >= (before.get(cell)?.answers.length ?? 0) + answersAhead);
      };
      const run = await runCli(args, {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (due()) {
              clearInterval(timer);
              child.kill('SIGKILL');
            }
          }, 10);
          child.on('exit', () => clearInterval(timer));
        },
      });
      if (atKill) expectKept(atKill, sweepFiles(out), run.stderr);
      if (run.code !== null) {
        expect(run.code, run.stderr).toBe(0); // the sweep ended before this moment came
        finished = true;
        break;
      }
      killedAt.push(moment);
      atKill = sweepFiles(out);
    }
    expect(killedAt).toEqual(moments); // each kind of moment came, and was killed at
    if (!finished) {
      const rerun = await runCli(args);
      expect(rerun.code, rerun.stderr).toBe(0);
      expectKept(atKill!, sweepFiles(out), rerun.stderr);
    }
    const last = await runCli(args); // everything finished: read back, nothing trained or asked again
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).not.toMatch(/training resumed|step \d+\/6/);

    const whole = join(dir, 'whole');
    const uninterrupted = await runCli(argsFor(whole));
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    expect(sweepNumbers(lastJson(last))).toEqual(sweepNumbers(lastJson(uninterrupted)));
    const killedFiles = sweepFiles(out);
    const wholeFiles = sweepFiles(whole);
    expect([...killedFiles.keys()].map(cellName)).toEqual([...wholeFiles.keys()].map(cellName));
    expect(killedFiles.size).toBe(4);
    for (const [cell, files] of killedFiles) {
      const reference = [...wholeFiles.entries()].find(([other]) => cellName(other) === cellName(cell))![1];
      expect(files.answers.length, cell).toBe(6); // one answer per test example
      expect(files.answers.map(answerNumbers).sort(), cell).toEqual(reference.answers.map(answerNumbers).sort());
      expect(files.weights, cell).toBe(reference.weights); // the student's checkpoint, bit for bit
    }
  }, 1_500_000);
});

/**
 * The run after a kill went on from what the killed run left: finished students kept as they were, test answers
 * kept (so each example is answered once in the end, and only the answer in flight at the kill, at most
 * --concurrency of them, was asked again), and training from its last saved step.
 */
function expectKept(atKill: Map<string, CellFiles>, now: Map<string, CellFiles>, stderr: string): void {
  for (const [cell, files] of atKill) {
    const later = now.get(cell)!;
    if (files.result !== null) {
      expect(later.result, cell).toBe(files.result);
      expect(later.resultMtime, cell).toBe(files.resultMtime);
    }
    for (const answer of files.answers) expect(later.answers, cell).toContain(answer);
    if (files.result === null && files.savedStep > 0 && files.savedStep < 6)
      expect(stderr).toContain(`${cellName(cell)}: training resumed at step ${files.savedStep} of 6`);
  }
}

interface CellFiles {
  result: string | null;
  resultMtime: number | null;
  /** Complete lines of test.jsonl. */
  answers: string[];
  /** The step of the student's saved training state (0: none). */
  savedStep: number;
  /** sha256 of the student's checkpoint weights, when written. */
  weights: string | null;
}

const readOrNull = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** What a sweep folder holds, per cell folder (cells/<method>/f<fraction>-s<seed>), read as a bystander would. */
function sweepFiles(out: string): Map<string, CellFiles> {
  const cells = new Map<string, CellFiles>();
  const list = (folder: string) => {
    try {
      return readdirSync(folder).sort();
    } catch {
      return [];
    }
  };
  for (const method of list(join(out, 'cells'))) {
    for (const name of list(join(out, 'cells', method))) {
      const cell = join(out, 'cells', method, name);
      const result = readOrNull(join(cell, 'result.json'));
      let savedStep = 0;
      try {
        savedStep = (JSON.parse(readFileSync(join(cell, 'student', 'training', 'state.json'), 'utf8')) as { step: number }).step;
      } catch {
        // not written yet, being replaced, or removed once the student is finished
      }
      const answers = (readOrNull(join(cell, 'test.jsonl')) ?? '').split('\n');
      answers.pop(); // the text after the last newline: empty, or a line being written
      const weights = readOrNull(join(cell, 'student', 'model.safetensors')) === null ? null : fileDigest(join(cell, 'student', 'model.safetensors'));
      cells.set(cell, { result, resultMtime: result === null ? null : statSync(join(cell, 'result.json')).mtimeMs, answers, savedStep, weights });
    }
  }
  return cells;
}

const countResults = (cells: Map<string, CellFiles>) => [...cells.values()].filter((cell) => cell.result !== null).length;

/** "standard-ft f=0.5 seed=0", as the sweep's log names a cell. */
function cellName(cell: string): string {
  const [method, name] = cell.split('/').slice(-2) as [string, string];
  const match = /^f(.+)-s(\d+)$/.exec(name)!;
  return `${method} f=${match[1]} seed=${match[2]}`;
}

/** A test answer without what depends on the clock. */
function answerNumbers(line: string): string {
  const { index, output, extracted, correct, valid } = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify({ index, output, extracted, correct, valid });
}

/** The sweep's results without what depends on the clock or the folder. */
function sweepNumbers(printed: unknown) {
  const { points, cells, verdict } = printed as {
    points: unknown[];
    cells: Array<Record<string, unknown> & { training: Record<string, unknown> }>;
    verdict: string[];
  };
  return {
    points,
    verdict,
    cells: cells.map(({ method, fraction, seed, inputs, rows, n, correct, accuracy, ci95, invalid, skipped, training }) => ({
      method,
      fraction,
      seed,
      inputs,
      rows,
      n,
      correct,
      accuracy,
      ci95,
      invalid,
      skipped,
      training: {
        parameters: training.parameters,
        steps: training.steps,
        bestStep: training.bestStep,
        validationLoss: training.validationLoss,
        byTask: training.validationLossByTask,
      },
    })),
  };
}
