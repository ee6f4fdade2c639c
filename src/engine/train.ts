/**
 * Training a student, nanoGPT style, read top to bottom:
 *
 *   1. data      train a byte-level BPE on the training text; encode [bos] prompt completion [eos]
 *   2. model     a fresh Llama of the chosen size, or the weights (and tokenizer) of an existing checkpoint
 *                (`initFrom`: warm start, fresh optimizer), or the last state of an interrupted run, to resume
 *   3. loop      per step: `accumulation` micro-batches -> summed gradients -> clip global norm ->
 *                AdamW (Loshchilov & Hutter) at a learning rate with linear warmup and cosine decay
 *   4. evaluate  every `evalEvery` steps: validation loss and next-token accuracy on completion tokens;
 *                the best model so far is the checkpoint; early stopping after `patience` evaluations
 *                without improvement
 *   5. state     the last weights, AdamW moments and counters in <out>/training/, so a killed run resumes
 *                exactly where it stopped (the data order is a function of the seed and the step)
 *
 * Loss over completion tokens (and the closing eos) of -log p(token), each token weighted by its example's
 * weight, normalised over the whole optimizer batch (so accumulation gives the same gradient as one big
 * batch) in one of two ways (`lossNormalization`):
 *
 *   'token' (default)  sum_i w_i nll_i / (scored tokens in the batch): one pool of tokens, so a task with
 *                      long completions (rationales) outweighs a short one (labels) beyond its weight;
 *   'task'             sum_tasks sum_{i in task} w_i nll_i / (scored tokens of that task in the batch):
 *                      per-task token means mixed by the task weights, the distilling step-by-step loss
 *                      alpha L_label + (1 - alpha) L_rationale when label rows weigh alpha and rationale
 *                      rows 1 - alpha.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { InputError } from '../util/errors.js';
import { createRng, shuffle } from '../util/random.js';
import { VERSION } from '../version.js';
import { initBackend, tf } from './backend.js';
import { loadCheckpoint, saveCheckpoint, TOKENIZER_JSON, type Checkpoint } from './checkpoint.js';
import { assertFinite, weightsDigest } from './hfWeights.js';
import { TrainingDivergedError } from './trainErrors.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from './formats/safetensors.js';
import { configForSize, countParameters, initialWeights, LlamaModel, MODEL_SIZES, parameterShapes, tokenNll, type LlamaConfig, type ModelSize } from './model.js';
import type { HostBatch } from './onnx/session.js';
import { Tokenizer, trainTokenizer } from './tokenizer.js';
import { LOSS_NORMALIZATIONS, TRAIN_BACKENDS, type LossNormalization, type TrainBackend } from './trainChoices.js';
import { encodeExample, tokenizerCorpus, type EncodedExample, type TrainingExample } from './trainingData.js';
import { checkPromptFormat, defaultPromptFormat, parsePromptFormat, RAW_FORMAT, type PromptFormat } from './tokenizers/promptFormat.js';
import type { TextTokenizer } from './tokenizers/textTokenizer.js';

export { LOSS_NORMALIZATIONS, TRAIN_BACKENDS, type LossNormalization, type TrainBackend } from './trainChoices.js';
export { TrainingDivergedError } from './trainErrors.js';

export interface TrainOptions {
  train: readonly TrainingExample[];
  validation: readonly TrainingExample[];
  /** The checkpoint folder (best model) with the resumable state in <outDir>/training/. */
  outDir: string;
  size?: ModelSize;
  /** Overrides of the size's architecture (dim, nLayers, ...). */
  model?: Partial<Omit<LlamaConfig, 'vocabSize'>>;
  /** Tokenizer vocabulary (default: the size's). */
  vocabSize?: number;
  /** Tokens per sequence (default 256). */
  contextLength?: number;
  steps: number;
  /** Examples per optimizer step. Default 16. */
  batchSize?: number;
  /** Examples per forward/backward pass; the batch is split into batchSize / microBatchSize passes. */
  microBatchSize?: number;
  /**
   * Consecutive runs of this many training examples are one unit: shuffled together and always in the same
   * batch (distilling step-by-step keeps an input's label row and rationale row together). batchSize must be a
   * multiple of it. Default 1.
   */
  groupSize?: number;
  /** Checkpoint selection on the validation loss of this task tag alone, not the mixed loss. Default: the mixed loss. */
  selectOnTask?: string;
  /** How the weighted token losses of a batch are normalised (see the top of this file). Default 'token'. */
  lossNormalization?: LossNormalization;
  learningRate?: number;
  /** Floor of the cosine decay. Default learningRate / 10. */
  minLearningRate?: number;
  warmupSteps?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  /** Global gradient-norm clip (0 = off). Default 1. */
  clipNorm?: number;
  /** Steps between validations (and state saves). Default max(1, steps / 10). */
  evalEvery?: number;
  /** Stop after this many validations without improvement (default: never). */
  patience?: number;
  /** A validation loss counts as an improvement only if it beats the best by more than this. Default 0. */
  minDelta?: number;
  /** Validation examples used per evaluation, at most. Default 512. */
  maxValidationExamples?: number;
  seed?: number;
  /**
   * Kept for compatibility; resuming is the default: a run's state found in outDir is continued when it is the
   * same run (same data and options; the 'start' event's step and the result's resumedFrom say where), a fresh
   * run starts when there is none, and another run's state is refused (an InputError) unless `restart`.
   */
  resume?: boolean;
  /** Discard any state in outDir and start over. */
  restart?: boolean;
  /**
   * Warm start: a checkpoint folder whose weights and tokenizer the run starts from (the tokenizer is reused,
   * not retrained), with a fresh optimizer and learning-rate schedule. The architecture must be the one the
   * options ask for: size, model overrides, contextLength and vocabSize default to the checkpoint's and, when
   * given, must match it (an InputError names the difference). Its contents are part of the run identity.
   */
  initFrom?: string;
  /**
   * A pretrained base to fine-tune (all of its weights): a Hugging Face folder (config.json, safetensors,
   * tokenizer.json). Its architecture, weights and tokenizer are used as they are; examples are written in its
   * prompt format (its chat template when it has one, else raw text); contextLength (default min(256, the
   * base's)) is the training sequence length. Its contents are part of the run identity.
   */
  base?: string;
  /** Default 'onnx' (see TrainBackend). */
  backend?: TrainBackend;
  /**
   * Threads of the onnx backend's kernels (default: env APPRENTICE_THREADS, else os.availableParallelism()).
   * The tfjs backend takes its threads from APPRENTICE_WASM_THREADS (./backend.ts).
   */
  threads?: number;
  /**
   * How rows become token sequences (./tokenizers/promptFormat.ts): raw, or chat with the tokenizer's template.
   * Default: the warm-start source's, a base's chat format when it has a chat template, else raw. Recorded in config.json as apprentice.promptFormat.
   */
  promptFormat?: PromptFormat;
  /** Recorded in config.json's "apprentice" section (e.g. the data file). */
  info?: Record<string, unknown>;
  onEvent?: (event: TrainEvent) => void;
}

