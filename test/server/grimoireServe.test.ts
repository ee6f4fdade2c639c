/**
 * `apprentice serve <grimoire set> --weak <spec>`: a grimoire-boosted weak model behind the same
 * OpenAI-compatible API. The weak model is the loopback fake OpenAI server, answering by which
 * grimoire is in its prompt; the client is the official `openai` SDK.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder, ensureFitted } from '../../src/embed/index.js';
import { readGrimoireSet } from '../../src/grimoire/artifact.js';
import { embedGrimoires, GrimoireRanker, GrimoireSet } from '../../src/grimoire/index.js';
import { ModelError } from '../../src/models/errors.js';
import { ModelHub } from '../../src/models/hub.js';
import type { GenerateRequest, LanguageModel } from '../../src/models/types.js';
import { GRIMOIRE_HEADER, grimoireRouter, resolveServeTarget, startApiServer, type RunningServer } from '../../src/server/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { runCli } from '../support/runCli.js';
import { startServeCli } from '../support/serveCli.js';
import { toyGrimoire, writeToyGrimoireSet, writeToySet, writeToyTask } from '../grimoire/fixtures.js';

/** A built set (it records its task) with one grimoire about films and one about music. */
function writeSet(dir: string): void {
  writeToyGrimoireSet(
    dir,
    [
      toyGrimoire('films', 'RULES-FILMS: a film, movie or story is good when its actors and plot are praised.', 'kmeans'),
      toyGrimoire('music', 'RULES-MUSIC: an album, song or concert is good when its melody and rhythm are praised.', 'random'),
    ],
    {
      definition: {
        name: 'Toy',
        taskType: 'sentiment analysis',
        description: 'Please classify the sentiment into good / bad.',
        answer: { kind: 'label', labels: ['good', 'bad'] },
      },
      embedder: 'builtin',
    },
  );
}

/** The weak model: says which book it read. */
function weakAnswer(prompt: string): string {
  if (prompt.includes('RULES-FILMS')) return 'Answer: good (films book)';
  if (prompt.includes('RULES-MUSIC')) return 'Answer: bad (music book)';
  return 'Answer: no book';
}

const FILM_QUESTION = 'the movie had a gripping plot and the actors in this film were great';
const MUSIC_QUESTION = 'the album was fine but every song had the same melody and a dull rhythm';

let root: string;
let setDir: string;
let weak: FakeOpenAIServer;
let hub: ModelHub;
let set: GrimoireSet;
let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'apprentice-grimoire-serve-'));
  setDir = join(root, 'toy-set');
  writeSet(setDir);
  weak = await startFakeOpenAIServer({ answer: weakAnswer });
  hub = new ModelHub({ cachePath: ':memory:', concurrency: 4 });
  const target = resolveServeTarget(setDir, { weak: `openai:weak-model@${weak.url}` });
  set = await GrimoireSet.load(target.grimoireSet!, { models: hub });
  server = await startApiServer({ model: await hub.model(target.spec), name: target.name, port: 0, route: grimoireRouter(set) });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 30_000 });
});

