/** The fine-tuning API's objects, in the shapes OpenAI's API returns (field names included). */

export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
  status_details: null;
  expires_at: null;
}

export type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface Hyperparameters {
  n_epochs: number | 'auto';
  batch_size: number | 'auto';
  learning_rate_multiplier: number | 'auto';
  /** LoRA extension (Apprentice): rank (and alpha) of adapters on a pretrained base, whose weights stay frozen. */
  lora_rank?: number;
  lora_alpha?: number;
}

export interface FineTuningJob {
  id: string;
  object: 'fine_tuning.job';
  created_at: number;
  finished_at: number | null;
  estimated_finish: number | null;
  model: string;
  fine_tuned_model: string | null;
  organization_id: string;
  status: JobStatus;
  training_file: string;
  validation_file: string | null;
  result_files: string[];
  hyperparameters: Hyperparameters;
  method: { type: 'supervised'; supervised: { hyperparameters: Hyperparameters } };
  seed: number;
  trained_tokens: number | null;
  error: { code: string; message: string; param: string | null } | null;
  user_provided_suffix: string | null;
  integrations: null;
  metadata: Record<string, string> | null;
}

export interface JobEvent {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type: 'message' | 'metrics';
  data: Record<string, unknown> | null;
}

export interface JobCheckpoint {
  id: string;
  object: 'fine_tuning.job.checkpoint';
  created_at: number;
  fine_tuning_job_id: string;
  fine_tuned_model_checkpoint: string;
  step_number: number;
  metrics: Record<string, number>;
}

/** What the worker needs to run a job, fixed when the job is queued (so a resumed job is the same run). */
export interface TrainingPlan {
  /** The engine's checkpoint folder of this job (the resumable state lives in its training/). */
  outDir: string;
  /** Built-in size, or a pretrained base: a folder or a GGUF file (`dir` is its path either way). */
  base: { size: 'tiny' | 'small' | 'base' } | { dir: string };
  trainFile: string;
  validationFile: string | null;
  steps: number;
  batchSize: number;
  learningRate: number;
  evalEvery: number;
  seed: number;
  nEpochs: number;
  lora?: { rank: number; alpha?: number };
  /** Where the engine saves the model of every evaluated step (`step-<n>/`), served as the job's checkpoints. */
  snapshotDir?: string;
}

/** How many checkpoints of a job keep their weights (and are listed and served), the newest ones, as OpenAI keeps three. */
export const KEPT_CHECKPOINTS = 3;

export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  first_id?: string | null;
  last_id?: string | null;
}