export type TrainEvent =
  | { type: 'start'; step: number; steps: number; parameters: number; trainExamples: number; validationExamples: number; truncated: number }
  | { type: 'step'; step: number; steps: number; loss: number; learningRate: number; gradNorm: number; tokensPerSecond: number; elapsedSeconds: number }
  | { type: 'eval'; step: number; validationLoss: number; validationAccuracy: number; improved: boolean; byTask: Record<string, number> };

export interface TrainResult {
  outDir: string;
  parameters: number;
  config: LlamaConfig;
  steps: number;
  /** Weighted completion loss over the last evaluation interval. */
  trainLoss: number;
  /** Loss / accuracy of the saved (best) model; null without validation data. */
  validationLoss: number | null;
  validationAccuracy: number | null;
  bestStep: number;
  stoppedEarly: boolean;
  /** Token positions processed per second of training (this process only). */
  tokensPerSecond: number;
  /** Mean completion loss per task tag over the last evaluation interval. */
  trainLossByTask: Record<string, number>;
  validationLossByTask: Record<string, number>;
  resumedFrom: number;
}

interface TrainState {
  identity: string;
  step: number;
  bestStep: number;
  bestValidationLoss: number | null;
  bestValidationAccuracy: number | null;
  evalsWithoutImprovement: number;
  stoppedEarly: boolean;
  history: Array<Record<string, unknown>>;
  /** The tensors of this state, in the state folder. */
  files?: { model: string; optimizer: string };
}

const STATE_DIR = 'training';

/** Learning rate at a step: linear warmup to `peak`, then cosine decay to `floor` at `total`. */
export function learningRateAt(step: number, total: number, peak: number, floor: number, warmup: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
}

/**
 * The examples of optimizer step `step`: a seeded shuffle per epoch, read in order. With groupSize g the units
 * shuffled are runs of g consecutive examples, so a run is never split across batches (batchSize % g === 0).
 */
export function batchIndices(step: number, batchSize: number, count: number, seed: number, groupSize = 1): number[] {
  if (groupSize > 1) {
    const groups = batchIndices(step, batchSize / groupSize, count / groupSize, seed);
    return groups.flatMap((g) => Array.from({ length: groupSize }, (_, j) => g * groupSize + j));
  }
  const out: number[] = [];
  let epoch = -1;
  let order: number[] = [];
  for (let k = step * batchSize; k < (step + 1) * batchSize; k++) {
    const e = Math.floor(k / count);
    if (e !== epoch) {
      epoch = e;
      order = shuffle([...Array(count).keys()], createRng(`data:${seed}:epoch:${e}`));
    }
    out.push(order[k % count] as number);
  }
  return out;
}

interface Batch extends HostBatch {
  /** Per position: 1 where scored (completion). */
  scored: Float32Array;
  tasks: string[];
  /** Per position: index into tasks. */
  taskOf: Int32Array;
  positions: number;
}

/**
 * The loss weight of each scored token of each example in an optimizer batch: the example's weight over the
 * scored tokens of the batch ('token') or of the example's task in the batch ('task').
 */
