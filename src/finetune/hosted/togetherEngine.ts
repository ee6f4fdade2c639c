/**
 * Together AI's fine-tuning API (docs.together.ai/reference): POST /files/upload (multipart: file, file_name,
 * purpose=fine-tune, file_type=jsonl), POST /fine-tunes (LoRA unless --full), GET /fine-tunes/{id},
 * GET /fine-tunes (to find a job by the submission token in its suffix). The trained model is served on
 * Together's OpenAI-compatible API (https://api.together.xyz/v1).
 */
import type { HostedEngine, HostedState } from './engine.js';
import type { HttpClient } from './http.js';

interface TogetherJob {
  id: string;
  status: string;
  model_output_name?: string | null;
  suffix?: string | null;
  token_count?: number | null;
  events?: Array<{ message?: string; type?: string }>;
}

const STATES: Record<string, HostedState> = {
  pending: 'pending',
  queued: 'pending',
  running: 'running',
  compressing: 'running',
  uploading: 'running',
  completed: 'succeeded',
  error: 'failed',
  cancel_requested: 'cancelled',
  cancelled: 'cancelled',
};

export const TOGETHER_INFERENCE_URL = 'https://api.together.xyz/v1';

/** Together's suffix is at most 40 characters; the submission token is its end. */
function suffixWith(suffix: string | undefined, submission: string): string {
  const token = submission.slice(0, 12);
  return suffix ? `${suffix.slice(0, 40 - token.length - 1)}-${token}` : token;
}

export function togetherEngine(http: HttpClient, options: { lora: boolean; inferenceUrl?: string }): HostedEngine {
  return {
    name: 'together',
    async upload(content, filename) {
      const form = new FormData();
      form.append('purpose', 'fine-tune');
      form.append('file_name', filename);
      form.append('file_type', 'jsonl');
      form.append('file', new Blob([new Uint8Array(content)], { type: 'application/jsonl' }), filename);
      return (await http.request<{ id: string }>('POST', '/files/upload', form)).id;
    },
    async create({ fileRef, validationRef, model, suffix, nEpochs, submission }) {
      const job = await http.request<TogetherJob>('POST', '/fine-tunes', {
        training_file: fileRef,
        // Together evaluates on the validation file n_evals times during training (default 0: never).
        ...(validationRef ? { validation_file: validationRef, n_evals: nEpochs ?? 1 } : {}),
        model,
        suffix: suffixWith(suffix, submission),
        ...(nEpochs !== undefined ? { n_epochs: nEpochs } : {}),
        lora: options.lora,
      });
      return job.id;
    },
    async find(submission) {
      const token = submission.slice(0, 12);
      const page = await http.request<{ data: TogetherJob[] }>('GET', '/fine-tunes');
      return page.data.find((job) => (job.suffix ?? job.model_output_name ?? '').includes(token))?.id;
    },
    async status(jobId) {
      const job = await http.request<TogetherJob>('GET', `/fine-tunes/${encodeURIComponent(jobId)}`);
      const state = STATES[job.status] ?? 'running';
      const lastError = [...(job.events ?? [])].reverse().find((event) => event.type?.includes('error'))?.message;
      return {
        state,
        providerStatus: job.status,
        model: job.model_output_name ?? null,
        error: state === 'failed' ? (lastError ?? `the job ended with status ${job.status}`) : null,
        trainedTokens: job.token_count ?? null,
      };
    },
    modelSpec: (model) => `openai:${model}@${options.inferenceUrl ?? TOGETHER_INFERENCE_URL}`,
  };
}
