/**
 * Issue 16's fault injection, kept as regressions: every model-calling pipeline against an OpenAI-compatible
 * upstream on loopback that answers 429 / 503 (with Retry-After), 500, malformed JSON, or hangs, for a seeded
 * 20% of its distinct requests (faultPlan.ts). Each run must end with exactly the counts the plan implies:
 * calls received (1 per clean request, 2 per transient fault, 3 per persistent one), errors (one per persistent
 * fault, by kind), every other result present, and no request answered twice (a rerun pays nothing again).
 * The quickstart's teacher is simulated or a local engine model: it makes no HTTP call to fault.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { annotateLive } from '../../src/distill/annotate.js';
import { runEvalJob } from '../../src/eval/job.js';
import { buildGrimoires } from '../../src/grimoire/build.js';
import { evaluateGrimoires } from '../../src/grimoire/evaluate.js';
import { ModelHub } from '../../src/models/hub.js';
import { runScale } from '../../src/scaling/scaleRun.js';
import { createApiServer } from '../../src/server/app.js';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIServerOptions } from '../support/fakeOpenAIServer.js';
import { weakModel, writeToySet, writeToyTask } from '../grimoire/fixtures.js';
import { hubFaultOptions, MAX_RETRIES, seededFaultPlan, type FaultCounts, type FaultPlan } from './faultPlan.js';
import { evalConfig, jsonLines, tempDirs } from './helpers.js';

const newDir = tempDirs();
const servers: FakeOpenAIServer[] = [];
const hubs: ModelHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  for (const server of servers.splice(0)) await server.close();
});

async function setup(seed: number, answer: FakeOpenAIServerOptions['answer'], cachePath = ':memory:') {
  const plan = seededFaultPlan(seed);
  const server = await startFakeOpenAIServer({ thread: false, answer, fault: plan.fault });
  servers.push(server);
  const hub = new ModelHub({ cachePath, apiKey: 'not-needed', concurrency: 4, ...hubFaultOptions });
  hubs.push(hub);
  return { plan, server, hub };
}

/** The plan's counts for what the server received, checked request by request; faults of both kinds happened. */
function exactCounts(plan: FaultPlan, server: FakeOpenAIServer): FaultCounts {
  const counts = plan.expect(server.requests);
  expect(counts.mismatched, 'requests received a number of times other than planned').toEqual([]);
  expect(server.requests.length).toBe(counts.calls);
  expect(
    [...counts.answered.values()].every((answers) => answers <= 1),
    'a request answered twice',
  ).toBe(true);
  expect(counts.transient).toBeGreaterThan(0);
  expect(counts.errors).toBeGreaterThan(0);
  return counts;
}

const reviews = (n: number) => jsonLines(Array.from({ length: n }, (_, i) => ({ text: `review number ${i}: ${i % 3 ? 'fine' : 'poor'} work`, label: i % 2 })));