afterAll(async () => {
  await server?.close();
  await hub?.close();
  await weak?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('serving a grimoire set in front of a weak model', () => {
  it('detects a grimoire set folder by its manifest and needs --weak for it', () => {
    const target = resolveServeTarget(setDir, { weak: `openai:weak-model@${weak.url}` });
    expect(target).toEqual({ spec: `openai:weak-model@${weak.url}`, name: 'toy-set', grimoireSet: setDir });
    expect(() => resolveServeTarget(setDir)).toThrow(/--weak/);
    // Without --weak, the weak model the set was built for.
    const built = join(root, 'built-for-weak');
    writeSet(built);
    const manifestFile = join(built, 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(readFileSync(manifestFile, 'utf8')), weakModel: 'openai:phi-2@http://127.0.0.1:9/v1' }));
    expect(resolveServeTarget(built).spec).toBe('openai:phi-2@http://127.0.0.1:9/v1');
    expect(resolveServeTarget(built, { weak: 'openai:other@http://127.0.0.1:9/v1' }).spec).toBe('openai:other@http://127.0.0.1:9/v1');
    expect(() => resolveServeTarget(`openai:weak-model@${weak.url}`, { weak: 'openai:x' })).toThrow(/grimoire set/);
    // A folder without a grimoire-set manifest is still a checkpoint.
    expect(resolveServeTarget(root).spec).toBe(`builtin:${root}`);
  });

  it('answers a chat completion with the grimoire chosen for the last user message, and reports it', async () => {
    expect((await set.choose(FILM_QUESTION)).grimoire.id).toBe('films');
    expect((await set.choose(MUSIC_QUESTION)).grimoire.id).toBe('music');
    const before = weak.requests.length;
    const { data, response } = await client.chat.completions
      .create({
        model: 'toy-set',
        messages: [
          { role: 'system', content: 'ignored: the paper layout is one user message' },
          { role: 'user', content: MUSIC_QUESTION },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: FILM_QUESTION },
        ],
        temperature: 0,
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Answer: good (films book)');
    expect(response.headers.get(GRIMOIRE_HEADER)).toBe('films');
    expect((data as unknown as { grimoire: unknown }).grimoire).toEqual({ id: 'films', by: 'similarity' });
    // The weak model saw the paper-layout prompt with that grimoire and that question, not the client's messages.
    const sent = weak.requests.slice(before).map((r) => r.body as { messages: { role: string; content: string }[] });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.messages).toHaveLength(1);
    const prompt = sent[0]!.messages[0]!.content;
    expect(prompt).toContain('You are an expert in sentiment analysis');
    expect(prompt).toContain('RULES-FILMS');
    expect(prompt).not.toContain('RULES-MUSIC');
    expect(prompt).toContain(`Please answer:\n${FILM_QUESTION}`);
  });

  it('streams (one chunk: this weak model cannot stream) with the grimoire in the header', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'toy-set', messages: [{ role: 'user', content: MUSIC_QUESTION }], temperature: 0, stream: true })
      .withResponse();
    expect(response.headers.get(GRIMOIRE_HEADER)).toBe('music');
    let text = '';
    const finish: (string | null)[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish.push(chunk.choices[0]?.finish_reason ?? null);
    }
    expect(text).toBe('Answer: bad (music book)');
    expect(finish.at(-1)).toBe('stop');
  });

  it('answers concurrent questions each with its own grimoire', async () => {
    const ask = (question: string) => client.chat.completions.create({ model: 'toy-set', messages: [{ role: 'user', content: question }], temperature: 0 });
    const answers = await Promise.all([FILM_QUESTION, MUSIC_QUESTION, `${FILM_QUESTION}!`, `${MUSIC_QUESTION}!`].map(ask));
    expect(answers.map((a) => a.choices[0]!.message.content)).toEqual([
      'Answer: good (films book)',
      'Answer: bad (music book)',
      'Answer: good (films book)',
      'Answer: bad (music book)',
    ]);
  });

  it('routes /v1/completions too: the prompt is the question', async () => {
    const { data, response } = await client.completions.create({ model: 'toy-set', prompt: FILM_QUESTION, temperature: 0, max_tokens: 20 }).withResponse();
    expect(data.choices[0]!.text).toBe('Answer: good (films book)');
    expect(response.headers.get(GRIMOIRE_HEADER)).toBe('films');
  });

  it('still refuses bad requests with 4xx JSON errors', async () => {
    await expect(client.chat.completions.create({ model: 'toy-set', messages: [], temperature: 0 })).rejects.toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', param: 'messages' },
    });
    await expect(
      client.chat.completions.create({ model: 'toy-set', messages: [{ role: 'system', content: 'no question here' }], stream: true }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'messages', code: 'invalid_value' } });
    await expect(client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 404,
      error: { code: 'model_not_found' },
    });
    await expect(client.completions.create({ model: 'toy-set', prompt: ['a', 'b'] })).rejects.toMatchObject({
      status: 400,
      error: { param: 'prompt' },
    });
  });
});

