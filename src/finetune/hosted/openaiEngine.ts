/**
 * OpenAI's fine-tuning API (platform.openai.com/docs/api-reference/fine-tuning), and Apprentice's own local
 * API, which answers the same routes: POST /files (multipart, purpose=fine-tune), POST /fine_tuning/jobs,
 * GET /fine_tuning/jobs/{id}, GET /fine_tuning/jobs (to find a job by its metadata).
 */
import type { HostedEngine, HostedJobStatus, HostedState } from './engine.js';
import type { HttpClient } from './http.js';

interface OpenAIJob {
  id: string;
  status: string;
  fine_tuned_model: string | null;
  trained_tokens?: number | null;
  error?: { message?: string } | null;
  metadata?: Record<string, string> | null;
}

const STATES: Record<string, HostedState> = {
  validating_files: 'pending',
  queued: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

export const SUBMISSION_METADATA_KEY = 'apprentice_submission';

export function openaiEngine(http: HttpClient, options: { name: 'openai' | 'local'; baseUrl: string; defaultBaseUrl: boolean }): HostedEngine {
  return {
    name: options.name,
    async upload(content, filename) {
      const form = new FormData();
      form.append('purpose', 'fine-tune');
      form.append('file', new Blob([new Uint8Array(content)], { type: 'application/jsonl' }), filename);
      return (await http.request<{ id: string }>('POST', '/files', form)).id;
    },
    async create({ fileRef, validationRef, model, suffix, nEpochs, submission }) {
      const job = await http.request<OpenAIJob>('POST', '/fine_tuning/jobs', {
        model,
        training_file: fileRef,
        ...(validationRef ? { validation_file: validationRef } : {}),
        ...(suffix ? { suffix } : {}),
        metadata: { [SUBMISSION_METADATA_KEY]: submission },
        method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: nEpochs ?? 'auto' } } },
      });
      return job.id;
    },
    async find(submission) {
      const page = await http.request<{ data: OpenAIJob[] }>('GET', '/fine_tuning/jobs?limit=100');
      return page.data.find((job) => job.metadata?.[SUBMISSION_METADATA_KEY] === submission)?.id;
    },
    async status(jobId): Promise<HostedJobStatus> {
      const job = await http.request<OpenAIJob>('GET', `/fine_tuning/jobs/${encodeURIComponent(jobId)}`);
      return {
        state: STATES[job.status] ?? 'running',
        providerStatus: job.status,
        model: job.fine_tuned_model,
        error: job.error?.message ?? null,
        trainedTokens: job.trained_tokens ?? null,
      };
    },
    modelSpec: (model) => (options.defaultBaseUrl ? `openai:${model}` : `openai:${model}@${options.baseUrl}`),
  };
}
