/**
 * The state file of a hosted fine-tuning job: what was submitted where, written (atomically) after each
 * step, so that `apprentice finetune` run again after an interruption resumes polling the same job and
 * never uploads or submits twice. A state file of another submission (engine, model or data) is refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../../util/errors.js';
import type { EngineName, HostedJobStatus } from './engine.js';

export interface HostedRunState {
  engine: EngineName;
  baseUrl: string;
  model: string;
  /** sha256 of the training file. */
  dataDigest: string;
  fileRef?: string;
  validationRef?: string;
  /** Written before the job is created (see SubmitOptions.submission). */
  submission?: string;
  jobId?: string;
  status?: HostedJobStatus;
  updatedAt?: string;
}

export function readState(file: string): HostedRunState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as HostedRunState;
  } catch (error) {
    throw new InputError(`is not valid JSON (${(error as Error).message}); remove it to submit again`, { file });
  }
}

export function writeState(file: string, state: HostedRunState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2) + '\n');
  renameSync(temporary, file);
}

/** Refuses a state file written for another submission. */
export function checkSameSubmission(file: string, state: HostedRunState, expected: Pick<HostedRunState, 'engine' | 'baseUrl' | 'model' | 'dataDigest'>): void {
  for (const field of ['engine', 'baseUrl', 'model', 'dataDigest'] as const) {
    if (state[field] !== expected[field]) {
      throw new InputError(
        `belongs to another submission (its ${field} is ${JSON.stringify(state[field])}, this one's ${JSON.stringify(expected[field])}); give another --state file`,
        { file, field },
      );
    }
  }
}

export function newSubmissionToken(): string {
  return `apprentice-${randomBytes(6).toString('hex')}`;
}
