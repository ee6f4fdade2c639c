/**
 * A server killed mid-job (SIGKILL, no chance to clean up) and started again on the same folder keeps its
 * files and jobs, resumes the job from its last saved step, and ends with the same weights (and the same
 * kept checkpoints) as the same job run without interruption.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { weightsDigest } from '../../src/engine/checkpointFiles.js';
import { PROJECT_ROOT } from '../support/runCli.js';
import { chatTrainingJsonl, pollUntilDone, tempDir } from './support.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function startServerProcess(dir: string): Promise<{ child: ChildProcess; client: OpenAI }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/finetune/serverMain.ts'), dir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const baseURL = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening at (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
  return { child, client: new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 }) };
}

const jobBody = (trainingFile: string) => ({
  model: 'tiny',
  training_file: trainingFile,
  seed: 11,
  method: { type: 'supervised' as const, supervised: { hyperparameters: { n_epochs: 25, batch_size: 2 } } },
});

describe('a fine-tuning server restarted mid-job', () => {
  it('resumes the job and ends with the weights of an uninterrupted run', async () => {
    const dir = await tempDir();
    try {
      const first = await startServerProcess(dir.path);
      const file = await first.client.files.create({ file: await toFile(Buffer.from(chatTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' });
      const job = await first.client.fineTuning.jobs.create(jobBody(file.id));
      // Two checkpoints recorded: the state of the first is on disk (it is saved before the next step runs).
      await pollUntilDone(async () => {
        const checkpoints = await first.client.fineTuning.jobs.checkpoints.list(job.id);
        return { status: checkpoints.data.length >= 2 ? 'succeeded' : 'waiting' };
      });
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));

      const second = await startServerProcess(dir.path);
      expect((await second.client.files.retrieve(file.id)).id).toBe(file.id);
      const resumed = await pollUntilDone(() => second.client.fineTuning.jobs.retrieve(job.id));
      expect(resumed.status).toBe('succeeded');
      const events = (await second.client.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data.map((e) => e.message);
      const resumedAt = events.map((m) => /^Resumed training at step (\d+) of 150$/.exec(m)).find(Boolean);
      expect(resumedAt, events.join('\n')).toBeTruthy();
      expect(Number(resumedAt![1])).toBeGreaterThan(0);
      expect(Number(resumedAt![1])).toBeLessThan(150);

      const uninterrupted = await second.client.fineTuning.jobs.create(jobBody(file.id));
      expect((await pollUntilDone(() => second.client.fineTuning.jobs.retrieve(uninterrupted.id))).status).toBe('succeeded');
      const digest = (id: string) => weightsDigest(join(dir.path, 'jobs', id, 'model'));
      expect(digest(job.id)).toBeDefined();
      expect(digest(job.id)).toBe(digest(uninterrupted.id));
      // The resumed job kept its newest three checkpoints, with the uninterrupted job's weights at each step.
      const steps = async (id: string) => (await second.client.fineTuning.jobs.checkpoints.list(id)).data.map((c) => c.step_number);
      expect(await steps(job.id)).toEqual([150, 135, 120]);
      expect(await steps(uninterrupted.id)).toEqual([150, 135, 120]);
      for (const step of [120, 135, 150]) {
        const at = (id: string) => weightsDigest(join(dir.path, 'jobs', id, 'checkpoints', `step-${step}`));
        expect(at(job.id)).toBeDefined();
        expect(at(job.id)).toBe(at(uninterrupted.id));
      }
    } finally {
      await dir.remove();
    }
  }, 120_000);
});
