/**
 * The local fine-tuning API driven by the unmodified `openai` SDK on loopback: upload, create, poll to
 * succeeded, chat with the ft: model, events and checkpoints (the newest three served), cancel, and
 * OpenAI-shaped refusals.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTrainingJsonl, COLOURS, pollUntilDone, startFineTuningServer, tempDir, type FineTuningTestServer } from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let running: FineTuningTestServer;
let client: OpenAI;

beforeAll(async () => {
  dir = await tempDir();
  // A base whose folder is not a readable checkpoint: its jobs fail while validating.
  await mkdir(join(dir.path, 'broken-base'));
  await writeFile(join(dir.path, 'broken-base', 'config.json'), '{ not json');
  running = await startFineTuningServer(join(dir.path, 'store'), { bases: { broken: join(dir.path, 'broken-base') } });
  client = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await running?.close();
  await dir?.remove();
});

describe('the fine-tuning API with the openai SDK', () => {
  it('uploads, trains to succeeded, serves the ft: model, lists events and checkpoints', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' });
    expect(file).toMatchObject({ object: 'file', purpose: 'fine-tune', filename: 'train.jsonl', status: 'processed' });
    expect((await client.files.retrieve(file.id)).bytes).toBe(Buffer.byteLength(chatTrainingJsonl()));
    expect(await (await client.files.content(file.id)).text()).toBe(chatTrainingJsonl());
    expect((await client.files.list()).data.map((f) => f.id)).toContain(file.id);

    const validation = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl(4)), 'valid.jsonl'), purpose: 'fine-tune' });
    const created = await client.fineTuning.jobs.create({
      model: 'tiny',
      training_file: file.id,
      validation_file: validation.id,
      suffix: 'colours',
      seed: 7,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 40, batch_size: 4, learning_rate_multiplier: 3 } } },
    });
    expect(created).toMatchObject({ object: 'fine_tuning.job', model: 'tiny', status: 'validating_files', seed: 7, fine_tuned_model: null });
    const job = await pollUntilDone(() => client.fineTuning.jobs.retrieve(created.id));
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    expect(job.fine_tuned_model).toBe(`ft:tiny:colours:${created.id.slice('ftjob-'.length)}`);
    expect(job.trained_tokens).toBeGreaterThan(0);
    expect(job.hyperparameters).toMatchObject({ n_epochs: 40, batch_size: 4, learning_rate_multiplier: 3 });

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['tiny', 'small', 'base', job.fine_tuned_model!]));
    const chat = await client.chat.completions.create({
      model: job.fine_tuned_model!,
      messages: [
        { role: 'system', content: 'Answer with one colour.' },
        { role: 'user', content: 'What colour is thing 3?' },
      ],
      max_tokens: 8,
      temperature: 0,
    });
    expect(chat.model).toBe(job.fine_tuned_model);
    // The student learnt the task's answer format (one colour word, from the plain transcript it was trained on).
    expect(chat.choices[0]!.message.content).toMatch(new RegExp(`^ (${COLOURS.join('|')})\\b`));

    const events = await client.fineTuning.jobs.listEvents(job.id, { limit: 100 });
    const messages = events.data.map((e) => e.message);
    expect(messages[0]).toBe('The job has successfully completed'); // newest first, as OpenAI lists them
    expect(messages).toContain(`New fine-tuned model created: ${job.fine_tuned_model}`);
    expect(messages.some((m) => /^Step 120\/120: training loss=/.test(m))).toBe(true);
    const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
    expect(checkpoints.data.length).toBeGreaterThan(0);
    expect(checkpoints.data[0]).toMatchObject({ object: 'fine_tuning.job.checkpoint', step_number: 120, fine_tuning_job_id: job.id });
    expect(checkpoints.data[0]!.metrics.train_loss).toBeGreaterThan(0);
    expect(checkpoints.data[0]!.metrics.valid_loss).toBeGreaterThan(0);
    expect(checkpoints.data[0]!.metrics.valid_mean_token_accuracy).toBeGreaterThanOrEqual(0);

    // OpenAI's results file: the logged steps' metrics as CSV.
    expect(job.result_files).toHaveLength(1);
    expect(await client.files.retrieve(job.result_files[0]!)).toMatchObject({ purpose: 'fine-tune-results', filename: 'step_metrics.csv' });
    const csv = (await (await client.files.content(job.result_files[0]!)).text()).trim().split('\n');
    expect(csv[0]).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy');
    expect(csv[csv.length - 1]).toMatch(/^120,\d+\.\d+(e-\d+)?,,\d+\.\d+(e-\d+)?,[01](\.\d+)?$/);
    expect(csv.length).toBeGreaterThan(40);
    expect((await client.files.list({ purpose: 'fine-tune' })).data.map((f) => f.id)).not.toContain(job.result_files[0]);
    expect((await client.files.list({ purpose: 'fine-tune-results' })).data.map((f) => f.id)).toEqual([job.result_files[0]]);
  }, 60_000);

  it('keeps the weights of the newest three checkpoints and serves them under their ckpt-step names', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' });
    // 30 steps, a checkpoint every 3: ten checkpoints, of which the last three keep their weights.
    const created = await client.fineTuning.jobs.create({ model: 'tiny', training_file: file.id, seed: 3, hyperparameters: { n_epochs: 10, batch_size: 4 } });
    const job = await pollUntilDone(() => client.fineTuning.jobs.retrieve(created.id));
    expect(job.status).toBe('succeeded');
    const checkpoints = (await client.fineTuning.jobs.checkpoints.list(job.id)).data;
    expect(checkpoints.map((c) => c.step_number)).toEqual([30, 27, 24]);
    for (const checkpoint of checkpoints) expect(checkpoint.fine_tuned_model_checkpoint).toBe(`${job.fine_tuned_model}:ckpt-step-${checkpoint.step_number}`);
    expect((await readdir(join(dir.path, 'store', 'jobs', job.id, 'checkpoints'))).sort()).toEqual(['step-24', 'step-27', 'step-30']);

    const models = (await client.models.list()).data.map((m) => m.id);
    expect(models).toEqual(expect.arrayContaining(checkpoints.map((c) => c.fine_tuned_model_checkpoint)));
    expect(models).not.toContain(`${job.fine_tuned_model}:ckpt-step-21`);
    // Each checkpoint is the model as it was at its step: step 24's weights are not the final ones.
    const weights = (step: number) => readFile(join(dir.path, 'store', 'jobs', job.id, 'checkpoints', `step-${step}`, 'model.safetensors'));
    expect((await weights(24)).equals(await weights(30))).toBe(false);
    expect((await weights(30)).equals(await readFile(join(dir.path, 'store', 'jobs', job.id, 'model', 'model.safetensors')))).toBe(true);

    const ask = (model: string) =>
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'What colour is thing 3?' }], max_tokens: 4, temperature: 0 });
    const chat = await ask(`${job.fine_tuned_model}:ckpt-step-24`);
    expect(chat.model).toBe(`${job.fine_tuned_model}:ckpt-step-24`);
    expect(chat.choices[0]!.message.role).toBe('assistant');
    await expect(ask(`${job.fine_tuned_model}:ckpt-step-21`)).rejects.toMatchObject({ status: 404 });
  }, 60_000);

  it('cancels a running job (its worker stops, the next job runs), and pages the job list', { timeout: 60_000 }, async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' });
    // 600 steps: far longer than this test waits, unless cancelling stops the worker.
    const long = await client.fineTuning.jobs.create({ model: 'tiny', training_file: file.id, hyperparameters: { n_epochs: 50, batch_size: 1 } });
    // Running, with an estimated finish from its step rate (what DSPy reports while it waits).
    await pollUntilDone(async () => {
      const job = await client.fineTuning.jobs.retrieve(long.id);
      return { status: job.status === 'running' && (job.estimated_finish ?? 0) > job.created_at ? 'succeeded' : 'waiting' };
    });
    // With a checkpoint's weights on disk, which cancelling removes (a cancelled job's checkpoints are not served).
    const firstCheckpoint = join(dir.path, 'store', 'jobs', long.id, 'checkpoints', 'step-60', 'config.json');
    await pollUntilDone(async () => ({ status: existsSync(firstCheckpoint) ? 'succeeded' : 'waiting' }));
    const cancelled = await client.fineTuning.jobs.cancel(long.id);
    expect(cancelled.status).toBe('cancelled');
    await expect(client.fineTuning.jobs.cancel(long.id)).rejects.toMatchObject({ status: 400 });
    const short = await client.fineTuning.jobs.create({ model: 'tiny', training_file: file.id, hyperparameters: { n_epochs: 1, batch_size: 4 } });
    expect((await pollUntilDone(() => client.fineTuning.jobs.retrieve(short.id), 20_000)).status).toBe('succeeded');
    expect((await client.fineTuning.jobs.retrieve(long.id)).status).toBe('cancelled');
    expect(existsSync(join(dir.path, 'store', 'jobs', long.id, 'checkpoints'))).toBe(false);
    expect((await client.fineTuning.jobs.listEvents(long.id)).data[0]!.message).toBe('Fine-tuning job cancelled');

    const first = await client.fineTuning.jobs.list({ limit: 1 });
    expect(first.data.map((j) => j.id)).toEqual([short.id]);
    expect(first.has_more).toBe(true);
    const second = await client.fineTuning.jobs.list({ limit: 1, after: short.id });
    expect(second.data.map((j) => j.id)).toEqual([long.id]);
  });

  it('refuses a bad upload naming the line and field, and a bad job naming the parameter', async () => {
    const bad =
      chatTrainingJsonl(2) +
      JSON.stringify({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 5 },
        ],
      }) +
      '\n';
    const upload = client.files.create({ file: await toFile(Buffer.from(bad), 'bad.jsonl'), purpose: 'fine-tune' });
    await expect(upload).rejects.toMatchObject({ status: 400, code: 'invalid_file_format', param: 'messages[1].content' });
    await expect(upload).rejects.toThrow(/bad\.jsonl: line 3, field "messages\[1\]\.content": must be a string/);

    const file = await client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl(2)), 'ok.jsonl'), purpose: 'fine-tune' });
    await expect(client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id })).rejects.toMatchObject({ status: 400, param: 'model' });
    await expect(client.fineTuning.jobs.create({ model: 'tiny', training_file: 'file-nope' })).rejects.toMatchObject({ status: 404, code: 'file_not_found' });
    await expect(
      client.fineTuning.jobs.create({
        model: 'tiny',
        training_file: file.id,
        method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 0 } } },
      }),
    ).rejects.toMatchObject({ status: 400, param: 'method.supervised.hyperparameters.n_epochs' });
    await expect(client.fineTuning.jobs.retrieve('ftjob-nope')).rejects.toMatchObject({ status: 404 });
    await expect(client.fineTuning.jobs.create({ model: 'tiny', training_file: file.id, hyperparameters: { lora_rank: 8 } as never })).rejects.toMatchObject({
      status: 400,
      param: 'hyperparameters.lora_rank',
      code: 'unsupported_parameter',
    });

    const failing = await client.fineTuning.jobs.create({ model: 'broken', training_file: file.id });
    const failed = await pollUntilDone(() => client.fineTuning.jobs.retrieve(failing.id));
    expect(failed).toMatchObject({ status: 'failed', fine_tuned_model: null, error: { code: 'invalid_base', param: 'model' } });
    expect(failed.error!.message).toMatch(/^the base broken cannot be read: .*config\.json: invalid JSON/);
    expect(failed.finished_at).toBeGreaterThan(0);
    await expect(client.files.delete(file.id)).resolves.toMatchObject({ id: file.id, deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });
});
