/**
 * A hosted fine-tuning job from start to end: validate the data, check the budget, upload, submit, poll to
 * a terminal state, each step recorded in the state file so an interrupted run resumes where it stopped
 * (polling the same job; never uploading or submitting twice).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { contentDigest } from '../../data/digest.js';
import { InputError } from '../../util/errors.js';
import { parseFineTuneFile } from '../fileFormat.js';
import { TERMINAL_HOSTED_STATES, type HostedEngine, type HostedJobStatus } from './engine.js';
import { estimatedTrainingTokens } from './prices.js';
import { checkSameSubmission, newSubmissionToken, readState, writeState, type HostedRunState } from './state.js';

export interface HostedRunOptions {
  engine: HostedEngine;
  /** Identifies the engine's endpoint in the state file. */
  baseUrl: string;
  data: string;
  /** Validation data in the same format, uploaded beside the training data. */
  validation?: string;
  model: string;
  suffix?: string;
  nEpochs?: number;
  stateFile: string;
  /** Dollars; refused before uploading when the estimated cost is higher. */
  budget?: number;
  /** Dollars per million training tokens (undefined: unknown, so a budget cannot be checked). */
  pricePerMillion?: number;
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (message: string) => void;
}

export interface HostedRunResult {
  jobId: string;
  status: HostedJobStatus;
  resumed: boolean;
  estimatedCostUsd: number | null;
}

/** Epochs assumed for the cost estimate when the engine picks them ("auto"): OpenAI's default. */
const ESTIMATE_EPOCHS = 3;

/** A fine-tuning file's bytes, validated as an upload is; errors name the file. */
async function readValidated(file: string): Promise<Buffer> {
  const content = await readFile(file);
  try {
    parseFineTuneFile(content.toString('utf8'));
  } catch (error) {
    if (error instanceof InputError) throw new InputError(error.message, { file });
    throw error;
  }
  return content;
}

export async function runHostedJob(options: HostedRunOptions): Promise<HostedRunResult> {
  const progress = options.onProgress ?? (() => {});
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const content = await readValidated(options.data);
  const validation = options.validation ? await readValidated(options.validation) : undefined;
  const dataDigest = validation ? contentDigest(`${contentDigest(content)} ${contentDigest(validation)}`) : contentDigest(content);
  const identity = { engine: options.engine.name, baseUrl: options.baseUrl, model: options.model, dataDigest };
  const previous = readState(options.stateFile);
  if (previous) checkSameSubmission(options.stateFile, previous, identity);
  const state: HostedRunState = previous ?? { ...identity };
  const resumed = previous !== undefined;

  const tokens = estimatedTrainingTokens(content.toString('utf8'), options.nEpochs ?? ESTIMATE_EPOCHS);
  const estimatedCostUsd = options.pricePerMillion === undefined ? null : (tokens / 1e6) * options.pricePerMillion;
  if (options.budget !== undefined && !state.jobId) {
    if (estimatedCostUsd === null) {
      throw new InputError(`no published training price is known for ${options.engine.name} ${options.model}; give --price-per-million to check --budget`, {
        field: 'budget',
      });
    }
    if (estimatedCostUsd > options.budget) {
      throw new InputError(
        `training ${options.model} on ${options.engine.name} would cost about $${estimatedCostUsd.toFixed(2)} (~${tokens} tokens at $${options.pricePerMillion}/M), over the budget of $${options.budget}`,
        { field: 'budget' },
      );
    }
  }

  if (!state.fileRef) {
    progress(`uploading ${options.data} to ${options.engine.name}`);
    state.fileRef = await options.engine.upload(content, basename(options.data));
    writeState(options.stateFile, state);
  }
  if (validation && !state.validationRef) {
    progress(`uploading ${options.validation} to ${options.engine.name}`);
    state.validationRef = await options.engine.upload(validation, basename(options.validation!));
    writeState(options.stateFile, state);
  }
  if (!state.jobId && state.submission) {
    // Interrupted after asking for the job and before recording it: look for it before submitting.
    state.jobId = await options.engine.find(state.submission);
    if (state.jobId) writeState(options.stateFile, state);
  }
  if (!state.jobId) {
    state.submission = newSubmissionToken();
    writeState(options.stateFile, state);
    progress(`submitting a fine-tuning job of ${options.model} on ${options.engine.name}`);
    state.jobId = await options.engine.create({
      fileRef: state.fileRef,
      ...(state.validationRef ? { validationRef: state.validationRef } : {}),
      model: options.model,
      suffix: options.suffix,
      nEpochs: options.nEpochs,
      submission: state.submission,
    });
    writeState(options.stateFile, state);
  } else if (resumed) {
    progress(`resuming: polling job ${state.jobId} (state file ${options.stateFile})`);
  }

  let lastStatus = '';
  for (;;) {
    const status = await options.engine.status(state.jobId);
    state.status = status;
    writeState(options.stateFile, state);
    if (status.providerStatus !== lastStatus) progress(`job ${state.jobId}: ${status.providerStatus}`);
    lastStatus = status.providerStatus;
    if (TERMINAL_HOSTED_STATES.includes(status.state)) return { jobId: state.jobId, status, resumed, estimatedCostUsd };
    await sleep(options.pollIntervalMs ?? 30_000);
  }
}
