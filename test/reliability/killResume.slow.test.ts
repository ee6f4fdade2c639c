/**
 * Issue 16's kill -9 regressions (slow: `npm run test:slow`; needs `npm run build`): each resumable command that
 * calls a model is killed with SIGKILL a few times at seeded moments (after a seeded number of calls reached the
 * fake upstream), then run to the end. Nothing finished is lost (the final results count every example) and at
 * most --concurrency calls per kill are made again (the calls in flight), counted at the upstream. The users'
 * default, a cache file, is on.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
const keyOf = (request: { path: string; body: { model?: string; messages?: unknown; prompt?: unknown; max_tokens?: unknown; logprobs?: unknown; echo?: unknown } }) =>
  JSON.stringify([request.path, request.body.model, request.body.messages ?? request.body.prompt, request.body.max_tokens, request.body.logprobs, request.body.echo]);

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
      'eval', '--dataset', `jsonl:${join(dir, 'reviews.jsonl')}`, '--input-field', 'text', '--label-field', 'label', '--labels', 'negative,positive',
      '--model', `openai:fake@${server.url}`, '--concurrency', String(CONCURRENCY), '--runs', join(dir, 'runs'), '--json', '--no-progress',
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
      'grimoire', 'eval', '--dataset', toy.dataset, '--weak', `openai:weak@${server.url}`, '--grimoires', join(toy.root, 'set'), '--split', 'test',
      '--methods', 'zero-shot,single', '--concurrency', String(CONCURRENCY), '--runs', join(toy.root, 'runs'), '--json',
    ];
    const outcome = await killedAndResumed(server, args, { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(toy.root, 'cache.sqlite') }, 2, 40);
    expectBounded(outcome, 40);
    const printed = lastJson<{ methods: { n: number; errors: number }[] }>(outcome.last);
    expect(printed.methods.map((method) => [method.n, method.errors])).toEqual([[10, 0], [10, 0], [10, 0], [10, 0]]);
  }, 300_000);

  it('grimoire build', async () => {
    const strong = (prompt: string) => (prompt.includes('Restate this skill book') ? '1. Praise means good.' : 'Rule 1: look for praise.');
    const answer = (prompt: string) => (prompt.startsWith('You are an expert in') ? weakModel(prompt) : strong(prompt));
    const toy = writeToyTask({ train: 60, test: 4 });
    const makeArgs = (dir: string, url: string) => [
      'grimoire', 'build', '--dataset', toy.dataset, '--strong', `openai:strong@${url}`, '--weak', `openai:weak@${url}`,
      '--samplers', 'random,zero,hard', '--k', '2', '--hard-ratios', '1', '--hard-pool', '30', '--validation-size', '6', '--embedder', 'builtin',
      '--concurrency', String(CONCURRENCY), '--out', join(dir, 'set'), '--json',
    ];
    const distinct = await referenceCalls(answer, makeArgs);
    const server = await upstream(answer);
    const outcome = await killedAndResumed(server, makeArgs(toy.root, server.url), { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(toy.root, 'cache.sqlite') }, 3, distinct);
    expectBounded(outcome, distinct);
    expect(lastJson<{ grimoires: unknown[] }>(outcome.last).grimoires).toHaveLength(6);
  }, 300_000);

  it('distill annotate', async () => {
    const server = await upstream(() => 'We add them. The answer is 12.');
    const dir = newDir();
    const args = [
      'distill', 'annotate', '--dataset', 'synthetic:easy,seed=3,train=30,validation=0,test=2', '--teacher', `openai:t@${server.url}`,
      '--concurrency', String(CONCURRENCY), '--out', join(dir, 'annotations'), '--json', '--no-progress',
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
      const rows = Array.from({ length: 15 }, (_, i) => ({ question: `Ann has ${i} pens and buys ${i + 1} more (${split}). How many?`, answer: String(2 * i + 1) }));
      writeFileSync(join(dir, 'add', `${split}.jsonl`), jsonLines(rows));
    }
    const makeArgs = (folder: string, url: string) => [
      'scale', 'run', '--models', `openai:small@${url}=1e8,openai:large@${url}=1e9`, '--dataset', `jsonl:${join(dir, 'add')}`,
      '--input-field', 'question', '--label-field', 'answer', '--answer-type', 'number', '--prompting', 'direct',
      '--concurrency', String(CONCURRENCY), '--out', join(folder, 'out'), '--json',
    ];
    const distinct = await referenceCalls(answer, makeArgs); // 15 examples per model, and each model's capability probe
    const server = await upstream(answer);
    const outcome = await killedAndResumed(server, makeArgs(dir, server.url), { OPENAI_API_KEY: 'x', APPRENTICE_CACHE: join(dir, 'cache.sqlite') }, 5, distinct);
    expectBounded(outcome, distinct);
    const printed = lastJson<{ evaluations: { n: number; errors: number; missing: number }[] }>(outcome.last);
    expect(printed.evaluations.map((evaluation) => [evaluation.n, evaluation.errors, evaluation.missing])).toEqual([[15, 0, 0], [15, 0, 0]]);
  }, 300_000);

  it('train: each rerun continues from the last saved state, and the run ends with every step done', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'train.jsonl'), jsonLines(Array.from({ length: 64 }, (_, i) => ({ prompt: `Q: ${i} plus 1?`, completion: ` ${i + 1}` }))));
    const out = join(dir, 'model');
    const args = ['train', '--data', join(dir, 'train.jsonl'), '--size', 'tiny', '--steps', '60', '--eval-every', '5', '--batch-size', '4', '--out', out, '--json'];
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
      if (killed.code !== null) break; // finished before the kill
      kills += 1;
      const saved = savedStep();
      expect(saved).toBeGreaterThanOrEqual(target);
      if (i === KILLS - 1 || saved + 5 >= 60) {
        const last = await runCli(args);
        expect(last.code, last.stderr).toBe(0);
        expect(lastJson(last)).toMatchObject({ steps: 60, resumedFrom: saved });
        break;
      }
    }
    expect(kills).toBeGreaterThan(0);
  }, 600_000);

  it('distill run: cells finished before a kill are never redone; the rerun finishes the sweep', async () => {
    const server = await upstream(() => 'We add them. The answer is 12.');
    const dir = newDir();
    const dataset = 'synthetic:easy,seed=2,train=8,validation=0,test=2';
    const annotated = await runCli(
      ['distill', 'annotate', '--dataset', dataset, '--teacher', `openai:t@${server.url}`, '--out', join(dir, 'ann'), '--splits', 'train,test', '--json', '--no-progress'],
      { env: { OPENAI_API_KEY: 'x' } },
    );
    expect(annotated.code, annotated.stderr).toBe(0);
    const out = join(dir, 'run');
    const args = [
      'distill', 'run', '--dataset', dataset, '--annotations', join(dir, 'ann'), '--methods', 'standard-ft,step-by-step', '--fractions', '0.5,1',
      '--seeds', '1', '--student', 'tiny', '--steps', '2', '--batch-size', '2', '--context', '192', '--test-limit', '1', '--validation-fraction', '0.25',
      '--out', out, '--json', '--no-progress',
    ];
    const results = () => {
      const found: Record<string, number> = {};
      const walk = (folder: string) => {
        let names: string[] = [];
        try {
          names = readdirSync(folder);
        } catch {
          return;
        }
        for (const name of names) {
          const path = join(folder, name);
          if (name === 'result.json') found[path] = statSync(path).mtimeMs;
          else if (statSync(path).isDirectory()) walk(path);
        }
      };
      walk(join(out, 'cells'));
      return found;
    };
    let kills = 0;
    for (let i = 0; i < 2; i++) {
      const before = Object.keys(results()).length;
      const killed = await runCli(args, {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (Object.keys(results()).length > before) {
              clearInterval(timer);
              child.kill('SIGKILL');
            }
          }, 20);
          child.on('exit', () => clearInterval(timer));
        },
      });
      if (killed.code !== null) break;
      kills += 1;
    }
    expect(kills).toBeGreaterThan(0);
    const finished = results();
    const last = await runCli(args);
    expect(last.code, last.stderr).toBe(0);
    const cells = lastJson<{ cells: { skipped?: string | null }[] }>(last).cells;
    const after = results();
    // Every cell of the sweep (the methods asked for and the baselines they are compared with) has its result.
    expect(cells.length).toBeGreaterThanOrEqual(4);
    expect(Object.keys(after)).toHaveLength(cells.length);
    for (const [file, mtime] of Object.entries(finished)) expect(after[file], file).toBe(mtime);
  }, 600_000);
});
