import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { annotateLive, type AnnotateConfig } from '../../src/distill/annotate.js';
import { annotateBatch, BATCH_DISCOUNT } from '../../src/distill/batch.js';
import { readAnnotations } from '../../src/distill/store.js';
import { ModelHub } from '../../src/models/hub.js';
import { Pricer } from '../../src/models/pricing.js';
import { startFakeBatchServer, type FakeBatchServer, type FakeBatchServerOptions } from '../support/fakeBatchServer.js';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FaultInfo } from '../support/fakeOpenAIServer.js';

const DATASET = 'synthetic:easy,seed=1,train=8,validation=0,test=2';
const temp = () => mkdtempSync(join(tmpdir(), 'apprentice-annotate-'));

/** Gold answer and rationale of each synthetic train question, so the fake teacher can be right or wrong on purpose. */
let gold: Map<string, { index: number; target: string; rationale: string }>;
beforeAll(async () => {
  const dataset = await loadDataset(DATASET);
  gold = new Map(dataset.splits.train!.map((e) => [e.input, { index: e.index, target: e.target, rationale: e.rationale! }]));
});

/** The evaluated question is the last "Question:" block of the teacher prompt. */
const questionOf = (prompt: string) => prompt.split('Question: ').pop()!.split('\n')[0]!;

/** Right, with an invented next question after the answer, except: index 3 wrong, index 5 never states an answer. */
function teacher(prompt: string, sample = 0): string {
  const { index, target, rationale } = gold.get(questionOf(prompt))!;
  if (index === 5) return 'I would need to count them one by one.';
  const answer = index === 3 || sample === 2 ? Number(target) + 1 : target;
  // A single newline before the invented question: no stop string catches it, the parser must cut it.
  return `${rationale} The answer is ${answer}.\nQ: Sam has 4 pens. How many pens does Sam have?\nA: The answer is 4.`;
}

const config = (out: string, over: Partial<AnnotateConfig> = {}): AnnotateConfig => ({
  dataset: DATASET,
  splits: ['train'],
  seed: 0,
  teacher: 'openai:teacher-model',
  samples: 1,
  maxTokens: 200,
  concurrency: 4,
  validationFraction: 0.1,
  out,
  showProgress: false,
  ...over,
});

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('live annotation through the model layer', () => {
  it('few-shot CoT prompts, cut run-ons, parse statistics; a failed call is an error and is retried on resume', async () => {
    let failOnce = true;
    const server: FakeOpenAIServer = await startFakeOpenAIServer({
      thread: false,
      answer: (prompt) => teacher(prompt),
      fault: ({ body }: FaultInfo) => {
        const index = gold.get(questionOf(body.messages.at(-1).content))!.index;
        if (index === 6 && failOnce) {
          failOnce = false;
          return { kind: 'server' };
        }
        return undefined;
      },
    });
    servers.push(server);
    const out = join(temp(), 'ann');
    const hub = new ModelHub({ cachePath: 'none', maxRetries: 0 });
    const first = await annotateLive(config(out, { teacher: `openai:teacher-model@${server.url}` }), hub);
    await hub.close();

    expect(first.splits.train).toMatchObject({ n: 8, answered: 7, parsed: 6, errors: 1, errorsByKind: { server: 1 }, correct: 5, withGold: 7 });
    expect(first.splits.train!.teacherAccuracy).toBeCloseTo(5 / 7, 12);
    expect(first.splits.train!.cutOutputs).toBe(6);

    // The prompt: the harness's CoT layout with the built-in arithmetic demos, stop strings against run-ons.
    const request = server.requests[0]!.body;
    expect(request.messages[0].content).toContain('math word problems');
    expect(request.messages[1].content).toContain('Question: A baker made 24 muffins');
    expect(request.messages[1].content).toContain('The answer is 12.');
    expect(request.stop).toContain('\n\nQ:');
    expect(request.temperature).toBe(0);

    const hub2 = new ModelHub({ cachePath: 'none', maxRetries: 0 });
    const second = await annotateLive(config(out, { teacher: `openai:teacher-model@${server.url}` }), hub2);
    await hub2.close();
    expect(server.requests).toHaveLength(9); // 8, then only the failed one again
    expect(second.splits.train).toMatchObject({ n: 8, answered: 8, parsed: 7, errors: 0, correct: 6 });

    const { splits, manifest } = readAnnotations(out);
    expect(manifest).toMatchObject({ method: 'live', teacher: `openai:teacher-model@${server.url}`, settings: { demos: 'template:arithmetic', shots: 4 } });
    const third = splits.train!.find((record) => record.index === 3)!;
    expect(third).toMatchObject({ correct: false, valid: true });
    expect(third.rationale).not.toContain('Q:');
    expect(splits.train!.find((record) => record.index === 5)).toMatchObject({ valid: false, invalidReason: 'no number in the output' });
  });

  it('self-consistency needs sampling', async () => {
    const hub = new ModelHub({ cachePath: 'none' });
    await expect(annotateLive(config(join(temp(), 'x'), { samples: 3, temperature: 0 }), hub)).rejects.toThrow('self-consistency needs sampling');
    await hub.close();
  });
});

