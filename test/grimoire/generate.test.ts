/**
 * Grimoire generation and `buildGrimoires` against a real loopback OpenAI-compatible server: the
 * strong model's prompts, provenance of each artifact, failed and empty answers kept out of the set,
 * and HSS fed by the weak model's zero-shot answers through the hub.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { readGrimoireSet } from '../../src/grimoire/artifact.js';
import { buildGrimoires, type BuildConfig } from '../../src/grimoire/build.js';
import { generateGrimoirePair } from '../../src/grimoire/generate.js';
import { randomSamples } from '../../src/grimoire/samplers.js';
import { ModelHub } from '../../src/models/hub.js';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIServerOptions } from '../support/fakeOpenAIServer.js';
import { POSITIVE_WORDS, questionOf, writeToyTask } from './fixtures.js';

const servers: FakeOpenAIServer[] = [];
const hubs: ModelHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  for (const server of servers.splice(0)) await server.close();
});

async function setup(options: FakeOpenAIServerOptions) {
  const server = await startFakeOpenAIServer({ thread: false, ...options });
  servers.push(server);
  const hub = new ModelHub({ cachePath: ':memory:', maxRetries: 0, warn: () => {} });
  hubs.push(hub);
  return { server, hub, strong: `openai:strong@${server.url}`, weak: `openai:weak@${server.url}` };
}

/** Strong-model answers: a profound book naming the number of examples shown, then three rules. */
function strongAnswer(prompt: string): string {
  if (prompt.includes('Restate this skill book')) return '1. Praise words mean good.\n2. Complaints mean bad.\n3. Weigh the strongest word.';
  const shown = (prompt.match(/^Question: /gm) ?? []).length;
  return `Rule 1: look for praise (${shown} examples seen).\nHow to apply: find adjectives.`;
}

/** Weak model: "good" when a positive word is in the question, but wrong on every "bad" sentence about a "film". */
function weakAnswer(prompt: string): string {
  const q = questionOf(prompt);
  if (q.includes('film')) return 'Answer: good';
  return POSITIVE_WORDS.some((w) => q.includes(w)) ? 'Answer: good' : 'Answer: bad';
}

const answer = (prompt: string) => (prompt.startsWith('You are an expert in') ? weakAnswer(prompt) : strongAnswer(prompt));

function config(toy: { dataset: string }, out: string, strong: string, weak: string): BuildConfig {
  return {
    dataset: toy.dataset,
    strong,
    weak,
    embedder: 'builtin',
    samplers: ['kmeans', 'hierarchical', 'hard', 'random', 'zero'],
    k: 3,
    hardRatios: [0.5, 1.0],
    seed: 0,
    validationSize: 20,
    hardPoolSize: 40,
    out,
    concurrency: 4,
  };
}

describe('generateGrimoirePair', () => {
  it('asks for the profound grimoire with the samples, then the simple one from it; both carry provenance', async () => {
    const { server, hub, strong } = await setup({ answer });
    const toy = writeToyTask();
    const dataset = await loadDataset(toy.dataset);
    const set = randomSamples({ examples: dataset.splits.train!, labels: ['good', 'bad'] }, 2, 3);
    const pair = await generateGrimoirePair(await hub.model(strong), dataset.task, set);
    expect(server.requests).toHaveLength(2);
    const firstPrompt = server.requests[0]!.body.messages[0].content as string;
    expect(firstPrompt).toContain('Task: Please classify the sentiment of the sentence into good / bad.');
    for (const sample of set.samples) expect(firstPrompt).toContain(`Question: ${sample.input}\nAnswer: ${sample.target}`);
    const secondPrompt = server.requests[1]!.body.messages[0].content as string;
    expect(secondPrompt).toContain('Rule 1: look for praise (4 examples seen).');
    expect(pair.profound).toMatchObject({
      id: 'random-2-profound',
      variant: 'profound',
      strongModel: strong,
      samples: set.samples,
      source: { kind: 'generated' },
    });
    expect(pair.profound.text).toMatch(/^Here are the skills you need for the task.*\n\nRule 1: look for praise \(4 examples seen\)/s);
    expect(pair.simple!.text).toContain('3. Weigh the strongest word.');
    expect(pair.profound.usage.promptTokens).toBeGreaterThan(50);
    expect(pair.profound.usage.completionTokens).toBeGreaterThan(5);
    expect(pair.simple!.id).toBe('random-2-simple');
  });

  it('an empty answer is asked once more as a distinct request, then is an error, never an empty grimoire', async () => {
    const { server, hub, strong } = await setup({ answer: () => '   ' });
    const dataset = await loadDataset(writeToyTask().dataset);
    await expect(
      generateGrimoirePair(await hub.model(strong), dataset.task, randomSamples({ examples: dataset.splits.train!, labels: ['good', 'bad'] }, 1, 0)),
    ).rejects.toMatchObject({ name: 'ModelError', kind: 'bad_response' });
    expect(server.requests).toHaveLength(2);
  });
});

