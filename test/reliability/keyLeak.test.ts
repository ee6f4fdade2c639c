/**
 * Item 8 of issue 16 over every pipeline: the API key (which the fake upstream echoes in its error messages, as
 * some providers do) and the password of a base URL with credentials appear in no file a run writes, nor in any
 * file or folder name. Each pipeline runs against the fake with a third of its requests failing that way.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { annotateLive } from '../../src/distill/annotate.js';
import { runEvalJob } from '../../src/eval/job.js';
import { buildGrimoires } from '../../src/grimoire/build.js';
import { evaluateGrimoires } from '../../src/grimoire/evaluate.js';
import { ModelHub } from '../../src/models/hub.js';
import { runScale } from '../../src/scaling/scaleRun.js';
import { analyzeScaling } from '../../src/scaling/analyzeScaling.js';
import { writeScaleRunResults, writeScalingResults } from '../../src/scaling/scalingResults.js';
import { writeScalingReport } from '../../src/report/scalingReport.js';
import { REDACTED, registerSecret } from '../../src/util/redact.js';
import { loadDataset } from '../../src/data/load.js';
import { goldRecords } from '../../src/distill/goldRecords.js';
import { runSweep, sweepPoints } from '../../src/distill/sweep.js';
import { concludeSweep } from '../../src/distill/verdict.js';
import { writeSweepReport } from '../../src/report/sweepReport.js';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIServerOptions } from '../support/fakeOpenAIServer.js';
import { weakModel, writeToySet, writeToyTask } from '../grimoire/fixtures.js';
import { evalConfig, jsonLines, tempDirs } from './helpers.js';

const newDir = tempDirs();
const KEY = 'sk-leak-test-9876543210abcdefKEY';
const PASSWORD = 'pa55-in-the-url-LEAK';
const servers: FakeOpenAIServer[] = [];
const hubs: ModelHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  for (const server of servers.splice(0)) await server.close();
});

/** Every path under `dir`, with the file's content (a folder's: its name only). */
function everything(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? [{ path, text: path }, ...everything(path)] : [{ path, text: `${path}\n${readFileSync(path, 'latin1')}` }];
  });
}

function expectNoSecret(dir: string): void {
  const files = everything(dir);
  expect(files.filter((file) => file.text.includes(KEY) || file.text.includes(PASSWORD)).map((file) => file.path)).toEqual([]);
  expect(files.some((file) => file.text.includes(REDACTED))).toBe(true); // the echoed key was there to leak
}

/** A fake upstream answering `answer`, but a 500 echoing the key for every third distinct prompt; a base URL with credentials. */
async function setup(answer: FakeOpenAIServerOptions['answer']) {
  const server = await startFakeOpenAIServer({
    thread: false,
    answer,
    fault: ({ body }) => {
      const text = JSON.stringify(body?.messages ?? '');
      let hash = 0;
      for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_003;
      return hash % 3 === 0 ? { kind: 'status', status: 500, message: `upstream rejected key ${KEY} for this request` } : undefined;
    },
  });
  servers.push(server);
  const hub = new ModelHub({ cachePath: ':memory:', apiKey: KEY, maxRetries: 0, warn: () => {} });
  hubs.push(hub);
  return { hub, url: server.url.replace('http://', `http://alice:${PASSWORD}@`) };
}

