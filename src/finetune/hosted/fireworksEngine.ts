/**
 * Fireworks AI's fine-tuning API (docs.fireworks.ai/api-reference): a dataset record
 * (POST /accounts/{account}/datasets), its file (POST .../datasets/{id}:upload, multipart), waited on until
 * READY, then POST /accounts/{account}/supervisedFineTuningJobs?supervisedFineTuningJobId=<id> and
 * GET /accounts/{account}/supervisedFineTuningJobs/{id}. The job id is the submission token, so a
 * command that restarts finds its job by id and never creates a second one. The output model is served
 * on Fireworks' OpenAI-compatible inference API once deployed.
 */
import { ModelError } from '../../models/core/errors.js';
import type { HostedEngine, HostedState } from './engine.js';
import { HttpNotFoundError, type HttpClient } from './http.js';

interface FireworksJob {
  name: string;
  state: string;
  outputModel?: string;
  status?: { code?: string; message?: string };
}

const STATES: Record<string, HostedState> = {
  JOB_STATE_UNSPECIFIED: 'pending',
  JOB_STATE_CREATING: 'pending',
  JOB_STATE_PENDING: 'pending',
  JOB_STATE_VALIDATING: 'pending',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_WRITING_RESULTS: 'running',
  JOB_STATE_EVALUATION: 'running',
  JOB_STATE_COMPLETED: 'succeeded',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_EXPIRED: 'failed',
  JOB_STATE_CANCELLED: 'cancelled',
  JOB_STATE_DELETING: 'cancelled',
};

export const FIREWORKS_INFERENCE_URL = 'https://api.fireworks.ai/inference/v1';

/** Fireworks resource ids: lower-case letters, digits and hyphens. */
export function fireworksId(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'apprentice'
  );
}

export function fireworksEngine(
  http: HttpClient,
  options: { account: string; sleep?: (ms: number) => Promise<void>; datasetPollMs?: number; inferenceUrl?: string },
): HostedEngine {
  const account = `/accounts/${encodeURIComponent(options.account)}`;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const jobPath = (id: string) => `${account}/supervisedFineTuningJobs/${encodeURIComponent(id.split('/').pop()!)}`;
  return {
    name: 'fireworks',
    async upload(content, filename) {
      const datasetId = fireworksId(`apprentice-${filename.replace(/\.[^.]+$/, '')}-${Date.now().toString(36)}`);
      const lines = content
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim()).length;
      await http.request('POST', `${account}/datasets`, { datasetId, dataset: { userUploaded: {}, exampleCount: String(lines) } });
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(content)], { type: 'application/jsonl' }), filename);
      await http.request('POST', `${account}/datasets/${datasetId}:upload`, form);
      for (let attempt = 0; ; attempt++) {
        const dataset = await http.request<{ state?: string }>('GET', `${account}/datasets/${datasetId}`);
        if (dataset.state === 'READY') break;
        if (attempt >= 120) throw new ModelError('server', `fireworks: the dataset ${datasetId} is still ${dataset.state ?? 'not ready'}`);
        await sleep(options.datasetPollMs ?? 5000);
      }
      return `accounts/${options.account}/datasets/${datasetId}`;
    },
    async create({ fileRef, validationRef, model, suffix, nEpochs, submission }) {
      const id = fireworksId(submission);
      const job = await http.request<FireworksJob>('POST', `${account}/supervisedFineTuningJobs?supervisedFineTuningJobId=${id}`, {
        dataset: fileRef,
        ...(validationRef ? { evaluationDataset: validationRef } : {}),
        baseModel: model,
        displayName: suffix ?? id,
        ...(suffix ? { outputModel: `accounts/${options.account}/models/${fireworksId(`${suffix}-${id}`)}` } : {}),
        ...(nEpochs !== undefined ? { epochs: nEpochs } : {}),
      });
      return job.name;
    },
    async find(submission) {
      try {
        return (await http.request<FireworksJob>('GET', jobPath(fireworksId(submission)))).name;
      } catch (error) {
        if (error instanceof HttpNotFoundError) return undefined;
        throw error;
      }
    },
    async status(jobId) {
      const job = await http.request<FireworksJob>('GET', jobPath(jobId));
      const state = STATES[job.state] ?? 'running';
      return {
        state,
        providerStatus: job.state,
        model: job.outputModel ?? null,
        error: state === 'failed' ? job.status?.message || `the job ended in ${job.state}` : null,
        trainedTokens: null,
      };
    },
    modelSpec: (model) => `openai:${model}@${options.inferenceUrl ?? FIREWORKS_INFERENCE_URL}`,
  };
}
