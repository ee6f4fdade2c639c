/**
 * Each hosted engine against a loopback server implementing its documented endpoints: a job to success,
 * a failed job, a rate limit (429 with Retry-After, retried), a restart mid-poll that resumes from the
 * state file without uploading or submitting again, and the budget refused before anything is sent.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/finetune/hosted/engines.js';
import type { EngineName } from '../../src/finetune/hosted/engine.js';
import { trainingPrice, trainingPricePerMillion } from '../../src/finetune/hosted/prices.js';
import { runHostedJob } from '../../src/finetune/hosted/run.js';
import { readState } from '../../src/finetune/hosted/state.js';
import { startFakeEngine, type FakeEngine } from './fakeEngines.js';
import { chatTrainingJsonl, tempDir } from './support.js';

const noSleep = async () => {};

const CASES: Array<{
  engine: Exclude<EngineName, 'local'>;
  model: string;
  running: string[];
  done: string;
  failed: string;
  output: string;
  submitted: Record<string, unknown>;
}> = [
  {
    engine: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    running: ['validating_files', 'queued', 'running'],
    done: 'succeeded',
    failed: 'failed',
    output: 'ft:gpt-4o-mini-2024-07-18:org::abc',
    submitted: {
      training_file: 'file-1',
      validation_file: 'file-2',
      suffix: 'student',
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
    },
  },
  {
    engine: 'together',
    model: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
    running: ['pending', 'queued', 'running'],
    done: 'completed',
    failed: 'error',
    output: 'me/Meta-Llama-3.1-8B-Instruct-Reference-x',
    submitted: {
      training_file: 'file-1',
      validation_file: 'file-2',
      n_evals: 2,
      n_epochs: 2,
      lora: true,
      suffix: expect.stringMatching(/^student-apprentice-/),
    },
  },
  {
    engine: 'fireworks',
    model: 'accounts/fireworks/models/llama-v3p1-8b-instruct',
    running: ['JOB_STATE_CREATING', 'JOB_STATE_PENDING', 'JOB_STATE_RUNNING'],
    done: 'JOB_STATE_COMPLETED',
    failed: 'JOB_STATE_FAILED',
    output: 'accounts/acct/models/student',
    submitted: {
      dataset: expect.stringMatching(/^accounts\/acct\/datasets\/apprentice-train-/),
      evaluationDataset: expect.stringMatching(/^accounts\/acct\/datasets\/apprentice-valid-/),
      epochs: 2,
    },
  },
];

let dir: Awaited<ReturnType<typeof tempDir>>;
let data: string;
let fake: FakeEngine | undefined;
beforeEach(async () => {
  dir = await tempDir();
  data = join(dir.path, 'train.jsonl');
  await writeFile(data, chatTrainingJsonl());
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await dir.remove();
});

function engineFor(name: EngineName, url: string) {
  return createEngine({
    name,
    baseUrl: url,
    env: { OPENAI_API_KEY: 'test-key', TOGETHER_API_KEY: 'test-key', FIREWORKS_API_KEY: 'test-key', FIREWORKS_ACCOUNT_ID: 'acct' },
    http: { baseDelayMs: 1, sleep: noSleep },
    sleep: noSleep,
  });
}

describe.each(CASES)('$engine', ({ engine, model, running, done, failed, output, submitted }) => {
  it('uploads, submits once, polls through a rate limit to success, and resumes after a restart mid-poll', async () => {
    const validation = join(dir.path, 'valid.jsonl');
    await writeFile(validation, chatTrainingJsonl(3));
    fake = await startFakeEngine(engine, { statuses: [...running, done], outputModel: output });
    const { engine: hosted, baseUrl } = engineFor(engine, fake.url);
    const stateFile = join(dir.path, 'state.json');
    let polls = 0;
    const interrupted = runHostedJob({
      engine: hosted,
      baseUrl,
      data,
      validation,
      model,
      suffix: 'student',
      nEpochs: 2,
      stateFile,
      // The command is interrupted (Ctrl-C, a crash) during its second wait between polls.
      sleep: async () => {
        polls += 1;
        if (polls === 2) throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    expect(readState(stateFile)).toMatchObject({ engine, model, jobId: expect.any(String), status: { state: 'pending' } });
    expect(fake.counts).toMatchObject({ uploads: 2, creates: 1 });
    expect(fake.created[0]).toMatchObject({ ...submitted, ...(engine === 'fireworks' ? { baseModel: model } : { model }) });

    fake.rateLimitNext(1);
    const messages: string[] = [];
    const result = await runHostedJob({
      engine: hosted,
      baseUrl,
      data,
      validation,
      model,
      suffix: 'student',
      nEpochs: 2,
      stateFile,
      sleep: noSleep,
      onProgress: (m) => messages.push(m),
    });
    expect(result.resumed).toBe(true);
    expect(result.status).toMatchObject({ state: 'succeeded', providerStatus: done, model: output, error: null });
    expect(fake.counts).toMatchObject({ uploads: 2, creates: 1, rateLimited: 1 });
    expect(messages[0]).toMatch(/^resuming: polling job /);
    expect(hosted.modelSpec(output)).toMatch(/^openai:/);
  });

  it("reports a failed job with the engine's error", async () => {
    fake = await startFakeEngine(engine, { statuses: [running[0]!, failed], error: 'the data has too few examples', outputModel: output });
    const { engine: hosted, baseUrl } = engineFor(engine, fake.url);
    const result = await runHostedJob({ engine: hosted, baseUrl, data, model, stateFile: join(dir.path, 'state.json'), sleep: noSleep });
    expect(result.status.state).toBe('failed');
    expect(result.status.error).toContain('the data has too few examples');
  });

  it('finds a job it submitted but did not record, instead of submitting again', async () => {
    fake = await startFakeEngine(engine, { statuses: [done], outputModel: output });
    const { engine: hosted, baseUrl } = engineFor(engine, fake.url);
    const stateFile = join(dir.path, 'state.json');
    const jobId = await hosted.create({ fileRef: 'file-x', model, suffix: 'student', submission: 'apprentice-0123456789ab' });
    const { contentDigest } = await import('../../src/data/digest.js');
    const { readFile } = await import('node:fs/promises');
    await writeFile(
      stateFile,
      JSON.stringify({ engine, baseUrl, model, dataDigest: contentDigest(await readFile(data)), fileRef: 'file-x', submission: 'apprentice-0123456789ab' }),
    );
    const result = await runHostedJob({ engine: hosted, baseUrl, data, model, stateFile, sleep: noSleep });
    expect(result.jobId).toBe(jobId);
    expect(fake.counts.creates).toBe(1);
  });

  it('refuses a job over --budget before uploading anything', async () => {
    fake = await startFakeEngine(engine, { statuses: [done], outputModel: output });
    const { engine: hosted, baseUrl } = engineFor(engine, fake.url);
    const price = trainingPricePerMillion(engine, model);
    expect(price).toBeGreaterThan(0);
    await expect(
      runHostedJob({
        engine: hosted,
        baseUrl,
        data,
        model,
        nEpochs: 3,
        stateFile: join(dir.path, 'state.json'),
        budget: 1e-6,
        pricePerMillion: price,
        sleep: noSleep,
      }),
    ).rejects.toThrow(/over the budget of \$0\.000001/);
    expect(fake.counts.uploads).toBe(0);
  });
});

describe('engine settings', () => {
  it('needs the engine key from its environment variable, and a Fireworks account', () => {
    expect(() => createEngine({ name: 'together', env: {} })).toThrow(/set TOGETHER_API_KEY to use together/);
    expect(() => createEngine({ name: 'fireworks', env: { FIREWORKS_API_KEY: 'k' } })).toThrow(/Fireworks account id/);
    expect(createEngine({ name: 'local', env: {} }).baseUrl).toBe('http://127.0.0.1:8080/v1');
  });

  it('prices models from the published tables by name and size', () => {
    expect(trainingPricePerMillion('openai', 'gpt-4.1-mini-2025-04-14')).toBe(5);
    expect(trainingPricePerMillion('together', 'meta-llama/Llama-3.3-70B-Instruct-Reference')).toBe(2.9);
    expect(trainingPricePerMillion('together', 'Qwen/Qwen2.5-7B-Instruct', { lora: false })).toBe(0.54);
    expect(trainingPricePerMillion('fireworks', 'accounts/fireworks/models/qwen2p5-72b-instruct')).toBe(3);
    expect(trainingPricePerMillion('fireworks', 'some-model')).toBeUndefined();
  });

  it('says which rates a stored copy of the provider page verified', () => {
    expect(trainingPrice('fireworks', 'accounts/fireworks/models/llama-v3p1-8b-instruct')).toEqual({
      perMillion: 0.5,
      verifiedOn: expect.stringMatching(/^https:\/\/fireworks\.ai\/pricing /),
    });
    expect(trainingPrice('fireworks', 'accounts/fireworks/models/qwen2p5-72b-instruct')?.verifiedOn).toMatch(/fireworks\.ai\/pricing/);
    // Mixtral 8x7B has its own row (its name would read as 7B).
    expect(trainingPrice('fireworks', 'accounts/fireworks/models/mixtral-8x7b-instruct')?.perMillion).toBe(2);
    expect(trainingPrice('fireworks', 'accounts/fireworks/models/llama-v3p1-405b-instruct')).toEqual({ perMillion: 10, verifiedOn: null });
    expect(trainingPrice('openai', 'gpt-4o-mini-2024-07-18')?.verifiedOn).toBeNull();
    expect(trainingPrice('together', 'Qwen/Qwen2.5-7B-Instruct')?.verifiedOn).toBeNull();
  });
});
