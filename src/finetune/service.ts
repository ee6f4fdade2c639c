/**
 * The local fine-tuning service behind the OpenAI-compatible routes: files (validated on upload), jobs
 * (validated, queued, trained one at a time in a worker process, cancelled), their events and checkpoints,
 * and the fine-tuned models they leave. Everything is in the store, so a service opened again on the same
 * folder (a restarted server) has every file and job, resumes the job that was running (the engine's exact
 * resume) and then the queued ones.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isModelSize, type ModelSize } from '../engine/sizes.js';
import { baseHasChatTemplate } from './baseFormat.js';
import { InputError } from '../util/errors.js';
import { FineTuneFileError, parseFineTuneFile } from './fileFormat.js';
import { BASE_LEARNING_RATE, resolveHyperparameters } from './hyperparameters.js';
import { hyperparametersPath, jobRequestSchema, requestedHyperparameters } from './jobRequest.js';
import { resultsCsv } from './resultsFile.js';
import { FineTuningStore } from './store.js';
import { trainingRows } from './trainingRows.js';
import { KEPT_CHECKPOINTS, TERMINAL_STATUSES, type FileObject, type FineTuningJob, type JobCheckpoint, type JobEvent, type TrainingPlan } from './types.js';
import type { WorkerMessage } from './worker.js';
import { startWorker, type WorkerHandle } from './workerProcess.js';

/** A refused request, with what OpenAI's error body needs. */
export class FineTuningRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'FineTuningRequestError';
  }
}

export interface FineTuningServiceOptions {
  /** The store folder (SQLite, files, job checkpoints). */
  dir: string;
  /** Pretrained bases by name: a student checkpoint or Hugging Face folder, or a GGUF file. */
  bases?: Record<string, string>;
}

const BUILT_IN_BASES: readonly ModelSize[] = ['tiny', 'small', 'base'];
const FILE_PURPOSES = new Set(['fine-tune']);

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

function fileObject(filename: string, purpose: string, bytes: number): FileObject {
  return { id: newId('file'), object: 'file', bytes, created_at: nowSeconds(), filename, purpose, status: 'processed', status_details: null, expires_at: null };
}

export class FineTuningService {
  readonly store: FineTuningStore;
  private readonly bases: Record<string, string>;
  private readonly chatTemplateOf = new Map<string, Promise<boolean>>();
  private active?: { jobId: string; worker: WorkerHandle; cancelled: boolean };
  private loop?: Promise<void>;
  private readonly validations = new Set<Promise<void>>();
  private closing = false;

  constructor(options: FineTuningServiceOptions) {
    this.store = new FineTuningStore(options.dir);
    this.bases = { ...options.bases };
    for (const [name, path] of Object.entries(this.bases)) {
      if (isModelSize(name)) throw new InputError(`the base name "${name}" is a built-in size; name it otherwise`, { field: 'base' });
      if (!existsSync(path)) throw new InputError(`the base "${name}" does not exist`, { file: path, field: 'base' });
    }
  }

  /** Validates what was waiting and starts (or resumes) the next job. Call once after opening. */
  start(): void {
    for (const job of this.store.jobsWithStatus(['validating_files'])) this.startValidation(job.id);
    this.kick();
  }

  /** Stops the running worker without changing its job, which resumes when a service opens the folder again. */
  async close(): Promise<void> {
    this.closing = true;
    this.active?.worker.kill();
    await Promise.all([this.loop, ...this.validations]);
    this.store.close();
  }

  baseNames(): string[] {
    return [...BUILT_IN_BASES, ...Object.keys(this.bases)];
  }

  // Files.

  uploadFile(filename: string, purpose: string, content: Buffer): FileObject {
    if (!FILE_PURPOSES.has(purpose)) {
      throw new FineTuningRequestError(400, `purpose must be "fine-tune" on this server, got ${JSON.stringify(purpose)}`, 'purpose', 'invalid_value');
    }
    try {
      parseFineTuneFile(content.toString('utf8'));
    } catch (error) {
      if (error instanceof FineTuneFileError) {
        throw new FineTuningRequestError(400, `Invalid file format for fine-tuning: ${filename}: ${error.message}`, error.param, 'invalid_file_format');
      }
      throw error;
    }
    const file = fileObject(filename, purpose, content.length);
    this.store.addFile(file, content);
    return file;
  }