describe('no key or URL password in anything a pipeline writes', () => {
  it('eval', async () => {
    const { hub, url } = await setup(() => 'positive');
    const dir = newDir();
    writeFileSync(join(dir, 'reviews.jsonl'), jsonLines(Array.from({ length: 12 }, (_, i) => ({ text: `review ${i}`, label: i % 2 }))));
    const { summary } = await runEvalJob(evalConfig(dir, { model: `openai:fake@${url}` }), hub);
    expect(summary.errors).toBeGreaterThan(0);
    expectNoSecret(join(dir, 'runs'));
  });

  it('grimoire build and grimoire eval', async () => {
    const strongAnswer = (prompt: string) => (prompt.includes('Restate this skill book') ? '1. Praise means good.' : 'Rule 1: look for praise.');
    const { hub, url } = await setup((prompt) => (prompt.startsWith('You are an expert in') ? weakModel(prompt) : strongAnswer(prompt)));
    const toy = writeToyTask({ train: 40, test: 8 });
    const built = await buildGrimoires(
      {
        dataset: toy.dataset,
        strong: `openai:strong@${url}`,
        weak: `openai:weak@${url}`,
        embedder: 'builtin',
        samplers: ['kmeans', 'random', 'zero', 'hard'],
        k: 2,
        hardRatios: [1],
        seed: 0,
        validationSize: 6,
        hardPoolSize: 12,
        out: join(toy.root, 'built'),
        concurrency: 2,
      },
      hub,
    );
    expect(built.manifest.failures.length + (built.hardness?.errors ?? 0)).toBeGreaterThan(0);
    expectNoSecret(join(toy.root, 'built'));

    writeToySet(join(toy.root, 'set'));
    await evaluateGrimoires(
      {
        dataset: toy.dataset,
        weak: `openai:weak@${url}`,
        grimoires: join(toy.root, 'set'),
        split: 'test',
        seed: 0,
        methods: ['zero-shot', 'single', 'best-single'],
        shots: 0,
        fewShotDemos: ['random'],
        embedder: 'builtin',
        validationSize: 6,
        concurrency: 2,
        runsRoot: join(toy.root, 'runs'),
      },
      hub,
    );
    expectNoSecret(join(toy.root, 'runs'));
  });

  it('distill annotate', async () => {
    const { hub, url } = await setup(() => 'We add them. The answer is 12.');
    const out = join(newDir(), 'annotations');
    const result = await annotateLive(
      {
        dataset: 'synthetic:easy,seed=3,train=12,validation=0,test=2',
        splits: ['train'],
        seed: 0,
        teacher: `openai:teacher@${url}`,
        samples: 1,
        maxTokens: 64,
        concurrency: 2,
        validationFraction: 0.1,
        out,
        showProgress: false,
      },
      hub,
    );
    expect(result.splits.train!.errors).toBeGreaterThan(0);
    expectNoSecret(out);
  });

  it('scale run, with its score rows and analysis files', async () => {
    const { hub, url } = await setup(() => 'The answer is 3.');
    const dir = newDir();
    mkdirSync(join(dir, 'add'));
    for (const split of ['train', 'test']) {
      const rows = Array.from({ length: 8 }, (_, i) => ({
        input: `Ann has ${i} pens and buys ${i + 1} more (${split}). How many?`,
        target: String(2 * i + 1),
      }));
      writeFileSync(join(dir, 'add', `${split}.jsonl`), jsonLines(rows));
    }
    const config = {
      models: [
        { name: 'small', spec: `openai:small@${url}`, params: 1e8, paramsSource: 'given' as const },
        { name: 'large', spec: `openai:large@${url}`, params: 1e9, paramsSource: 'given' as const },
      ],
      datasets: [`jsonl:${join(dir, 'add')}`],
      datasetOptions: {},
      prompting: ['direct' as const],
      split: 'test',
      seed: 0,
      shots: 0,
      demoSplit: 'train',
      maxTokens: 32,
      validationFraction: 0,
      concurrency: 2,
      logprobMetrics: false,
      outDir: join(dir, 'out'),
    };
    const result = await runScale(config, hub);
    expect(result.evaluations.some((evaluation) => evaluation.errors > 0)).toBe(true);
    // What `scale run` writes after the run (cli/commands/scale.ts reportScaleRun): rows, evaluations, analysis, report.
    const out = join(dir, 'out');
    const scores = await writeScaleRunResults(out, { rows: result.rows, evaluations: result.evaluations, notes: result.notes, models: config.models });
    await writeScalingResults(out, {
      analyses: analyzeScaling(result.rows),
      source: scores.csv,
      title: 'Scaling run',
      configuration: { models: config.models },
    });
    await writeScalingReport(out);
    expect(readdirSync(join(dir, 'out')).length).toBeGreaterThan(1);
    expectNoSecret(join(dir, 'out'));
  });

  it('distill run: cell.json, result.json, results.json and the sweep report', async () => {
    registerSecret(KEY);
    const spec = 'synthetic:steps=1,digits=1,distractors=0,seed=4,train=12,validation=4,test=4';
    const dataset = await loadDataset(spec, {});
    const teacher = `openai:teacher@http://alice:${PASSWORD}@127.0.0.1:9/v1`;
    const out = newDir();
    const hub = new ModelHub({ cachePath: 'none', warn: () => {} });
    hubs.push(hub);
    const { cells } = await runSweep(
      {
        task: dataset.task,
        train: goldRecords(dataset.splits.train!, 'train'),
        validation: goldRecords(dataset.splits.validation!, 'validation'),
        test: dataset.splits.test!,
        methods: ['standard-ft'],
        fractions: [1],
        seeds: [0],
        alpha: 0.5,
        filter: 'none',
        student: { size: 'tiny', steps: 2, batchSize: 4, learningRate: 3e-3, contextLength: 96, maxTokens: { answer: 4, cot: 8 } },
        out,
        // What `distill run` puts in a cell's identity: the annotations' teacher, and here a key an error once echoed.
        identity: { teacher, annotationsError: `upstream rejected key ${KEY}` },
      },
      hub,
    );
    concludeSweep(out, {
      title: `distilled from ${teacher}`,
      dataset: spec,
      teacherName: teacher,
      teacher: [{ label: teacher, n: 4, accuracy: 1, ci95: [1, 1] }],
      points: sweepPoints(cells),
      cells,
      testSize: 4,
      settings: { teacher },
    });
    await writeSweepReport(out);
    expectNoSecret(out);
  }, 120_000);
});