/** A weak model that streams its answer word by word. */
function streamingWeakModel(): LanguageModel {
  const answerOf = (request: GenerateRequest) => weakAnswer(request.messages?.at(-1)?.content ?? '');
  return {
    spec: 'replay:streaming-weak.jsonl',
    provider: 'replay',
    modelName: 'streaming-weak',
    capabilities: { generate: true, logprob: false, embed: false, nativeN: false },
    generate: async (request) => ({ completions: [{ text: answerOf(request), finishReason: 'stop' }], usage: { promptTokens: 3, completionTokens: 4 } }),
    async *generateStream(request) {
      const text = answerOf(request);
      for (const piece of text.match(/\s*\S+/g) ?? []) yield { type: 'text', text: piece };
      yield { type: 'done', response: { completions: [{ text, finishReason: 'stop' }], usage: { promptTokens: 3, completionTokens: 4 } } };
    },
    logprob: () => Promise.reject(new ModelError('unsupported', 'no')),
    embed: () => Promise.reject(new ModelError('unsupported', 'no')),
  };
}

describe('a weak model that can stream', () => {
  it('streams its answer piece by piece, with the grimoire in the header', async () => {
    const streaming = await startApiServer({ model: streamingWeakModel(), name: 'toy-set', route: grimoireRouter(set) });
    try {
      const streamingClient = new OpenAI({ baseURL: `${streaming.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const { data: stream, response } = await streamingClient.chat.completions
        .create({ model: 'toy-set', messages: [{ role: 'user', content: FILM_QUESTION }], temperature: 0, stream: true })
        .withResponse();
      expect(response.headers.get(GRIMOIRE_HEADER)).toBe('films');
      const pieces: string[] = [];
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta.content;
        if (content) pieces.push(content);
      }
      expect(pieces).toEqual(['Answer:', ' good', ' (films', ' book)']);
    } finally {
      await streaming.close();
    }
  });
});

describe('a grimoire set with a saved ranker', () => {
  it('routes by the ranker, not by similarity', async () => {
    const dir = join(root, 'ranked-set');
    writeSet(dir);
    // Validation says the music book is always right and the films book never: the ranker prefers music everywhere.
    const { grimoires } = readGrimoireSet(dir);
    const embedder = await createEmbedder('builtin');
    ensureFitted(
      embedder,
      grimoires.map((g) => g.text),
    );
    const answers = Array.from({ length: 12 }, (_, i) => ({
      id: `v${i}`,
      input: i % 2 ? `${FILM_QUESTION} ${i}` : `${MUSIC_QUESTION} ${i}`,
      correct: new Map([
        ['films', false],
        ['music', true],
      ]),
    }));
    const ranker = await GrimoireRanker.train({
      task: 'Toy',
      labelCount: 2,
      weakModel: 'weak-model',
      space: await embedGrimoires(embedder, grimoires),
      answers,
    });
    writeFileSync(join(dir, 'ranker.json'), JSON.stringify(ranker.toJSON()));
    const ranked = await GrimoireSet.load(dir, { models: hub });
    expect(ranked.ranker).toBeDefined();
    const rankedServer = await startApiServer({ model: await hub.model(`openai:weak-model@${weak.url}`), name: 'ranked-set', route: grimoireRouter(ranked) });
    try {
      const rankedClient = new OpenAI({ baseURL: `${rankedServer.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const { data, response } = await rankedClient.chat.completions
        .create({ model: 'ranked-set', messages: [{ role: 'user', content: FILM_QUESTION }], temperature: 0 })
        .withResponse();
      expect(response.headers.get(GRIMOIRE_HEADER)).toBe('music');
      expect((data as unknown as { grimoire: unknown }).grimoire).toEqual({ id: 'music', by: 'ranker' });
      expect(data.choices[0]!.message.content).toBe('Answer: bad (music book)');
    } finally {
      await rankedServer.close();
    }
  });
});

describe('apprentice serve <grimoire set>', () => {
  it('serves the set with --weak until interrupted', async () => {
    const serving = await startServeCli([setDir, '--weak', `openai:weak-model@${weak.url}`, '--port', '0']);
    expect(serving.output).toContain('serving toy-set (openai:weak-model@');
    expect(serving.output).toContain('with 2 grimoires');
    const cli = new OpenAI({ baseURL: serving.baseURL, apiKey: 'unused', maxRetries: 0 });
    const { data, response } = await cli.chat.completions
      .create({ model: 'toy-set', messages: [{ role: 'user', content: MUSIC_QUESTION }], temperature: 0 })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Answer: bad (music book)');
    expect(response.headers.get(GRIMOIRE_HEADER)).toBe('music');
    const exit = await serving.stop();
    expect(exit.code, exit.stderr).toBe(0);
  }, 90_000);

  it('serves an imported set (no task recorded) for the task of --dataset, in front of the weak model its manifest names', async () => {
    const dir = join(root, 'imported-set');
    writeToySet(dir);
    const manifestFile = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, weakModel: `openai:weak-model@${weak.url}` }));
    const task = writeToyTask({ train: 4, test: 2 });
    try {
      const serving = await startServeCli([dir, '--dataset', task.dataset, '--port', '0']);
      expect(serving.output).toContain('serving imported-set (openai:weak-model@');
      const cli = new OpenAI({ baseURL: serving.baseURL, apiKey: 'unused', maxRetries: 0 });
      const before = weak.requests.length;
      const { response } = await cli.chat.completions
        .create({ model: 'imported-set', messages: [{ role: 'user', content: 'the cast is superb' }], temperature: 0 })
        .withResponse();
      expect(['a', 'b', 'c']).toContain(response.headers.get(GRIMOIRE_HEADER));
      // The weak model was told the dataset's task.
      const sent = weak.requests.slice(before).map((r) => r.body as { messages: { content: string }[] });
      expect(sent[0]!.messages[0]!.content).toContain('Please classify the sentiment of the sentence into good / bad.');
      const exit = await serving.stop();
      expect(exit.code, exit.stderr).toBe(0);
    } finally {
      rmSync(task.root, { recursive: true, force: true });
    }
  }, 90_000);

  it('refuses, before listening, a set without a weak model, an imported set without --dataset, and a dataset of another task', async () => {
    const dir = join(root, 'recorded-set');
    writeToySet(dir);
    const noWeak = await runCli(['serve', dir, '--port', '0']);
    expect(noWeak.code).not.toBe(0);
    expect(noWeak.stderr).toMatch(/records none: add --weak/);
    const noTask = await runCli(['serve', dir, '--weak', `openai:weak-model@${weak.url}`, '--port', '0']);
    expect(noTask.code).not.toBe(0);
    expect(noTask.stderr).toMatch(/does not record its task definition.*--dataset/);
    const other = writeToyTask({ train: 4, test: 2 });
    try {
      const otherDir = join(other.root, 'tasks', 'Other');
      renameSync(other.taskDir, otherDir);
      const tasks = join(other.root, 'tasks', 'tasks.json');
      writeFileSync(tasks, readFileSync(tasks, 'utf8').replace('"Toy"', '"Other"'));
      const wrongTask = await runCli(['serve', dir, '--weak', `openai:weak-model@${weak.url}`, '--dataset', `grimoire:${otherDir}`, '--port', '0']);
      expect(wrongTask.code).not.toBe(0);
      expect(wrongTask.stderr).toMatch(/written for task "Toy", not "Other"/);
    } finally {
      rmSync(other.root, { recursive: true, force: true });
    }
  });
});