  file(id: string): FileObject {
    const file = this.store.file(id);
    if (!file) throw new FineTuningRequestError(404, `No such File object: ${id}`, 'id', 'file_not_found');
    return file;
  }

  // Jobs.

  createJob(body: unknown): FineTuningJob {
    const parsed = jobRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const param = issue.path.map(String).join('.');
      throw new FineTuningRequestError(400, `${param ? `${param}: ` : ''}${issue.message}`, param || null, 'invalid_value');
    }
    const request = parsed.data;
    if (!this.baseNames().includes(request.model)) {
      throw new FineTuningRequestError(
        400,
        `Model ${request.model} is not available for fine-tuning on this server; the bases are ${this.baseNames().join(', ')} (add one with serve --base <name>=<folder or file.gguf>)`,
        'model',
        'model_not_available',
      );
    }
    this.file(request.training_file);
    if (request.validation_file) this.checkFile(request.validation_file, 'validation_file');
    const hyperparameters = requestedHyperparameters(request);
    // LoRA (the extension): adapters on a pretrained base; a built-in size is a new student, trained whole.
    if (hyperparameters.lora_alpha !== undefined && hyperparameters.lora_rank === undefined) {
      throw new FineTuningRequestError(400, 'lora_alpha needs lora_rank', `${hyperparametersPath(request)}.lora_alpha`, 'invalid_value');
    }
    if (hyperparameters.lora_rank !== undefined && isModelSize(request.model)) {
      throw new FineTuningRequestError(
        400,
        `lora_rank: LoRA fine-tunes a pretrained base (${Object.keys(this.bases).join(', ') || 'none given: serve --base <name>=<folder or file.gguf>'}); the built-in size ${request.model} trains all its weights`,
        `${hyperparametersPath(request)}.lora_rank`,
        'unsupported_parameter',
      );
    }
    const id = newId('ftjob');
    const job: FineTuningJob = {
      id,
      object: 'fine_tuning.job',
      created_at: nowSeconds(),
      finished_at: null,
      estimated_finish: null,
      model: request.model,
      fine_tuned_model: null,
      organization_id: 'org-apprentice',
      status: 'validating_files',
      training_file: request.training_file,
      validation_file: request.validation_file ?? null,
      result_files: [],
      hyperparameters,
      method: { type: 'supervised', supervised: { hyperparameters } },
      seed: request.seed ?? randomBytes(4).readUInt32BE() % 2147483647,
      trained_tokens: null,
      error: null,
      user_provided_suffix: request.suffix ?? null,
      integrations: null,
      metadata: request.metadata ?? null,
    };
    this.store.addJob(job);
    this.event(id, 'info', `Validating training file: ${job.training_file}${job.validation_file ? ` and validation file: ${job.validation_file}` : ''}`);
    this.startValidation(id);
    return job;
  }

  job(id: string): FineTuningJob {
    const job = this.store.job(id);
    if (!job) throw new FineTuningRequestError(404, `No such fine-tuning job: ${id}`, 'fine_tuning_job_id', 'fine_tune_not_found');
    return job;
  }

  cancel(id: string): FineTuningJob {
    const job = this.job(id);
    if (TERMINAL_STATUSES.includes(job.status)) {
      throw new FineTuningRequestError(400, `Job ${id} has already ${job.status === 'succeeded' ? 'completed' : job.status}`, null, 'invalid_state');
    }
    const cancelled = this.store.updateJob(id, { status: 'cancelled', finished_at: nowSeconds() });
    this.event(id, 'info', 'Fine-tuning job cancelled');
    if (this.active?.jobId === id) {
      this.active.cancelled = true;
      this.active.worker.kill();
    }
    return cancelled;
  }

  /**
   * The engine checkpoint folder of a model of a succeeded job, by its name: the fine-tuned model
   * (`ft:...`) or one of its kept checkpoints (`ft:...:ckpt-step-<n>`).
   */
  modelDir(name: string): string | undefined {
    const job = this.store.jobByModel(name);
    if (job) return job.status === 'succeeded' ? this.store.plan(job.id)?.outDir : undefined;
    const checkpoint = this.store.checkpointByModel(name);
    if (!checkpoint || this.store.job(checkpoint.fine_tuning_job_id)?.status !== 'succeeded') return undefined;
    return this.checkpointDir(checkpoint);
  }

  /** The fine-tuned models and the checkpoints with weights of succeeded jobs. */
  fineTunedModels(): Array<{ id: string; created: number }> {
    return this.store.succeededJobs().flatMap((job) => [
      { id: job.fine_tuned_model!, created: job.finished_at ?? job.created_at },
      ...this.store
        .jobCheckpoints(job.id)
        .filter((checkpoint) => this.checkpointDir(checkpoint) !== undefined)
        .map((checkpoint) => ({ id: checkpoint.fine_tuned_model_checkpoint, created: checkpoint.created_at })),
    ]);
  }

  // Internals.

  private checkFile(id: string, param: string): void {
    if (!this.store.file(id)) throw new FineTuningRequestError(400, `invalid ${param}: no such file ${id}`, param, 'file_not_found');
  }

  private event(jobId: string, level: JobEvent['level'], message: string, data: Record<string, unknown> | null = null): void {
    this.store.addEvent(jobId, {
      id: newId('ftevent'),
      object: 'fine_tuning.job.event',
      created_at: nowSeconds(),
      level,
      message,
      type: data ? 'metrics' : 'message',
      data,
    });
  }

  private fail(jobId: string, code: string, message: string, param: string | null): void {
    this.store.updateJob(jobId, { status: 'failed', finished_at: nowSeconds(), error: { code, message, param } });
    this.event(jobId, 'error', `Fine-tuning job failed: ${message}`);
  }

  private async hasChatTemplate(dir: string): Promise<boolean> {
    let known = this.chatTemplateOf.get(dir);
    if (!known) {
      known = baseHasChatTemplate(dir);
      this.chatTemplateOf.set(dir, known);
    }
    return known;
  }

  private startValidation(id: string): void {
    const validation = this.validate(id).finally(() => this.validations.delete(validation));
    this.validations.add(validation);
  }

  /** validating_files -> queued with its training plan, or failed naming the file, line and field. */
  private async validate(id: string): Promise<void> {
    const job = this.job(id);
    const baseDir = this.bases[job.model];
    let plan: TrainingPlan;
    try {
      const chatTemplate =
        baseDir === undefined
          ? false
          : await this.hasChatTemplate(baseDir).catch((error: unknown) => {
              throw new FineTuningRequestError(
                400,
                `the base ${job.model} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
                'model',
                'invalid_base',
              );
            });
      const count = (fileId: string, param: string): number => {
        this.checkFile(fileId, param);
        try {
          return trainingRows(parseFineTuneFile(this.store.fileContent(fileId).toString('utf8')), fileId, chatTemplate).examples.length;
        } catch (error) {
          if (error instanceof FineTuneFileError) throw new FineTuningRequestError(400, `${fileId}: ${error.message}`, param, 'invalid_training_file');
          throw error;
        }
      };
      const examples = count(job.training_file, 'training_file');
      if (job.validation_file) count(job.validation_file, 'validation_file');
      const resolved = resolveHyperparameters(job.hyperparameters, examples);
      plan = {
        outDir: join(this.store.jobDir(id), 'model'),
        base: baseDir === undefined ? { size: job.model as ModelSize } : { dir: baseDir },
        trainFile: this.store.filePath(job.training_file),
        validationFile: job.validation_file ? this.store.filePath(job.validation_file) : null,
        steps: resolved.steps,
        batchSize: resolved.batchSize,
        learningRate:
          (baseDir === undefined
            ? BASE_LEARNING_RATE.scratch
            : job.hyperparameters.lora_rank !== undefined
              ? BASE_LEARNING_RATE.lora
              : BASE_LEARNING_RATE.pretrained) * resolved.learningRateMultiplier,
        ...(job.hyperparameters.lora_rank !== undefined
          ? {
              lora: { rank: job.hyperparameters.lora_rank, ...(job.hyperparameters.lora_alpha !== undefined ? { alpha: job.hyperparameters.lora_alpha } : {}) },
            }
          : {}),
        evalEvery: Math.max(1, Math.round(resolved.steps / 10)),
        snapshotDir: join(this.store.jobDir(id), 'checkpoints'),
        seed: job.seed,
        nEpochs: resolved.nEpochs,
      };
      if (this.job(id).status !== 'validating_files') return; // cancelled meanwhile
      const hyperparameters = {
        ...job.hyperparameters,
        n_epochs: resolved.nEpochs,
        batch_size: resolved.batchSize,
        learning_rate_multiplier: resolved.learningRateMultiplier,
      };
      this.store.updateJob(id, { status: 'queued', hyperparameters, method: { type: 'supervised', supervised: { hyperparameters } } }, plan);
      this.event(
        id,
        'info',
        `Files validated (${examples} training examples): ${resolved.steps} steps of ${resolved.batchSize} examples, moving job to queued state`,
      );
    } catch (error) {
      if (error instanceof FineTuningRequestError) this.fail(id, error.code ?? 'invalid_training_file', error.message, error.param);
      else this.fail(id, 'invalid_training_file', error instanceof Error ? error.message : String(error), 'training_file');
      return;
    }
    this.kick();
  }

  private kick(): void {
    if (this.loop || this.closing) return;
    this.loop = this.runQueue().finally(() => {
      this.loop = undefined;
    });
  }

  private async runQueue(): Promise<void> {
    while (!this.closing) {
      const next = this.store.jobsWithStatus(['running'])[0] ?? this.store.jobsWithStatus(['queued'])[0];
      if (!next) return;
      await this.run(next);
    }
  }

  /** Trains one job in a worker; a job that was running when its server stopped continues from its saved state. */
  private async run(job: FineTuningJob): Promise<void> {
    const plan = this.store.plan(job.id)!;
    const wasRunning = job.status === 'running';
    if (!wasRunning) {
      this.store.updateJob(job.id, { status: 'running' });
      this.event(job.id, 'info', 'Fine-tuning job started');
    }
    const name = fineTunedModelName(job);
    let outcome: WorkerMessage | undefined;
    let lastLoss: number | undefined;
    let startStep = 0;
    const logEvery = Math.max(1, Math.floor(plan.steps / 50));
    const onMessage = (message: WorkerMessage): void => {
      if (this.active?.cancelled) return; // what a cancelled worker still sends is not the job's any more
      if (message.type !== 'train') {
        outcome = message;
        return;
      }
      const event = message.event;
      if (event.type === 'start') {
        startStep = event.step;
        if (event.step > 0) this.event(job.id, 'info', `Resumed training at step ${event.step} of ${event.steps}`);
      }
      if (event.type === 'step') {
        lastLoss = event.loss;
        if (event.step % logEvery === 0 || event.step === event.steps) {
          const secondsPerStep = event.elapsedSeconds / Math.max(1, event.step - startStep);
          this.store.updateJob(job.id, { estimated_finish: nowSeconds() + Math.round((event.steps - event.step) * secondsPerStep) });
          this.event(job.id, 'info', `Step ${event.step}/${event.steps}: training loss=${event.loss.toFixed(4)}`, {
            step: event.step,
            train_loss: event.loss,
            total_steps: event.steps,
          });
        }
        if (!plan.validationFile && (event.step % plan.evalEvery === 0 || event.step === event.steps)) {
          this.checkpoint(job.id, name, event.step, { step: event.step, train_loss: event.loss });
        }
      }
      if (event.type === 'eval') {
        this.event(
          job.id,
          'info',
          `Step ${event.step}/${plan.steps}: validation loss=${event.validationLoss.toFixed(4)}, validation mean token accuracy=${event.validationAccuracy.toFixed(4)}`,
          {
            step: event.step,
            valid_loss: event.validationLoss,
            valid_mean_token_accuracy: event.validationAccuracy,
            total_steps: plan.steps,
          },
        );
        this.checkpoint(job.id, name, event.step, {
          step: event.step,
          ...(lastLoss !== undefined ? { train_loss: lastLoss } : {}),
          valid_loss: event.validationLoss,
          valid_mean_token_accuracy: event.validationAccuracy,
        });
      }
    };
    const worker = startWorker(plan, onMessage);
    this.active = { jobId: job.id, worker, cancelled: false };
    const exit = await worker.exited;
    const cancelled = this.active.cancelled;
    this.active = undefined;
    if (this.closing) return;
    if (!cancelled && outcome?.type === 'done') {
      const results = this.addResultsFile(job.id);
      this.store.updateJob(job.id, {
        status: 'succeeded',
        fine_tuned_model: name,
        trained_tokens: outcome.trainedTokens,
        finished_at: nowSeconds(),
        result_files: [results.id],
      });
      this.event(job.id, 'info', `New fine-tuned model created: ${name}`);
      this.event(job.id, 'info', 'The job has successfully completed');
      return;
    }
    // The checkpoints of a cancelled or failed job are never served: their weights are not kept.
    if (plan.snapshotDir !== undefined) rmSync(plan.snapshotDir, { recursive: true, force: true });
    if (cancelled) return;
    if (outcome?.type === 'error') {
      this.fail(job.id, outcome.code, outcome.message, outcome.code === 'invalid_training_file' ? 'training_file' : null);
    } else {
      this.fail(job.id, 'worker_exited', `the training worker ended unexpectedly (${exit.signal ?? `exit code ${exit.code}`})`, null);
    }
  }

  /** The job's metrics as OpenAI's results CSV, a file of purpose fine-tune-results. */
  private addResultsFile(jobId: string): FileObject {
    const content = Buffer.from(resultsCsv(this.store.jobEvents(jobId)));
    const file = fileObject('step_metrics.csv', 'fine-tune-results', content.length);
    this.store.addFile(file, content);
    return file;
  }

  /** The folder of a checkpoint's weights, when they were kept and are complete (config.json is written last). */
  private checkpointDir(checkpoint: JobCheckpoint): string | undefined {
    const snapshotDir = this.store.plan(checkpoint.fine_tuning_job_id)?.snapshotDir;
    if (snapshotDir === undefined) return undefined;
    const dir = join(snapshotDir, `step-${checkpoint.step_number}`);
    return existsSync(join(dir, 'config.json')) ? dir : undefined;
  }

  /**
   * Records a checkpoint (the engine saves its weights at the same step, into the plan's snapshotDir) and
   * forgets all but the newest KEPT_CHECKPOINTS, weights included, so a long job's disk use stays bounded.
   */
  private checkpoint(jobId: string, name: string, step: number, metrics: Record<string, number>): void {
    this.addCheckpoint(jobId, name, step, metrics);
    const snapshotDir = this.store.plan(jobId)?.snapshotDir;
    for (const old of this.store.jobCheckpoints(jobId).slice(KEPT_CHECKPOINTS)) {
      this.store.deleteCheckpoint(old.id);
      if (snapshotDir !== undefined) rmSync(join(snapshotDir, `step-${old.step_number}`), { recursive: true, force: true });
    }
  }

  private addCheckpoint(jobId: string, name: string, step: number, metrics: Record<string, number>): void {
    this.store.addCheckpoint(jobId, {
      id: `ftckpt-${jobId.slice('ftjob-'.length)}-${step}`,
      object: 'fine_tuning.job.checkpoint',
      created_at: nowSeconds(),
      fine_tuning_job_id: jobId,
      fine_tuned_model_checkpoint: `${name}:ckpt-step-${step}`,
      step_number: step,
      metrics,
    });
  }
}

/** OpenAI's naming: ft:<base>:<suffix>:<id> (the suffix part empty when none was given). */
export function fineTunedModelName(job: Pick<FineTuningJob, 'id' | 'model' | 'user_provided_suffix'>): string {
  return `ft:${job.model}:${job.user_provided_suffix ?? ''}:${job.id.slice('ftjob-'.length)}`;
}