describe('annotation through the OpenAI Batch API (loopback fake of /v1/files and /v1/batches)', () => {
  const pricer = new Pricer({ 'teacher-model': { input: 1, output: 2 } });
  const noSleep = async () => {};
  const quiet = () => {};

  async function serve(options: FakeBatchServerOptions): Promise<FakeBatchServer> {
    const server = await startFakeBatchServer(options);
    servers.push(server);
    return server;
  }

  it('writes requests, uploads, creates, polls, downloads and ingests; n samples vote; failed lines are errors resubmitted on the next run', async () => {
    const options: FakeBatchServerOptions = {
      answer: (prompt, sample) => teacher(prompt, sample),
      failLine: (id) => (id === 'train:4' ? { status: 500, message: 'worker crashed' } : undefined),
    };
    const server = await serve(options);
    const out = join(temp(), 'ann');
    const cfg = config(out, { teacher: `openai:teacher-model@${server.url}`, samples: 3 });
    const first = await annotateBatch(cfg, { pricer, sleep: noSleep, log: quiet });

    expect(server.log.filter((line) => !line.startsWith('GET /v1/batches/'))).toEqual([
      'POST /v1/files',
      'POST /v1/batches',
      'GET /v1/files/file-2/content',
      'GET /v1/files/file-3/content',
    ]);
    expect(server.log.filter((line) => line.startsWith('GET /v1/batches/')).length).toBe(2);
    const uploaded = server.files.get('file-1')!;
    expect(uploaded.purpose).toBe('batch');
    const lines = uploaded.content
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatchObject({
      custom_id: 'train:0',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'teacher-model', n: 3, temperature: 0.7, max_tokens: 200 },
    });

    expect(first.splits.train).toMatchObject({ n: 8, answered: 7, errors: 1, errorsByKind: { server: 1 }, samples: 21 });
    const { splits } = readAnnotations(out);
    const zero = splits.train!.find((record) => record.index === 0)!;
    expect(Object.values(zero.votes).sort()).toEqual([1, 2]);
    expect(zero.correct).toBe(true);
    const usage = zero.usage;
    expect(zero.costUsd).toBeCloseTo(((usage.promptTokens * 1 + usage.completionTokens * 2) / 1e6) * BATCH_DISCOUNT, 15);
    expect(first.splits.train!.correctChains).toBe(2 * 5); // 2 good samples of each right, parsed input (not 3, 4, 5)

    options.failLine = undefined;
    const second = await annotateBatch(cfg, { pricer, sleep: noSleep, log: quiet });
    expect(server.batches.size).toBe(2);
    const resubmitted = server.files.get(server.batches.get('batch-2')!.input_file_id)!.content.trim().split('\n');
    expect(resubmitted.map((line) => JSON.parse(line).custom_id)).toEqual(['train:4']);
    expect(second.splits.train).toMatchObject({ answered: 8, errors: 0 });
  });

  it('resumes a submitted batch instead of paying twice, and resubmits only what an expired batch left unanswered', async () => {
    const server = await serve({ answer: (prompt) => teacher(prompt), pollsToComplete: 3, expireAfter: 5 });
    const out = join(temp(), 'ann');
    const cfg = config(out, { teacher: `openai:teacher-model@${server.url}` });

    const submitted = await annotateBatch(cfg, { pricer, sleep: noSleep, log: quiet, wait: false });
    expect(submitted.pending).toEqual(['batch-1']);
    expect(submitted.splits.train).toMatchObject({ n: 8, answered: 0, missing: 8 });
    const state = JSON.parse(readFileSync(join(out, 'train', 'batch', 'state.json'), 'utf8'));
    expect(state.batches[0]).toMatchObject({ id: 'batch-1', requests: 8, ingested: false });

    const collected = await annotateBatch(cfg, { pricer, sleep: noSleep, log: quiet });
    // The first batch expired after 5 answers; the other 3 went into a second batch of their own.
    expect([...server.batches.values()].map((batch) => [batch.total, batch.status])).toEqual([
      [8, 'expired'],
      [3, 'expired'],
    ]);
    expect(server.log.filter((line) => line === 'POST /v1/batches')).toHaveLength(2);
    expect(collected.splits.train).toMatchObject({ answered: 8, missing: 0 });
    expect(collected.pending).toBeUndefined();
  });

  it('a failed batch is reported, and only an openai: teacher can use the Batch API', async () => {
    const server = await serve({ failBatch: 'line 1: unknown model' });
    const cfg = config(join(temp(), 'ann'), { teacher: `openai:teacher-model@${server.url}` });
    await expect(annotateBatch(cfg, { pricer, sleep: noSleep, log: quiet })).rejects.toThrow('failed: line 1: unknown model');
    await expect(annotateBatch(config(join(temp(), 'b'), { teacher: 'anthropic:claude' }), { pricer })).rejects.toThrow('--batch-api needs an openai: teacher');
  });

  it('refuses to submit a batch whose worst case is over the budget', async () => {
    const server = await serve({ answer: (prompt) => teacher(prompt) });
    const cfg = config(join(temp(), 'ann'), { teacher: `openai:teacher-model@${server.url}` });
    await expect(annotateBatch(cfg, { pricer, sleep: noSleep, log: quiet, budgetUsd: 0.000001 })).rejects.toThrow(/could cost up to \$/);
    expect(server.log).toEqual([]);
  });
});