describe('fault injection: exact counts over every model-calling pipeline', () => {
  it('eval: every example a record, one error per persistent fault by kind; the rerun retries only those', async () => {
    const dir = newDir();
    const { plan, server, hub } = await setup(3, () => 'positive', join(dir, 'cache.sqlite'));
    writeFileSync(join(dir, 'reviews.jsonl'), reviews(40));
    const config = evalConfig(dir, { model: `openai:fake@${server.url}`, concurrency: 4 });
    const { summary } = await runEvalJob(config, hub);
    const counts = exactCounts(plan, server);
    expect(counts.distinct).toBe(40);
    expect(summary).toMatchObject({ n: 40, errors: counts.errors, scored: 40 - counts.errors, errorsByKind: counts.errorsByKind });

    const before = server.requests.length;
    const again = await runEvalJob(config, hub);
    expect(again.summary).toMatchObject({ resumed: true, n: 40, errors: counts.errors });
    // Only the calls that failed are made again (each through all its attempts); nothing answered is paid twice.
    expect(server.requests.length - before).toBe(counts.errors * (MAX_RETRIES + 1));
    const retried = server.requests.slice(before).map((request) => plan.planFor(request.body, request.path));
    expect(retried.every((planned) => planned?.persistent)).toBe(true);
  }, 60_000);

  it('grimoire eval: every method answers every example; errors per method add up to the persistent faults', async () => {
    const { plan, server, hub } = await setup(5, weakModel);
    const toy = writeToyTask({ train: 40, test: 12 });
    writeToySet(join(toy.root, 'set'));
    const result = await evaluateGrimoires(
      {
        dataset: toy.dataset,
        weak: `openai:weak@${server.url}`,
        grimoires: join(toy.root, 'set'),
        split: 'test',
        seed: 0,
        methods: ['zero-shot', 'single'],
        shots: 0,
        fewShotDemos: ['random'],
        embedder: 'builtin',
        validationSize: 10,
        concurrency: 4,
        runsRoot: join(toy.root, 'runs'),
      },
      hub,
    );
    const counts = exactCounts(plan, server);
    expect(counts.distinct).toBe(12 * 4); // zero-shot + three single grimoires
    expect(result.methods).toHaveLength(4);
    for (const method of result.methods) expect(method.n).toBe(12);
    expect(result.methods.reduce((sum, method) => sum + method.errors, 0)).toBe(counts.errors);
  }, 60_000);

  it('grimoire build: failed strong-model calls are named failures, failed weak judgements are left out of the hard pool', async () => {
    const strongAnswer = (prompt: string) =>
      prompt.includes('Restate this skill book')
        ? '1. Praise words mean good.\n2. Complaints mean bad.'
        : 'Rule 1: look for praise.\nHow to apply: find adjectives.';
    const answer = (prompt: string) => (prompt.startsWith('You are an expert in') ? weakModel(prompt) : strongAnswer(prompt));
    const { plan, server, hub } = await setup(2, answer);
    const toy = writeToyTask({ train: 80, test: 4 });
    const result = await buildGrimoires(
      {
        dataset: toy.dataset,
        strong: `openai:strong@${server.url}`,
        weak: `openai:weak@${server.url}`,
        embedder: 'builtin',
        samplers: ['kmeans', 'hierarchical', 'hard', 'random', 'zero'],
        k: 2,
        hardRatios: [0.5, 1],
        seed: 0,
        validationSize: 10,
        hardPoolSize: 40,
        out: join(toy.root, 'set'),
        concurrency: 4,
      },
      hub,
    );
    const counts = exactCounts(plan, server);
    const byModel = (model: string) => plan.expect(server.requests.filter((request) => request.body.model === model));
    const strong = byModel('strong');
    const weak = byModel('weak');
    expect(weak.distinct).toBe(40);
    expect(result.hardness).toMatchObject({ judged: 40 - weak.errors, errors: weak.errors });
    expect(result.manifest.failures).toHaveLength(strong.errors);
    expect(strong.errors + weak.errors).toBe(counts.errors);
    // A failed profound grimoire takes its simple one with it (never asked); a failed simple one leaves the profound.
    const failedSimple = result.manifest.failures.filter((failure) => failure.variant === 'simple').length;
    const failedProfound = result.manifest.failures.length - failedSimple; // the pair failed (no variant named)
    expect(result.grimoires).toHaveLength(2 * 6 - 2 * failedProfound - failedSimple);
    const manifest = JSON.parse(readFileSync(join(toy.root, 'set', 'manifest.json'), 'utf8')) as { failures: unknown[] };
    expect(manifest.failures).toHaveLength(strong.errors);
  }, 60_000);

  it('distill annotate: every input annotated or an error, errors = persistent faults', async () => {
    const { plan, server, hub } = await setup(4, () => 'We add them. The answer is 12.');
    const out = join(newDir(), 'annotations');
    const result = await annotateLive(
      {
        dataset: 'synthetic:easy,seed=3,train=40,validation=0,test=2',
        splits: ['train'],
        seed: 0,
        teacher: `openai:teacher@${server.url}`,
        samples: 1,
        maxTokens: 64,
        concurrency: 4,
        validationFraction: 0.1,
        out,
        showProgress: false,
      },
      hub,
    );
    const counts = exactCounts(plan, server);
    expect(counts.distinct).toBe(40);
    expect(result.splits.train).toMatchObject({ n: 40, answered: 40 - counts.errors, errors: counts.errors, errorsByKind: counts.errorsByKind });
  }, 60_000);

  it('scale run: every (model, example) evaluated; errors per evaluation add up to the persistent faults', async () => {
    const { plan, server, hub } = await setup(6, () => 'The answer is 3.');
    const dir = newDir();
    mkdirSync(join(dir, 'add'));
    for (const split of ['train', 'test']) {
      const rows = Array.from({ length: 20 }, (_, i) => ({
        input: `Question: Ann has ${i} pens and buys ${i + 1} more (${split}). How many?`,
        target: String(2 * i + 1),
      }));
      writeFileSync(join(dir, 'add', `${split}.jsonl`), jsonLines(rows));
    }
    const result = await runScale(
      {
        models: [
          { name: 'small', spec: `openai:small@${server.url}`, params: 1e8, paramsSource: 'given' },
          { name: 'large', spec: `openai:large@${server.url}`, params: 1e9, paramsSource: 'given' },
        ],
        datasets: [`jsonl:${join(dir, 'add')}`],
        datasetOptions: {},
        prompting: ['direct'],
        split: 'test',
        seed: 0,
        shots: 0,
        demoSplit: 'train',
        maxTokens: 32,
        validationFraction: 0,
        concurrency: 4,
        logprobMetrics: false,
        outDir: join(dir, 'out'),
      },
      hub,
    );
    const counts = exactCounts(plan, server);
    expect(counts.distinct).toBe(40);
    expect(result.evaluations.map((evaluation) => evaluation.n)).toEqual([20, 20]);
    expect(result.evaluations.reduce((sum, evaluation) => sum + evaluation.errors, 0)).toBe(counts.errors);
  }, 60_000);

  it('serve: each client request answered once, or refused with an error status after the retries', async () => {
    const { plan, server, hub } = await setup(1, (message) => `answer to ${message}`);
    const app = await createApiServer({ model: await hub.model(`openai:upstream@${server.url}`), name: 'proxy' });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          app
            .inject({
              method: 'POST',
              url: '/v1/chat/completions',
              headers: { host: '127.0.0.1' },
              payload: { model: 'proxy', messages: [{ role: 'user', content: `question ${i}` }], temperature: 0 },
            })
            .then((response) => response.statusCode),
        ),
      );
      const counts = exactCounts(plan, server);
      expect(counts.distinct).toBe(40);
      expect(statuses.filter((status) => status === 200)).toHaveLength(40 - counts.errors);
      expect(statuses.filter((status) => status === 429 || status >= 500)).toHaveLength(counts.errors);
    } finally {
      await app.close();
    }
  }, 60_000);
});
