/** What every hosted fine-tuning engine does, in the terms `apprentice finetune --on <engine>` drives it. */

export const ENGINE_NAMES = ['openai', 'together', 'fireworks', 'local'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export type HostedState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_HOSTED_STATES: readonly HostedState[] = ['succeeded', 'failed', 'cancelled'];

export interface HostedJobStatus {
  state: HostedState;
  /** The engine's own status word (shown to the user). */
  providerStatus: string;
  /** The trained model's name, once there is one. */
  model: string | null;
  error: string | null;
  trainedTokens: number | null;
}

export interface SubmitOptions {
  fileRef: string;
  /** The uploaded validation file, when there is one. */
  validationRef?: string;
  model: string;
  suffix?: string;
  nEpochs?: number;
  /**
   * A token unique to this submission, written into the job (metadata, name or id) before it is created, so
   * that a command interrupted between submitting and recording the job id finds it instead of submitting again.
   */
  submission: string;
}

export interface HostedEngine {
  readonly name: EngineName;
  /** Uploads the training file; returns the engine's reference to it. */
  upload(content: Buffer, filename: string): Promise<string>;
  /** Creates the job; returns its id. */
  create(options: SubmitOptions): Promise<string>;
  /** The id of a job created with this submission token, if there is one. */
  find(submission: string): Promise<string | undefined>;
  status(jobId: string): Promise<HostedJobStatus>;
  /** The trained model as a model-layer spec, to evaluate it. */
  modelSpec(model: string): string;
}
