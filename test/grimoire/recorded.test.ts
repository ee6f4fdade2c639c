/**
 * End to end on a real task with the recorded GPT-4 grimoires: SST5 from ../shared, the paper's
 * grimoires imported, every method evaluated with a loopback weak model that reads the cue phrases
 * the grimoires list; then the library API uses the saved ranker. Skipped without ../shared.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { evaluateGrimoires, type GrimoireEvalResult } from '../../src/grimoire/evaluate.js';
import { importRecordedGrimoires } from '../../src/grimoire/import.js';
import { GrimoireSet } from '../../src/grimoire/index.js';
import { ModelHub } from '../../src/models/hub.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { PROJECT_ROOT } from '../support/runCli.js';
import { questionOf } from './fixtures.js';
import { lexiconWeakModel } from './lexiconWeakModel.js';

const SHARED = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'grimoire');
const SST5 = join(SHARED, 'tasks', 'SST5');
const LABELS = ['very positive', 'positive', 'neutral', 'negative', 'very negative'];

describe.skipIf(!existsSync(SST5))('SST5 with the recorded GPT-4 grimoires (needs ../shared/datasets)', () => {
  let server: FakeOpenAIServer;
  let hub: ModelHub;
  let result: GrimoireEvalResult;
  const out = mkdtempSync(join(tmpdir(), 'apprentice-sst5-'));
  const set = join(out, 'grimoires');

  beforeAll(async () => {
    server = await startFakeOpenAIServer({ thread: false, answer: lexiconWeakModel(LABELS, 'neutral') });
    hub = new ModelHub({ cachePath: ':memory:', maxRetries: 0, warn: () => {}, prices: { lexicon: { input: 0.1, output: 0.4 } } });
    importRecordedGrimoires(join(SHARED, 'recorded', 'grimoires'), { task: 'SST5', hardFor: 'PHI2', out: set });
    result = await evaluateGrimoires(
      {
        dataset: `grimoire:${SST5}`,
        weak: `openai:lexicon@${server.url}`,
        grimoires: set,
        split: 'test',
        limit: 100,
        seed: 0,
        methods: ['zero-shot', 'few-shot', 'single', 'best-single', 'similarity', 'ranker'],
        shots: 5,
        fewShotDemos: ['random', 'nearest'],
        embedder: 'builtin',
        validationSize: 100,
        concurrency: 16,
        runsRoot: join(out, 'runs'),
        saveRanker: true,
      },
      hub,
    );
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
    await server?.close();
  });

  it('reports every method on the first 100 test sentences with CIs and cost', () => {
    expect(result.methods.filter((m) => m.method === 'single')).toHaveLength(12);
    expect(result.methods.map((m) => m.method)).toEqual(expect.arrayContaining(['zero-shot', 'few-shot', 'best-single', 'similarity', 'ranker']));
    for (const m of result.methods) {
      expect(m).toMatchObject({ n: 100, errors: 0 });
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.ci95![0]).toBeLessThanOrEqual(m.accuracy!);
      expect(m.costUsd).toBeGreaterThan(0);
    }
    // Zero-shot, the stand-in always says "neutral": its accuracy is the share of neutral gold labels.
    const gold = (JSON.parse(readFileSync(join(SST5, 'test.json'), 'utf8')) as { ans_text: string }[]).slice(0, 100);
    expect(result.methods.find((m) => m.method === 'zero-shot')!.accuracy).toBe(gold.filter((g) => g.ans_text === 'neutral').length / 100);
    // Grimoires differ, so the choice matters.
    const singles = result.methods.filter((m) => m.method === 'single').map((m) => m.accuracy!);
    expect(Math.max(...singles)).toBeGreaterThan(Math.min(...singles));
  });

  it('chooses the best single grimoire and trains the ranker on validation only, disjoint from test', async () => {
    const best = result.validation!.grimoires.reduce((a, b) => ((b.accuracy ?? -1) > (a.accuracy ?? -1) ? b : a));
    expect(result.bestSingle!.grimoire).toBe(best.id);
    expect(result.validation!.source).toBe('held-out');
    const dataset = await loadDataset(`grimoire:${SST5}`);
    const testTexts = new Set(dataset.splits.test!.slice(0, 100).map((e) => e.input));
    const saved = JSON.parse(readFileSync(result.ranker!.file, 'utf8')) as { trainedOn: { split: string; ids: string[] } };
    expect(saved.trainedOn.split).toBe('validation');
    expect(saved.trainedOn.ids).toHaveLength(100);
    expect(saved.trainedOn.ids.every((id) => id.startsWith('train-'))).toBe(true);
    const validationQuestions = server.requests.map((r) => questionOf(r.body.messages[0].content)).filter((q) => !testTexts.has(q));
    expect(validationQuestions.length).toBeGreaterThanOrEqual(12 * 100 - 12 * 5);
  });

  it('the library API loads the set with its saved ranker and answers a question with the grimoire it picks', async () => {
    const dataset = await loadDataset(`grimoire:${SST5}`);
    const grimoires = await GrimoireSet.load(set, { task: dataset.task });
    expect(grimoires.ranker).toBeDefined();
    const question = 'a gorgeous , witty , seductive movie .';
    const prompt = await grimoires.prompt(question);
    expect(prompt.by).toBe('ranker');
    expect(prompt.ranking).toHaveLength(12);
    const content = prompt.messages[0]!.content;
    expect(content.startsWith('You are an expert in sentiment analysis, Please classify the sentiment')).toBe(true);
    expect(content).toContain(prompt.grimoire.text);
    expect(content).toContain(`Please answer:\n${question}\n`);
    const answered = await grimoires.answer(question, await hub.model(`openai:lexicon@${server.url}`));
    expect(LABELS).toContain(answered.answer);
    expect(answered.grimoire.id).toBe(prompt.grimoire.id);
  });
});