export function tokenLossWeights(
  examples: ReadonlyArray<{ weight: number; task: string; scoredTokens: number }>,
  normalization: LossNormalization = 'token',
): number[] {
  const total = examples.reduce((n, e) => n + e.scoredTokens, 0);
  const byTask = new Map<string, number>();
  for (const e of examples) byTask.set(e.task, (byTask.get(e.task) ?? 0) + e.scoredTokens);
  return examples.map((e) => e.weight / Math.max(1, normalization === 'task' ? (byTask.get(e.task) as number) : total));
}

/**
 * Pads to the longest sequence (rounded up to a multiple of 8) with the pad token; padding is not scored.
 * `weights` holds, per position, the example's token weight where scored and 0 elsewhere.
 */
function makeBatch(examples: readonly EncodedExample[], padId: number, tokenWeights: readonly number[], contextLength: number): Batch {
  const longest = Math.max(...examples.map((e) => e.ids.length - 1));
  const T = Math.min(contextLength, Math.ceil(longest / 8) * 8);
  const B = examples.length;
  const tokens = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(padId);
  const weights = new Float32Array(B * T);
  const scored = new Float32Array(B * T);
  const taskOf = new Int32Array(B * T).fill(-1);
  const tasks: string[] = [];
  examples.forEach((example, b) => {
    let task = tasks.indexOf(example.task);
    if (task < 0) task = tasks.push(example.task) - 1;
    for (let t = 0; t < example.ids.length - 1; t++) {
      tokens[b * T + t] = example.ids[t] as number;
      targets[b * T + t] = example.ids[t + 1] as number;
      if (t + 1 >= example.completionStart) {
        scored[b * T + t] = 1;
        weights[b * T + t] = tokenWeights[b] as number;
        taskOf[b * T + t] = task;
      }
    }
  });
  return { B, T, tokens, targets, weights, scored, tasks, taskOf, positions: B * T };
}

function scoredTokens(example: EncodedExample): number {
  return example.ids.length - example.completionStart;
}

/** Sums of nll and counts per task, from per-position nll. */
class TaskLosses {
  private readonly sums = new Map<string, { nll: number; n: number }>();

  add(batch: Batch, nll: Float32Array): void {
    for (let i = 0; i < nll.length; i++) {
      const task = batch.taskOf[i] as number;
      if (task < 0) continue;
      const name = batch.tasks[task] as string;
      const entry = this.sums.get(name) ?? { nll: 0, n: 0 };
      entry.nll += nll[i] as number;
      entry.n += 1;
      this.sums.set(name, entry);
    }
  }

  means(): Record<string, number> {
    return Object.fromEntries([...this.sums].sort().map(([task, { nll, n }]) => [task, nll / n]));
  }
}

type Scores = { nll: Float32Array; hits: Uint8Array };

/**
 * Validation of examples in micro-batches: `score` gives each batch's per-token nll and argmax hits. The loss
 * is the weighted mean of the token losses ('token') or of the per-task token means, weighted by the tasks'
 * mean weights ('task').
 */
function* evaluation(
  examples: readonly EncodedExample[],
  padId: number,
  microBatchSize: number,
  lossNormalization: LossNormalization,
  contextLength: number,
): Generator<Batch, { loss: number; accuracy: number; byTask: Record<string, number> }, Scores> {
  // 'task': each token weighs w / (the task's scored tokens in the whole set), then the weighted mean.
  const weights = tokenLossWeights(examples.map((e) => ({ weight: e.weight, task: e.task, scoredTokens: scoredTokens(e) })), lossNormalization);
  const scale = lossNormalization === 'task' ? weights : examples.map((e) => e.weight);
  let weighted = 0;
  let weightSum = 0;
  let correct = 0;
  let scored = 0;
  const byTask = new TaskLosses();
  for (let start = 0; start < examples.length; start += microBatchSize) {
    const chunk = examples.slice(start, start + microBatchSize);
    const batch = makeBatch(chunk, padId, scale.slice(start, start + microBatchSize), contextLength);
    const { nll, hits } = yield batch;
    const w = batch.weights;
    for (let i = 0; i < nll.length; i++) {
      if (!batch.scored[i]) continue;
      weighted += (w[i] as number) * (nll[i] as number);
      weightSum += w[i] as number;
      correct += hits[i] as number;
      scored += 1;
    }
    byTask.add(batch, nll);
  }
  return { loss: weightSum > 0 ? weighted / weightSum : NaN, accuracy: scored > 0 ? correct / scored : NaN, byTask: byTask.means() };
}

async function evaluateWith(engine: StepEngine, examples: readonly EncodedExample[], padId: number, microBatchSize: number, lossNormalization: LossNormalization, contextLength: number) {
  const run = evaluation(examples, padId, microBatchSize, lossNormalization, contextLength);
  let next = run.next();
  while (!next.done) next = run.next(await engine.score(next.value));
  return next.value;
}

/** Per-token nll and argmax hits of the tfjs model on a batch. */
function tfjsScores(model: LlamaModel, batch: Batch): Scores {
  const [nll, hits] = tf.tidy(() => {
    const logits = model.logits(tf.tensor2d(batch.tokens, [batch.B, batch.T], 'int32'));
    const targets = tf.tensor1d(batch.targets, 'int32');
    return [tokenNll(logits, targets).dataSync() as Float32Array, tf.equal(tf.argMax(logits, 1), targets).dataSync() as Uint8Array];
  });
  return { nll, hits };
}