describe('buildGrimoires', () => {
  it('builds all five samplers: held-out validation never sampled, HSS from weak zero-shot mistakes, a manifest that reads back', async () => {
    const { hub, strong, weak } = await setup({ answer });
    const toy = writeToyTask();
    const out = join(toy.root, 'set');
    const result = await buildGrimoires(config(toy, out, strong, weak), hub);
    const ids = result.grimoires.map((g) => g.id);
    expect(ids).toEqual([
      'kmeans-3-profound',
      'kmeans-3-simple',
      'hierarchical-3-profound',
      'hierarchical-3-simple',
      'hard-3-0.5-profound',
      'hard-3-0.5-simple',
      'hard-3-1-profound',
      'hard-3-1-simple',
      'random-3-profound',
      'random-3-simple',
      'zero-profound',
      'zero-simple',
    ]);
    expect(result.manifest.failures).toEqual([]);
    const validation = new Set(result.manifest.validationIds);
    expect(validation.size).toBe(20);
    for (const g of result.grimoires) {
      for (const s of g.samples) expect(validation.has(s.id)).toBe(false);
      expect(g.samples).toHaveLength(g.sampler.name === 'zero' ? 0 : 6);
    }
    // The weak model is wrong exactly on "bad" sentences about a film: a one-class hard pool.
    const hardAll = result.grimoires.find((g) => g.id === 'hard-3-1-profound')!;
    for (const s of hardAll.samples) {
      expect(s.hard).toBe(s.target === 'bad' && s.input.includes('film'));
    }
    expect(hardAll.samples.filter((s) => s.target === 'bad').every((s) => s.hard)).toBe(true);
    expect(result.hardness).toMatchObject({ judged: 40, errors: 0 });
    expect(result.hardness!.hard).toBeGreaterThan(0);
    expect(result.notes.join('\n')).toMatch(/hard-3-1: label "good": 0 hard example/);
    const zeroShot = JSON.parse(readFileSync(join(out, 'zero-shot-correctness.json'), 'utf8'));
    expect(zeroShot.hard.length).toBe(result.hardness!.hard);

    const read = readGrimoireSet(out);
    expect(read.grimoires.map((g) => g.id)).toEqual(ids);
    expect(read.manifest.usage.promptTokens).toBeGreaterThan(0);
    expect(read.manifest).toMatchObject({ task: 'Toy', strongModel: strong, weakModel: weak, k: 3, seed: 0 });

    // Same seed, same sample sets (and, through the cache, no new calls).
    const again = await buildGrimoires(config(toy, join(toy.root, 'set2'), strong, weak), hub);
    expect(again.grimoires.map((g) => g.samples.map((s) => s.id))).toEqual(result.grimoires.map((g) => g.samples.map((s) => s.id)));
    expect(again.grimoires.every((g) => g.usage.cached)).toBe(true);
  });

  it('a failed strong-model call is listed in the manifest and writes no grimoire; the rest are kept', async () => {
    const { hub, strong, weak } = await setup({
      answer,
      fault: ({ body }) => {
        const prompt = body?.messages?.[0]?.content ?? '';
        return prompt.includes('No examples are given') ? { kind: 'status', status: 400, message: 'refused' } : undefined;
      },
    });
    const toy = writeToyTask();
    const out = join(toy.root, 'set');
    const result = await buildGrimoires({ ...config(toy, out, strong, weak), samplers: ['random', 'zero'] }, hub);
    expect(result.grimoires.map((g) => g.id)).toEqual(['random-3-profound', 'random-3-simple']);
    expect(result.manifest.failures).toEqual([{ sampler: 'zero', error: { kind: 'bad_request', message: expect.stringContaining('refused') } }]);
    expect(existsSync(join(out, 'zero-profound.json'))).toBe(false);
  });
});
