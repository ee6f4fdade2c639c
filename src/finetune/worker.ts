/**
 * The worker process of a fine-tuning job (forked by workerProcess.ts, one job at a time): reads the job's
 * files, trains with the built-in engine into the job's folder, and reports to its parent over IPC.
 * The engine resumes a run whose state is in the folder, so a job started again after its server was
 * killed continues from its last saved step and ends with the same weights. The worker ends itself when
 * its parent goes away, so a killed server leaves no training behind.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { loadCheckpoint } from '../engine/checkpoint.js';
import { train, type TrainEvent, type TrainOptions } from '../engine/train.js';
import { baseHasChatTemplate } from './baseFormat.js';
import { FineTuneFileError, parseFineTuneFile } from './fileFormat.js';
import { lockRunDir, RunFolderBusyError, type RunLock } from '../runs/lock.js';
import { InputError } from '../util/errors.js';
import { trainingRows, type TrainingRows } from './trainingRows.js';
import type { TrainingPlan } from './types.js';

export type WorkerMessage =
  | { type: 'train'; event: TrainEvent }
  | { type: 'done'; trainedTokens: number; steps: number; trainLoss: number; validationLoss: number | null }
  | { type: 'error'; message: string; code: string };

async function rowsOf(file: string, chatTemplate: boolean): Promise<TrainingRows> {
  return trainingRows(parseFineTuneFile(await readFile(file, 'utf8')), file, chatTemplate);
}

/**
 * The job folder's lock: a worker of a killed server may still be ending when the restarted server starts the
 * job again, so the new one waits for it (a few seconds at most) rather than write beside it.
 */
async function lockJobFolder(dir: string): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      return lockRunDir(dir);
    } catch (error) {
      if (!(error instanceof RunFolderBusyError) || attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function runPlan(plan: TrainingPlan, send: (message: WorkerMessage) => void): Promise<void> {
  const lock = await lockJobFolder(plan.outDir);
  try {
    await trainPlan(plan, send);
  } finally {
    lock.release();
  }
}

async function trainPlan(plan: TrainingPlan, send: (message: WorkerMessage) => void): Promise<void> {
  const chatTemplate = 'dir' in plan.base ? await baseHasChatTemplate(plan.base.dir) : false;
  const training = await rowsOf(plan.trainFile, chatTemplate);
  const validation = plan.validationFile ? await rowsOf(plan.validationFile, chatTemplate) : { examples: [] };
  const options: TrainOptions = {
    train: training.examples,
    validation: validation.examples,
    outDir: plan.outDir,
    ...('size' in plan.base ? { size: plan.base.size } : { base: plan.base.dir }),
    ...(training.promptFormat ? { promptFormat: training.promptFormat } : {}),
    steps: plan.steps,
    batchSize: plan.batchSize,
    learningRate: plan.learningRate,
    ...(plan.lora ? { lora: plan.lora } : {}),
    evalEvery: plan.evalEvery,
    ...(plan.snapshotDir ? { snapshotDir: plan.snapshotDir } : {}),
    seed: plan.seed,
    info: { fineTuningJob: plan },
    onEvent: (event) => send({ type: 'train', event }),
  };
  const result = await train(options);
  const { tokenizer } = await loadCheckpoint(plan.outDir);
  const tokensPerPass = training.examples.reduce((sum, e) => sum + tokenizer.encode(e.prompt + e.completion).length, 0);
  const passes = (result.steps * plan.batchSize) / training.examples.length;
  send({
    type: 'done',
    trainedTokens: Math.round(tokensPerPass * passes),
    steps: result.steps,
    trainLoss: result.trainLoss,
    validationLoss: result.validationLoss,
  });
}

const isWorkerProcess = process.send !== undefined && process.argv.includes('--apprentice-fine-tuning-worker');
if (isWorkerProcess) {
  process.on('disconnect', () => process.exit(1));
  const send = (message: WorkerMessage) => process.send?.(message);
  // The last message is flushed before the process ends (process.send is asynchronous).
  const finish = (message: WorkerMessage) => process.send?.(message, undefined, {}, () => process.exit(0));
  process.once('message', (plan: TrainingPlan) => {
    runPlan(plan, (message) => (message.type === 'done' ? finish(message) : send(message))).catch((error: unknown) => {
      const code = error instanceof FineTuneFileError ? 'invalid_training_file' : error instanceof InputError ? 'invalid_job' : 'training_failed';
      finish({ type: 'error', message: error instanceof Error ? error.message : String(error), code });
    });
  });
}