/**
 * Weighted loss and accuracy of the (tfjs) model on examples, without gradients. The loss is the weighted mean
 * of the token losses ('token') or of the per-task token means, weighted by the tasks' mean weights ('task').
 */
export function evaluate(
  model: LlamaModel,
  examples: readonly EncodedExample[],
  padId: number,
  microBatchSize: number,
  lossNormalization: LossNormalization = 'token',
): { loss: number; accuracy: number; byTask: Record<string, number> } {
  const run = evaluation(examples, padId, microBatchSize, lossNormalization, model.config.contextLength);
  let next = run.next();
  while (!next.done) next = run.next(tfjsScores(model, next.value));
  return next.value;
}

// ---------------------------------------------------------------------------------------------------------
// The two backends behind one interface: parameters, summed gradients and AdamW moments.
// ---------------------------------------------------------------------------------------------------------

interface StepEngine {
  /** Forward and backward of one micro-batch; gradients are summed until update(). */
  accumulate(batch: Batch): Promise<{ loss: number; nll: Float32Array }>;
  /** Clips the summed gradients' global norm (0 = off), one AdamW step (step from 1), clears them; the norm before clipping. */
  update(learningRate: number, step: number, clipNorm: number): number;
  score(batch: Batch): Promise<Scores>;
  /** Current weights (Hugging Face names, parameterShapes order). */
  weights(): Map<string, Float32Array>;
  /** AdamW moments of a parameter. */
  moments(name: string): { m: Float32Array; v: Float32Array };
  setMoments(name: string, m: Float32Array, v: Float32Array): void;
  /** Shown in config.json's apprentice.engine. */
  readonly description: string;
  dispose(): Promise<void>;
}

type AdamWSettings = { beta1: number; beta2: number; weightDecay: number };

async function onnxEngine(config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>, adam: AdamWSettings, threads?: number): Promise<StepEngine> {
  let loaded: [typeof import('./onnx/trainer.js'), typeof import('onnxruntime-node')];
  try {
    loaded = await Promise.all([import('./onnx/trainer.js'), import('onnxruntime-node')]);
  } catch (error) {
    // The package ships binaries for linux x64/arm64, macOS arm64 and windows x64/arm64; elsewhere tfjs still trains.
    throw new Error(`the onnx training backend could not load ONNX Runtime (${error instanceof Error ? error.message : String(error)}); train with --backend tfjs`);
  }
  const [{ OnnxTrainer }, ort] = loaded;
  const trainer = await OnnxTrainer.create(config, weights, adam, threads);
  return {
    accumulate: (batch) => trainer.accumulate(batch),
    update: (learningRate, step, clipNorm) => trainer.update(learningRate, step, clipNorm),
    score: (batch) => trainer.score(batch),
    weights: () => trainer.params,
    moments: (name) => trainer.moments(name),
    setMoments: (name, m, v) => {
      const live = trainer.moments(name);
      live.m.set(m);
      live.v.set(v);
    },
    description: `onnxruntime ${ort.env.versions.common}, ${trainer.threads} thread${trainer.threads === 1 ? '' : 's'}`,
    dispose: () => trainer.release(),
  };
}

/** AdamW with decoupled weight decay (on matrices only, not on norm gains), on tfjs variables. */
class AdamW {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly weightDecay: number,
    private readonly eps = 1e-8,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false, `${p.name}/adam_m`));
      this.v.set(name, tf.variable(tf.zerosLike(p), false, `${p.name}/adam_v`));
    }
  }

  /** One update; `step` counts from 1 (bias correction). */
  apply(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number, step: number): void {
    const c1 = 1 - this.beta1 ** step;
    const c2 = 1 - this.beta2 ** step;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.mul(m, 1 / c1), tf.add(tf.sqrt(tf.mul(v, 1 / c2)), this.eps));
        const decay = p.rank >= 2 ? this.weightDecay : 0;
        const decayed = decay > 0 ? tf.mul(p, 1 - learningRate * decay) : p;
        p.assign(tf.sub(decayed, tf.mul(update, learningRate)));
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

