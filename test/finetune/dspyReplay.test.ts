/**
 * The calls DSPy's OpenAI fine-tuning provider makes (dspy/clients/openai.py, OpenAIProvider.finetune and
 * its helpers), replayed in order against the local API with the openai SDK:
 *   upload_data            files.create(file, purpose="fine-tune")
 *   _start_remote_training fine_tuning.jobs.create(model, training_file, hyperparameters=train_kwargs)
 *   wait_for_job           loop: jobs.retrieve (estimated_finish), jobs.list_events(limit=1),
 *                          status(): does_job_exist -> jobs.retrieve, then jobs.retrieve -> status map
 *   get_trained_model      status(), then jobs.retrieve(...).fine_tuned_model
 * and is_openai_model's check that a model is served: models.list() holds it, or holds the base named by
 * "ft:<base>:".
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFineTuningServer, tempDir, type FineTuningTestServer } from './support.js';

/** DSPy's status map (get_training_status). */
const DSPY_STATUS: Record<string, string> = {
  validating_files: 'pending',
  queued: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

let dir: Awaited<ReturnType<typeof tempDir>>;
let running: FineTuningTestServer;

beforeAll(async () => {
  dir = await tempDir();
  running = await startFineTuningServer(dir.path);
});
afterAll(async () => {
  await running?.close();
  await dir?.remove();
});

describe("DSPy's OpenAI fine-tuning calls", () => {
  it('upload, create with top-level hyperparameters, poll status and events, read fine_tuned_model', async () => {
    const openai = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
    // DSPy's _convert_data: each {prompt, completion} as a user and an assistant message.
    const data = Array.from({ length: 8 }, (_, i) => ({
      messages: [
        { role: 'user', content: `${i} + 1 =` },
        { role: 'assistant', content: String(i + 1) },
      ],
    }));
    const jsonl = data.map((line) => JSON.stringify(line)).join('\n') + '\n';

    const providerFile = await openai.files.create({ file: await toFile(Buffer.from(jsonl), 'openai_data.jsonl'), purpose: 'fine-tune' });
    const providerJob = await openai.fineTuning.jobs.create({ model: 'tiny', training_file: providerFile.id, hyperparameters: { n_epochs: 3 } });

    const status = async (jobId: string): Promise<string> => {
      await openai.fineTuning.jobs.retrieve(jobId); // does_job_exist
      const job = await openai.fineTuning.jobs.retrieve(jobId);
      const mapped = DSPY_STATUS[job.status];
      if (!mapped) throw new Error(`DSPy has no status for "${job.status}"`);
      return mapped;
    };
    const deadline = Date.now() + 50_000;
    let done = false;
    let lastEventId: string | undefined;
    while (!done) {
      const remote = await openai.fineTuning.jobs.retrieve(providerJob.id);
      expect(remote).toHaveProperty('estimated_finish');
      const page = await openai.fineTuning.jobs.listEvents(providerJob.id, { limit: 1 });
      expect(page.data.length).toBeLessThanOrEqual(1);
      if (page.data[0]) lastEventId = page.data[0].id;
      await new Promise((resolve) => setTimeout(resolve, 200));
      done = ['succeeded', 'failed', 'cancelled'].includes(await status(providerJob.id));
      if (Date.now() > deadline) throw new Error('the job did not finish in time');
    }
    expect(lastEventId).toMatch(/^ftevent-/);
    expect(await status(providerJob.id)).toBe('succeeded');
    const model = (await openai.fineTuning.jobs.retrieve(providerJob.id)).fine_tuned_model!;
    expect(model).toMatch(/^ft:tiny::/);

    // is_openai_model: the fine-tuned model's base ("ft:<base>:") is among the listed models.
    const valid = (await openai.models.list()).data.map((m) => m.id);
    expect(valid).toContain(model);
    expect(valid).toContain(/^ft:([^:]+):/.exec(model)![1]);
    const answer = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: '3 + 1 =' }], max_tokens: 3, temperature: 0 });
    expect(answer.choices[0]!.message.role).toBe('assistant');
  }, 60_000);
});
