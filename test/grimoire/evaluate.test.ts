/**
 * `evaluateGrimoires` end to end against a loopback OpenAI-compatible weak model whose accuracy
 * depends on the grimoire and the question, so choosing on validation and routing per question
 * matter: no test example is used to choose, none is repeated, failed calls are errors, reruns
 * resume without new calls.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGrimoireEvalResult } from '../../src/grimoire/evalResult.js';
import { evaluateGrimoires, type GrimoireEvalConfig } from '../../src/grimoire/evaluate.js';
import { GrimoireRanker } from '../../src/grimoire/ranker.js';
import { ModelHub } from '../../src/models/hub.js';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIServerOptions } from '../support/fakeOpenAIServer.js';
import { questionOf, weakModel, writeToySet, writeToyTask } from './fixtures.js';

const servers: FakeOpenAIServer[] = [];
const hubs: ModelHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  for (const server of servers.splice(0)) await server.close();
});

async function setup(options: FakeOpenAIServerOptions = {}) {
  const server = await startFakeOpenAIServer({ thread: false, answer: weakModel, ...options });
  servers.push(server);
  const hub = new ModelHub({ cachePath: ':memory:', maxRetries: 0, warn: () => {}, prices: { weak: { input: 1, output: 2 } } });
  hubs.push(hub);
  return { server, hub };
}

function config(toy: { dataset: string; root: string }, weak: string, extra: Partial<GrimoireEvalConfig> = {}): GrimoireEvalConfig {
  const set = join(toy.root, 'set');
  writeToySet(set);
  return {
    dataset: toy.dataset,
    weak,
    grimoires: set,
    split: 'test',
    limit: 40,
    seed: 0,
    methods: ['zero-shot', 'few-shot', 'single', 'best-single', 'similarity', 'ranker'],
    shots: 4,
    fewShotDemos: ['random', 'nearest'],
    embedder: 'builtin',
    validationSize: 80,
    concurrency: 8,
    runsRoot: join(toy.root, 'runs'),
    ...extra,
  };
}

describe('evaluateGrimoires', () => {
  it('reports every method; best single and ranker are chosen on validation only; nothing on test is repeated', async () => {
    const { server, hub } = await setup();
    const toy = writeToyTask({ train: 200, test: 60 });
    const weak = `openai:weak@${server.url}`;
    const result = await evaluateGrimoires(config(toy, weak), hub);

    expect(result.methods.map((m) => [m.method, m.grimoire ?? m.demos ?? null])).toEqual([
      ['zero-shot', null],
      ['few-shot', 'random'],
      ['few-shot', 'nearest'],
      ['single', 'a'],
      ['single', 'b'],
      ['single', 'c'],
      ['best-single', 'b'],
      ['similarity', null],
      ['ranker', null],
    ]);
    const by = (method: string, key?: string) =>
      result.methods.find((m) => m.method === method && (key === undefined || m.grimoire === key || m.demos === key))!;
    for (const m of result.methods) {
      expect(m.n).toBe(40);
      expect(m.errors).toBe(0);
      expect(m.ci95![0]).toBeLessThanOrEqual(m.accuracy!);
      expect(m.ci95![1]).toBeGreaterThanOrEqual(m.accuracy!);
    }
    expect(by('zero-shot')).toMatchObject({ accuracy: 0, invalid: 40 });
    expect(by('few-shot', 'random').accuracy).toBe(1);
    expect(by('single', 'a').accuracy! + by('single', 'b').accuracy!).toBeCloseTo(1, 10);
    expect(by('best-single').accuracy).toBe(by('single', 'b').accuracy);
    expect(by('best-single').costUsd).toBeGreaterThan(0);
    expect(by('best-single').selectionCostUsd).toBeGreaterThan(0);
    expect(result.bestSingle!.grimoire).toBe('b');
    expect(result.validation).toMatchObject({ n: 80, source: 'held-out' });

    // The ranker learned "film -> A" from validation and beats the best single grimoire on test.
    expect(by('ranker').accuracy!).toBeGreaterThan(by('best-single').accuracy!);
    expect(by('ranker').chosen!.a).toBeGreaterThan(0);
    expect(result.ranker!.validation.checkRoutedAccuracy!).toBeGreaterThanOrEqual(result.ranker!.validation.checkBestSingleAccuracy!);
    const saved = JSON.parse(readFileSync(result.ranker!.file, 'utf8'));
    expect(saved.trainedOn.ids).toHaveLength(80);
    const reloaded = await GrimoireRanker.load(saved);
    expect(reloaded.grimoireIds).toEqual(['a', 'b', 'c']);

    // Validation questions never include a test question; test questions are asked once per context.
    const testQuestions = new Set(
      JSON.parse(readFileSync(join(toy.taskDir, 'test.json'), 'utf8'))
        .slice(0, 40)
        .map((r: { text: string }) => r.text),
    );
    const trainQuestions = new Set(JSON.parse(readFileSync(join(toy.taskDir, 'train.json'), 'utf8')).map((r: { text: string }) => r.text));
    const prompts = server.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body.messages[0].content as string);
    const testCalls = prompts.filter((p) => testQuestions.has(questionOf(p)));
    expect(testCalls.length).toBe(40 * 6); // zero-shot, two few-shot, three grimoires; routed methods reuse answers
    const validationCalls = prompts.filter((p) => !testQuestions.has(questionOf(p)));
    expect(validationCalls.every((p) => trainQuestions.has(questionOf(p)))).toBe(true);
    expect(validationCalls).toHaveLength(80 * 3);

    // The same command again resumes every run folder: no new calls.
    const before = server.requests.length;
    const again = await evaluateGrimoires(config(toy, weak), hub);
    expect(server.requests.length).toBe(before);
    expect(again.methods.map((m) => m.accuracy)).toEqual(result.methods.map((m) => m.accuracy));
    expect(existsSync(join(result.runDir, 'summary.json'))).toBe(true);
  });

  it('resumes by example: a run killed part-way asks only the questions it has no record for, even with an empty cache', async () => {
    const { server, hub } = await setup();
    const toy = writeToyTask({ train: 120, test: 20 });
    const cfg = config(toy, `openai:weak@${server.url}`, { methods: ['zero-shot', 'single'], limit: 20 });
    const result = await evaluateGrimoires(cfg, hub);
    expect(result.methods.map((m) => m.n)).toEqual([20, 20, 20, 20]);

    // As if the run had been killed: zero-shot kept its first 7 records, grimoire B none.
    const recordsOf = (method: string, grimoire?: string) =>
      join(result.methods.find((m) => m.method === method && m.grimoire === grimoire)!.runDir, 'records.jsonl');
    const zeroShot = readFileSync(recordsOf('zero-shot'), 'utf8').trim().split('\n');
    expect(zeroShot).toHaveLength(20);
    const kept = zeroShot.slice(0, 7).map((line) => JSON.parse(line).index as number);
    writeFileSync(recordsOf('zero-shot'), zeroShot.slice(0, 7).join('\n') + '\n');
    writeFileSync(recordsOf('single', 'b'), '');

    const fresh = (await setup()).hub; // an empty call cache: only the records on disk can spare a call
    const before = server.requests.length;
    const again = await evaluateGrimoires(cfg, fresh);
    const asked = server.requests.slice(before).map((r) => String(r.body?.messages?.[0]?.content ?? ''));
    const zeroShotAsked = asked.filter((prompt) => !prompt.includes('RULES-'));
    expect(zeroShotAsked).toHaveLength(13);
    const keptQuestions = new Set(
      JSON.parse(readFileSync(join(toy.taskDir, 'test.json'), 'utf8'))
        .filter((_: unknown, index: number) => kept.includes(index))
        .map((r: { text: string }) => r.text),
    );
    expect(keptQuestions.size).toBe(7);
    expect(zeroShotAsked.some((prompt) => keptQuestions.has(questionOf(prompt)))).toBe(false);
    expect(asked.filter((prompt) => prompt.includes('RULES-B'))).toHaveLength(20);
    expect(asked.filter((prompt) => prompt.includes('RULES-A') || prompt.includes('RULES-C'))).toEqual([]);
    expect(again.methods.map((m) => [m.method, m.grimoire, m.n, m.correct, m.accuracy])).toEqual(
      result.methods.map((m) => [m.method, m.grimoire, m.n, m.correct, m.accuracy]),
    );
    expect(readFileSync(recordsOf('zero-shot'), 'utf8').trim().split('\n')).toHaveLength(20);
  });

  it('failed calls are counted as errors, never as wrong answers', async () => {
    const { server, hub } = await setup({
      fault: ({ body }) => {
        const prompt: string = body?.messages?.[0]?.content ?? '';
        return prompt.includes('RULES-C') && /\bfilm\b/.test(questionOf(prompt)) ? { kind: 'server', status: 500 } : undefined;
      },
    });
    const toy = writeToyTask({ train: 120, test: 40 });
    const result = await evaluateGrimoires(config(toy, `openai:weak@${server.url}`, { methods: ['single'], limit: 40 }), hub);
    const c = result.methods.find((m) => m.grimoire === 'c')!;
    expect(c.errors).toBeGreaterThan(0);
    expect(c.errorsByKind).toEqual({ server: c.errors });
    expect(c.scored).toBe(40 - c.errors);
    expect(c.accuracy).toBe(c.correct / c.scored);
    expect(result.errors).toBe(c.errors);
  });

  it('counts the outputs cut at a run-on example, per method and per grimoire on validation, in the written summary', async () => {
    // Grimoire C's answers run on into an invented next example with the other label (a layout the stop strings miss).
    const runOn = (prompt: string) => {
      const answer = weakModel(prompt);
      return prompt.includes('RULES-C') ? `${answer}\n\nReview: the film is dull (invented)\nAnswer: bad` : answer;
    };
    const { server, hub } = await setup({ answer: runOn });
    const toy = writeToyTask({ train: 120, test: 20 });
    const result = await evaluateGrimoires(
      config(toy, `openai:weak@${server.url}`, { methods: ['zero-shot', 'single', 'best-single'], limit: 20, validationSize: 40 }),
      hub,
    );
    expect(result.methods.map((m) => [m.method, m.grimoire ?? null, m.cutOutputs])).toEqual([
      ['zero-shot', null, 0],
      ['single', 'a', 0],
      ['single', 'b', 0],
      ['single', 'c', 20],
      ['best-single', 'b', 0],
    ]);
    // C is read as its own answer ("Good"), never as the invented one.
    expect(result.methods.find((m) => m.grimoire === 'c')!.accuracy).toBe(0.5);
    expect(result.validation!.grimoires.map((g) => [g.id, g.cutOutputs])).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 40],
    ]);
    const written = parseGrimoireEvalResult(readFileSync(join(result.runDir, 'summary.json'), 'utf8'));
    expect(written.ok && written.value.methods.find((m) => m.grimoire === 'c')!.cutOutputs).toBe(20);
  });

  it('every validation call failed: best-single and ranker are skipped, the failures are counted (exit 3, not an input error), a rerun retries only them', async () => {
    let failValidation = true;
    const { server, hub } = await setup({
      fault: ({ body }) => {
        const prompt: string = body?.messages?.[0]?.content ?? '';
        return failValidation && prompt.includes('RULES-') ? { kind: 'server', status: 500 } : undefined;
      },
    });
    const toy = writeToyTask({ train: 120, test: 20 });
    const cfg = config(toy, `openai:weak@${server.url}`, { methods: ['zero-shot', 'best-single', 'ranker'], limit: 20, validationSize: 40 });
    const result = await evaluateGrimoires(cfg, hub);
    expect(result.methods.map((m) => m.method)).toEqual(['zero-shot']);
    expect(result.bestSingle).toBeNull();
    expect(result.ranker).toBeNull();
    expect(result.validationErrors).toBeGreaterThan(0);
    expect(result.validationErrors).toBe(result.validation!.n * result.validation!.grimoires.length);
    expect(result.errors).toBe(result.validationErrors);
    const before = server.requests.length;
    failValidation = false;
    const again = await evaluateGrimoires(cfg, hub);
    expect(again.errors).toBe(0);
    expect(again.bestSingle).not.toBeNull();
    // The failed validation answers are retried and the two methods that needed them run; zero-shot is resumed, not re-asked.
    const rerun = server.requests.slice(before).map((r) => String(r.body?.messages?.[0]?.content ?? ''));
    expect(rerun.filter((prompt) => !prompt.includes('RULES-'))).toEqual([]);
    expect(rerun.length).toBeGreaterThanOrEqual(result.validationErrors + 20);
    expect(rerun.length).toBeLessThanOrEqual(result.validationErrors + 2 * 20);
  });

  it('refuses to evaluate on train, or best-single on the validation it is chosen on', async () => {
    const { server, hub } = await setup();
    const toy = writeToyTask();
    const weak = `openai:weak@${server.url}`;
    await expect(evaluateGrimoires(config(toy, weak, { split: 'train' }), hub)).rejects.toThrow(/written from train/);
    await expect(evaluateGrimoires(config(toy, weak, { split: 'validation' }), hub)).rejects.toThrow(/cannot be evaluated on it/);
    expect(server.requests).toHaveLength(0);
  });
});