async function tfjsEngine(config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>, adam: AdamWSettings): Promise<StepEngine> {
  const backend = await initBackend();
  const model = new LlamaModel(config, weights);
  const optimizer = new AdamW(model.params, adam.beta1, adam.beta2, adam.weightDecay);
  let grads: Map<string, tf.Tensor> | undefined;
  return {
    accumulate: async (batch) => {
      const tokens = tf.tensor2d(batch.tokens, [batch.B, batch.T], 'int32');
      const targets = tf.tensor1d(batch.targets, 'int32');
      const tokenWeights = tf.tensor1d(batch.weights, 'float32');
      let nll: tf.Tensor | undefined;
      const result = tf.variableGrads(() => {
        const perToken = tokenNll(model.logits(tokens), targets);
        nll = tf.keep(perToken);
        return tf.sum(tf.mul(perToken, tokenWeights)) as tf.Scalar;
      }, [...model.params.values()]);
      const loss = result.value.dataSync()[0] as number;
      const nllData = (nll as tf.Tensor).dataSync() as Float32Array;
      tf.dispose([result.value, nll as tf.Tensor, tokens, targets, tokenWeights]);
      const byParam = new Map([...model.params].map(([name, p]) => [name, result.grads[p.name] as tf.Tensor]));
      if (!grads) grads = byParam;
      else {
        const previous = grads;
        grads = new Map([...previous].map(([name, g]) => [name, tf.add(g, byParam.get(name) as tf.Tensor)]));
        tf.dispose([...previous.values(), ...byParam.values()]);
      }
      return { loss, nll: nllData };
    },
    update: (learningRate, step, clipNorm) => {
      let summed = grads as Map<string, tf.Tensor>;
      const gradNorm = tf.tidy(() => Math.sqrt(tf.addN([...summed.values()].map((g) => tf.sum(tf.square(g)))).dataSync()[0] as number));
      if (clipNorm > 0 && gradNorm > clipNorm) {
        const scaled = new Map([...summed].map(([name, g]) => [name, tf.mul(g, clipNorm / (gradNorm + 1e-6))]));
        tf.dispose([...summed.values()]);
        summed = scaled;
      }
      optimizer.apply(summed, learningRate, step);
      tf.dispose([...summed.values()]);
      grads = undefined;
      return gradNorm;
    },
    score: async (batch) => tfjsScores(model, batch),
    weights: () => model.weights(),
    moments: (name) => ({ m: optimizer.m.get(name)!.dataSync() as Float32Array, v: optimizer.v.get(name)!.dataSync() as Float32Array }),
    setMoments: (name, m, v) => {
      const shape = model.params.get(name)!.shape;
      optimizer.m.get(name)!.assign(tf.tensor(m, shape));
      optimizer.v.get(name)!.assign(tf.tensor(v, shape));
    },
    description: `tfjs ${backend}`,
    dispose: async () => {
      if (grads) tf.dispose([...grads.values()]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------------------

export async function train(options: TrainOptions): Promise<TrainResult> {
  const backend = options.backend ?? 'onnx';
  if (!TRAIN_BACKENDS.includes(backend)) {
    throw new InputError(`the backend must be one of ${TRAIN_BACKENDS.join(', ')}`, { field: 'backend' });
  }
  const seed = options.seed ?? 0;
  const size = options.size ?? 'small';
  const batchSize = options.batchSize ?? 16;
  const microBatchSize = Math.min(options.microBatchSize ?? batchSize, batchSize);
  if (batchSize % microBatchSize !== 0) {
    throw new InputError(`the batch size ${batchSize} must be a multiple of the micro-batch size ${microBatchSize}`, { field: 'microBatch' });
  }
  const groupSize = options.groupSize ?? 1;
  if (!Number.isInteger(groupSize) || groupSize < 1 || batchSize % groupSize !== 0 || options.train.length % groupSize !== 0) {
    throw new InputError(`the group size ${groupSize} must divide the batch size ${batchSize} and the ${options.train.length} training examples`, { field: 'groupSize' });
  }
  const lossNormalization = options.lossNormalization ?? 'token';
  if (!LOSS_NORMALIZATIONS.includes(lossNormalization)) {
    throw new InputError(`the loss normalization must be one of ${LOSS_NORMALIZATIONS.join(', ')}`, { field: 'lossNormalization' });
  }
  const steps = options.steps;
  const peak = options.learningRate ?? 1e-3;
  const floor = options.minLearningRate ?? peak / 10;
  const warmup = options.warmupSteps ?? Math.min(100, Math.ceil(steps / 10));
  const evalEvery = options.evalEvery ?? Math.max(1, Math.round(steps / 10));
  const clipNorm = options.clipNorm ?? 1;
  if (options.train.length === 0) throw new InputError('there are no training examples', { field: 'data' });
  if (options.base !== undefined && options.initFrom !== undefined) {
    throw new InputError('give either a base to fine-tune or a checkpoint to warm-start from, not both', { field: 'base' });
  }
  const initDir = options.base ?? options.initFrom;
  const init = initDir === undefined ? undefined : await loadInit(initDir, options.outDir, options.base !== undefined ? 'base' : 'initFrom');
  const contextLength = options.contextLength ?? (options.base !== undefined ? Math.min(256, init!.checkpoint.config.contextLength) : init?.checkpoint.config.contextLength ?? 256);
  const format: PromptFormat = options.promptFormat ?? (!init
    ? RAW_FORMAT
    : options.base !== undefined
    ? defaultPromptFormat(init.checkpoint.tokenizer)
    : parsePromptFormat(init.checkpoint.info.promptFormat, join(initDir!, 'config.json')));

  const identity = sha256Hex(
    canonicalJson({
      train: options.train.map(({ prompt, completion, weight, task }) => [prompt, completion, weight, task]),
      validation: options.validation.map(({ prompt, completion, weight, task }) => [prompt, completion, weight, task]),
      size: options.initFrom !== undefined && options.size === undefined ? 'checkpoint' : size, model: options.model, vocabSize: options.vocabSize, contextLength, steps, batchSize, peak, floor, warmup,
      weightDecay: options.weightDecay, beta1: options.beta1, beta2: options.beta2, clipNorm, evalEvery, seed,
      // Only when not the default, so runs started before the option existed still resume.
      ...(lossNormalization === 'token' ? {} : { lossNormalization }),
      ...(init && options.initFrom !== undefined ? { initFrom: init.fingerprint } : {}),
      ...(init && options.base !== undefined ? { base: init.fingerprint } : {}),
      ...(format.type === 'raw' ? {} : { promptFormat: format }),
      ...(groupSize === 1 ? {} : { groupSize }),
      ...(options.selectOnTask === undefined ? {} : { selectOnTask: options.selectOnTask }),
    }),
  );
  const stateDir = join(options.outDir, STATE_DIR);
  let state: TrainState | undefined;
  if (options.restart) await rm(stateDir, { recursive: true, force: true });
  else state = await readState(stateDir, identity);
  await mkdir(stateDir, { recursive: true });

  // 1. Data.
  const tokenizer = init
    ? init.checkpoint.tokenizer
    : state
    ? await Tokenizer.loadTokenizerJson(join(options.outDir, TOKENIZER_JSON))
    : trainTokenizer(tokenizerCorpus(options.train), { vocabSize: options.vocabSize ?? MODEL_SIZES[size].vocabSize, minFrequency: 2 });
  // A trained BPE is saved now, so that a killed run resumes with it.
  if (!state && tokenizer instanceof Tokenizer) await tokenizer.saveTokenizerJson(join(options.outDir, TOKENIZER_JSON));
  checkPromptFormat(format, tokenizer);
  const trainSet = options.train.map((e) => encodeExample(e, tokenizer, contextLength, format));
  const validationSet = options.validation
    .slice(0, options.maxValidationExamples ?? 512)
    .map((e) => encodeExample(e, tokenizer, contextLength, format));

  // 2. Model (and optimizer).
  const config: LlamaConfig = init
    ? initConfig(init.checkpoint, options, contextLength, options.base !== undefined)
    : { ...configForSize(size, tokenizer.vocabSize, contextLength), ...options.model, vocabSize: tokenizer.vocabSize, contextLength };
  const weights = state
    ? await readStateWeights(join(stateDir, state.files?.model ?? 'model.safetensors'))
    : init
    ? init.checkpoint.weights
    : initialWeights(config, seed);
  const adam = { beta1: options.beta1 ?? 0.9, beta2: options.beta2 ?? 0.95, weightDecay: options.weightDecay ?? 0.1 };
  const engine = backend === 'onnx' ? await onnxEngine(config, weights, adam, options.threads) : await tfjsEngine(config, weights, adam);
  if (state) {
    const optimizerFile = join(stateDir, state.files?.optimizer ?? 'optimizer.safetensors');
    const { tensors } = await readSafetensors(optimizerFile);
    for (const { name } of parameterShapes(config)) {
      const [m, v] = [tensors.get(`m.${name}`), tensors.get(`v.${name}`)];
      if (!m || !v) throw new InputError(`optimizer state ${m ? 'v' : 'm'}.${name} is missing`, { file: optimizerFile });
      engine.setMoments(name, m.data, v.data);
    }
  }
  state ??= {
    identity, step: 0, bestStep: 0, bestValidationLoss: null, bestValidationAccuracy: null,
    evalsWithoutImprovement: 0, stoppedEarly: false, history: [],
  };
  const resumedFrom = state.step;
  const info = {
    ...options.info, engine: `apprentice ${VERSION} (${engine.description})`, size: init && !options.size ? (init.checkpoint.info.size ?? null) : size, seed, steps, batchSize, learningRate: peak,
    trainExamples: trainSet.length, validationExamples: validationSet.length, lossNormalization,
    ...(options.initFrom !== undefined ? { initFrom: resolve(options.initFrom) } : {}),
    ...(options.base !== undefined ? { base: resolve(options.base) } : {}),
    promptFormat: format,
  };

  const saveBest = async (): Promise<void> => {
    await saveCheckpoint(options.outDir, { config, weights: engine.weights(), tokenizer, info: { ...info, step: state!.step, validationLoss: state!.bestValidationLoss } });
  };
  const saveState = async (): Promise<void> => {
    const current = engine.weights();
    const weights = new Map<string, SafetensorsTensor>();
    const moments = new Map<string, SafetensorsTensor>();
    for (const { name, shape } of parameterShapes(config)) {
      weights.set(name, { shape, data: current.get(name) as Float32Array });
      const { m, v } = engine.moments(name);
      moments.set(`m.${name}`, { shape, data: m });
      moments.set(`v.${name}`, { shape, data: v });
    }
    // Tensors under step-numbered names, then state.json (renamed into place) pointing at them, then the
    // old tensors go: a crash at any point leaves a state.json whose files are all there.
    const previous = state!.files;
    const files = { model: `model-${state!.step}.safetensors`, optimizer: `optimizer-${state!.step}.safetensors` };
    await writeSafetensors(join(stateDir, files.model), weights);
    await writeSafetensors(join(stateDir, files.optimizer), moments);
    state!.files = files;
    await writeFile(join(stateDir, 'state.json.tmp'), JSON.stringify(state, null, 2) + '\n');
    await rename(join(stateDir, 'state.json.tmp'), join(stateDir, 'state.json'));
    for (const file of previous ? [previous.model, previous.optimizer] : []) {
      if (file !== files.model && file !== files.optimizer) await rm(join(stateDir, file), { force: true });
    }
  };

  options.onEvent?.({
    type: 'start', step: state.step, steps, parameters: countParameters(config), trainExamples: trainSet.length,
    validationExamples: validationSet.length, truncated: trainSet.filter((e) => e.truncated).length,
  });

  // 3. Loop.
  const started = performance.now();
  let positions = 0;
  let intervalLoss = 0;
  let intervalSteps = 0;
  let intervalTasks = new TaskLosses();
  let lastTrainLoss = NaN;
  let lastTrainByTask: Record<string, number> = {};
  try {
    while (state.step < steps && !state.stoppedEarly) {
      const step = state.step;
      const learningRate = learningRateAt(step, steps, peak, floor, warmup);
      const indices = batchIndices(step, batchSize, trainSet.length, seed, groupSize);
      const examples = indices.map((i) => trainSet[i] as EncodedExample);
      const tokenWeights = tokenLossWeights(examples.map((e) => ({ weight: e.weight, task: e.task, scoredTokens: scoredTokens(e) })), lossNormalization);
      let loss = 0;
      for (let start = 0; start < examples.length; start += microBatchSize) {
        const batch = makeBatch(examples.slice(start, start + microBatchSize), tokenizer.padId, tokenWeights.slice(start, start + microBatchSize), contextLength);
        const result = await engine.accumulate(batch);
        if (!Number.isFinite(result.loss)) throw new TrainingDivergedError(step + 1, `the loss is ${result.loss}`, state.bestStep);
        loss += result.loss;
        intervalTasks.add(batch, result.nll);
        positions += batch.positions;
      }
      const gradNorm = engine.update(learningRate, step + 1, clipNorm);
      if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(step + 1, `the gradient norm is ${gradNorm}`, state.bestStep);
      state.step = step + 1;
      intervalLoss += loss;
      intervalSteps += 1;
      const elapsedSeconds = (performance.now() - started) / 1000;
      options.onEvent?.({ type: 'step', step: state.step, steps, loss, learningRate, gradNorm, tokensPerSecond: positions / elapsedSeconds, elapsedSeconds });

      // 4. Evaluate.
      if (state.step % evalEvery === 0 || state.step === steps) {
        lastTrainLoss = intervalLoss / intervalSteps;
        lastTrainByTask = intervalTasks.means();
        const record: Record<string, unknown> = { step: state.step, trainLoss: lastTrainLoss, trainLossByTask: lastTrainByTask, learningRate };
        let improved = true;
        if (validationSet.length > 0) {
          const result = await evaluateWith(engine, validationSet, tokenizer.padId, microBatchSize, lossNormalization, contextLength);
          // With selectOnTask, bestValidationLoss is that task's loss (the criterion), not the mixed one.
          const selectionLoss = options.selectOnTask === undefined ? result.loss : (result.byTask[options.selectOnTask] ?? result.loss);
          improved = state.bestValidationLoss === null || selectionLoss < state.bestValidationLoss - (options.minDelta ?? 0);
          if (improved) {
            state.bestValidationLoss = selectionLoss;
            state.bestValidationAccuracy = result.accuracy;
            state.evalsWithoutImprovement = 0;
          } else {
            state.evalsWithoutImprovement += 1;
          }
          Object.assign(record, { validationLoss: result.loss, validationAccuracy: result.accuracy, validationLossByTask: result.byTask });
          options.onEvent?.({ type: 'eval', step: state.step, validationLoss: result.loss, validationAccuracy: result.accuracy, improved, byTask: result.byTask });
          if (options.patience !== undefined && state.evalsWithoutImprovement >= options.patience) state.stoppedEarly = true;
        }
        if (improved) {
          state.bestStep = state.step;
          await saveBest();
        }
        state.history.push(record);
        intervalLoss = 0;
        intervalSteps = 0;
        intervalTasks = new TaskLosses();
        // 5. State.
        await saveState();
      }
    }
  } finally {
    await engine.dispose();
  }
  if (state.step === resumedFrom && state.history.length > 0) {
    const last = state.history[state.history.length - 1] as { trainLoss: number; trainLossByTask: Record<string, number> };
    lastTrainLoss = last.trainLoss;
    lastTrainByTask = last.trainLossByTask;
  }
  const elapsed = (performance.now() - started) / 1000;
  const best = state.history.find((h) => h.step === state!.bestStep) as { validationLossByTask?: Record<string, number> } | undefined;
  return {
    outDir: options.outDir,
    parameters: countParameters(config),
    config,
    steps: state.step,
    trainLoss: lastTrainLoss,
    validationLoss: state.bestValidationLoss,
    validationAccuracy: state.bestValidationAccuracy,
    bestStep: state.bestStep,
    stoppedEarly: state.stoppedEarly,
    tokensPerSecond: elapsed > 0 ? positions / elapsed : 0,
    trainLossByTask: lastTrainByTask,
    validationLossByTask: best?.validationLossByTask ?? {},
    resumedFrom,
  };
}

/** The checkpoint a warm start begins from, and a fingerprint of its weights and tokenizer (for the run identity). */
async function loadInit(dir: string, outDir: string, field: 'base' | 'initFrom'): Promise<{ checkpoint: Checkpoint; fingerprint: string }> {
  if (resolve(dir) === resolve(outDir)) {
    throw new InputError('a run cannot start from the checkpoint it writes; choose another --out', { field, file: dir });
  }
  if (field === 'base' && /\.gguf$/i.test(dir)) {
    throw new InputError(
      "fine-tuning a GGUF base is not supported yet (its tokenizer would have to be rebuilt from the GGUF metadata); give the model's Hugging Face folder",
      { field, file: dir },
    );
  }
  const checkpoint = await loadCheckpoint(dir);
  const fingerprint = sha256Hex(
    canonicalJson({
      weights: weightsDigest(dir),
      tokenizer: createHash('sha256').update(await readFile(join(dir, TOKENIZER_JSON))).digest('hex'),
      config: checkpoint.config,
    }),
  );
  return { checkpoint, fingerprint };
}

/**
 * The architecture of a warm start: the checkpoint's; what the options ask for (size, model overrides, context
 * length, vocabulary) must be the same, or an InputError names each difference.
 */
function initConfig(checkpoint: Checkpoint, options: TrainOptions, contextLength: number, isBase: boolean): LlamaConfig {
  const have = checkpoint.config;
  if (isBase) {
    // A base keeps its architecture; the sequence length may be shorter than its context.
    if (options.size || options.model) throw new InputError('a base keeps its own architecture: drop --size and model overrides', { field: 'base', file: options.base });
    if (contextLength > have.contextLength) {
      throw new InputError(`the sequence length ${contextLength} is longer than the base's context (${have.contextLength})`, { field: 'context', file: options.base });
    }
    return { ...have };
  }
  const asked: Partial<LlamaConfig> = {
    ...(options.size ? configForSize(options.size, have.vocabSize, contextLength) : {}),
    ...options.model,
    contextLength,
  };
  const differences: string[] = [];
  for (const [key, value] of Object.entries(asked) as Array<[keyof LlamaConfig, unknown]>) {
    if (key === 'vocabSize' || value === undefined || value === have[key]) continue;
    differences.push(`${key}: the checkpoint has ${String(have[key])}, the options ask for ${String(value)}`);
  }
  if (options.vocabSize !== undefined && options.vocabSize !== checkpoint.tokenizer.vocabSize) {
    differences.push(`vocabSize: the checkpoint's tokenizer has ${checkpoint.tokenizer.vocabSize} tokens, the options ask for ${options.vocabSize} (a warm start reuses the tokenizer)`);
  }
  if (differences.length) {
    throw new InputError(
      `the checkpoint to start from has another architecture than this run${options.size ? ` (size ${options.size})` : ''}: ${differences.join('; ')}`,
      { field: 'initFrom', file: options.initFrom },
    );
  }
  return { ...have };
}

async function readState(stateDir: string, identity: string): Promise<TrainState | undefined> {
  const file = join(stateDir, 'state.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined; // nothing to resume: start fresh
  }
  let state: TrainState;
  try {
    state = JSON.parse(text) as TrainState;
  } catch (error) {
    throw new InputError(`the training state is not valid JSON (${(error as Error).message}); delete it or pass --restart to start over`, { file });
  }
  const fields: Array<[keyof TrainState, string]> = [['identity', 'string'], ['step', 'number'], ['bestStep', 'number'], ['evalsWithoutImprovement', 'number'], ['stoppedEarly', 'boolean']];
  if (!state || typeof state !== 'object') throw new InputError('the training state is not a JSON object; delete it or pass --restart to start over', { file });
  for (const [key, type] of fields) {
    if (typeof state[key] !== type) throw new InputError(`expected a ${type}; delete the file or pass --restart to start over`, { file, field: key });
  }
  if (!Array.isArray(state.history)) throw new InputError('expected an array; delete the file or pass --restart to start over', { file, field: 'history' });
  if (state.identity !== identity) {
    throw new InputError(
      'this folder holds a run with different data or options; use another --out, or --restart to discard it and start over',
      { file },
    );
  }
  return state;
}

async function readStateWeights(file: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await readSafetensors(file);
  for (const [name, t] of tensors) assertFinite(name, t.data, file);
  return new Map([...tensors].map(([name, t]) => [name, t.data]));
}

/** Loads a finished checkpoint as a model (for scoring with tfjs, e.g. in tests and the bench). */
export async function loadModel(dir: string): Promise<{ model: LlamaModel; tokenizer: TextTokenizer }> {
  await initBackend();
  const checkpoint = await loadCheckpoint(dir);
  return { model: new LlamaModel(checkpoint.config, checkpoint.weights), tokenizer: checkpoint.tokenizer };
}

/** Removes the resumable state of a finished run (the checkpoint stays). */
export async function removeTrainingState(outDir: string): Promise<void> {
  await rm(join(outDir, STATE_DIR), { recursive: true, force: true });
}
