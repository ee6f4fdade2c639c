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
 * LoRA (`lora`, with a `base`): the base's weights stay frozen and only the adapters of ./lora.ts train (their
 * gradients alone, their AdamW moments alone); the checkpoint is the adapter and a reference to the base with
 * the digest of its weights (./checkpoint.ts), and the resumable state holds the adapters.
 *
 * The parts live in ./training/: batches.ts (data order, loss weights, padding, validation), init.ts (warm
 * start and base), state.ts (the resumable state), and the engines behind one interface (stepEngine.ts):
 * onnxEngine.ts (default) and tfjsEngine.ts.
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
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { InputError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { initBackend } from './backend.js';
import { defaultTrainBackend } from './trainBackendDefault.js';
import { loadCheckpoint, saveCheckpoint, saveLoraCheckpoint, TOKENIZER_JSON } from './checkpoint.js';
import { countLoraParameters, initialLoraWeights, loraConfig, trainableShapes, type LoraConfig } from './lora.js';
import { TrainingDivergedError } from './trainErrors.js';
import { configForSize, countParameters, initialWeights, LlamaModel, MODEL_SIZES, type LlamaConfig, type ModelSize } from './model.js';
import { Tokenizer, trainTokenizer } from './tokenizer.js';
import { LOSS_NORMALIZATIONS, TRAIN_BACKENDS, type LossNormalization, type TrainBackend } from './trainChoices.js';
import { encodeExample, tokenizerCorpus, type EncodedExample, type TrainingExample } from './trainingData.js';
import { checkPromptFormat, defaultPromptFormat, parsePromptFormat, RAW_FORMAT, type PromptFormat } from './tokenizers/promptFormat.js';
import type { TextTokenizer } from './tokenizers/textTokenizer.js';
import { batchIndices, evaluateWith, lengthOrder, makeBatch, scoredTokens, TaskLosses, tokenLossWeights } from './training/batches.js';
import { initConfig, loadInit } from './training/init.js';
import { onnxEngine } from './training/onnxEngine.js';
import { readSavedWeights, readState, restoreMoments, STATE_DIR, writeState, type TrainState } from './training/state.js';
import { tfjsEngine } from './training/tfjsEngine.js';

export { LOSS_NORMALIZATIONS, TRAIN_BACKENDS, type LossNormalization, type TrainBackend } from './trainChoices.js';
export { TrainingDivergedError } from './trainErrors.js';
export { batchIndices, tokenLossWeights } from './training/batches.js';
export { removeTrainingState } from './training/state.js';
export { evaluate } from './training/tfjsEngine.js';

/** What {@link train} trains: the data, the output folder, the model (size, base, LoRA) and the optimiser settings. */
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
  /**
   * Examples per forward/backward pass; the batch is split into batchSize / microBatchSize passes, formed by
   * length (each pads to its own longest; the summed gradient is the same).
   */
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
  /**
   * Also save the weights of every evaluated step as a checkpoint folder `<snapshotDir>/step-<n>/` (with LoRA, the
   * adapters, as the best checkpoint), for choosing among them by another criterion than the validation loss
   * (e.g. accuracy on held-out tasks) or serving them (a fine-tuning job's checkpoints). Default: none.
   */
  snapshotDir?: string;
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
  /**
   * Fine-tune the base with LoRA instead of all of its weights (onnx backend): adapters of `rank` on the
   * `targets` (default every projection: q, k, v, o, gate, up, down), scaled by alpha / rank (alpha default
   * rank), with `dropout` on their input (default 0). Part of the run identity.
   */
  lora?: { rank: number; alpha?: number; dropout?: number; targets?: readonly string[] };
  /** Default 'onnx' when onnxruntime-node is installed, else 'tfjs' (see TrainBackend). */
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

/** Progress of {@link train}: start, each step's loss, each evaluation, checkpoints and the end. */
export type TrainEvent =
  | {
      type: 'start';
      step: number;
      steps: number;
      parameters: number;
      trainableParameters: number;
      trainExamples: number;
      validationExamples: number;
      truncated: number;
    }
  | {
      type: 'step';
      step: number;
      steps: number;
      loss: number;
      learningRate: number;
      gradNorm: number;
      tokensPerSecond: number;
      elapsedSeconds: number;
      peakMemoryBytes: number;
    }
  | { type: 'eval'; step: number; validationLoss: number; validationAccuracy: number; improved: boolean; byTask: Record<string, number> };

/** What {@link train} produced: the checkpoint folder, parameter counts, losses and memory used. */
export interface TrainResult {
  outDir: string;
  parameters: number;
  /** The parameters that trained: all of them, or with LoRA the adapters'. */
  trainableParameters: number;
  /** Peak resident memory of this process so far (RSS high-water mark). */
  peakMemoryBytes: number;
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

/** Learning rate at a step: linear warmup to `peak`, then cosine decay to `floor` at `total`. */
export function learningRateAt(step: number, total: number, peak: number, floor: number, warmup: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
}

/** Trains a student on the CPU, from scratch or from a pretrained base (optionally with LoRA), into a checkpoint folder. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const backend = options.backend ?? (await defaultTrainBackend());
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
    throw new InputError(`the group size ${groupSize} must divide the batch size ${batchSize} and the ${options.train.length} training examples`, {
      field: 'groupSize',
    });
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
  const lora = options.lora ? loraConfig(options.lora) : undefined;
  if (lora && options.base === undefined) throw new InputError('LoRA fine-tunes a pretrained base: give --base', { field: 'loraRank' });
  if (lora && backend !== 'onnx') {
    const why = options.backend ? '' : ', and ONNX Runtime is not installed (npm install onnxruntime-node@1.30.0 --onnxruntime-node-install=skip)';
    throw new InputError(`LoRA trains on the onnx backend only${why}`, { field: 'backend' });
  }
  const initDir = options.base ?? options.initFrom;
  const init = initDir === undefined ? undefined : await loadInit(initDir, options.outDir, options.base !== undefined ? 'base' : 'initFrom');
  if (lora && init?.checkpoint.lora) {
    throw new InputError('this base is itself a LoRA run: export it merged (apprentice export --format hf) and fine-tune that folder', {
      field: 'base',
      file: options.base,
    });
  }
  const contextLength =
    options.contextLength ??
    (options.base !== undefined ? Math.min(256, init!.checkpoint.config.contextLength) : (init?.checkpoint.config.contextLength ?? 256));
  const format: PromptFormat =
    options.promptFormat ??
    (!init
      ? RAW_FORMAT
      : options.base !== undefined
        ? defaultPromptFormat(init.checkpoint.tokenizer)
        : parsePromptFormat(init.checkpoint.info.promptFormat, join(initDir!, 'config.json')));

  const identity = sha256Hex(
    canonicalJson({
      train: options.train.map(({ prompt, completion, weight, task }) => [prompt, completion, weight, task]),
      validation: options.validation.map(({ prompt, completion, weight, task }) => [prompt, completion, weight, task]),
      size: options.initFrom !== undefined && options.size === undefined ? 'checkpoint' : size,
      model: options.model,
      vocabSize: options.vocabSize,
      contextLength,
      steps,
      batchSize,
      peak,
      floor,
      warmup,
      weightDecay: options.weightDecay,
      beta1: options.beta1,
      beta2: options.beta2,
      clipNorm,
      evalEvery,
      seed,
      // Only when not the default, so runs started before the option existed still resume.
      ...(lossNormalization === 'token' ? {} : { lossNormalization }),
      ...(init && options.initFrom !== undefined ? { initFrom: init.fingerprint } : {}),
      ...(init && options.base !== undefined ? { base: init.fingerprint } : {}),
      ...(format.type === 'raw' ? {} : { promptFormat: format }),
      ...(groupSize === 1 ? {} : { groupSize }),
      ...(options.selectOnTask === undefined ? {} : { selectOnTask: options.selectOnTask }),
      ...(lora ? { lora } : {}),
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
  const validationEncoded = options.validation.slice(0, options.maxValidationExamples ?? 512).map((e) => encodeExample(e, tokenizer, contextLength, format));
  // Micro-batching forms micro-batches by length (lengthOrder), validation's too.
  const lengthSorted = microBatchSize < batchSize;
  const validationSet = lengthSorted ? lengthOrder(validationEncoded).map((i) => validationEncoded[i] as EncodedExample) : validationEncoded;

  // 2. Model (and optimizer).
  const config: LlamaConfig = init
    ? initConfig(init.checkpoint, options, contextLength, options.base !== undefined)
    : { ...configForSize(size, tokenizer.vocabSize, contextLength), ...options.model, vocabSize: tokenizer.vocabSize, contextLength };
  // The trainable parameters: every weight, or with LoRA the adapters on the frozen base.
  const trainable = state
    ? await readSavedWeights(stateDir, state)
    : lora
      ? initialLoraWeights(config, lora, seed)
      : init
        ? init.checkpoint.weights
        : initialWeights(config, seed);
  const adam = { beta1: options.beta1 ?? 0.9, beta2: options.beta2 ?? 0.95, weightDecay: options.weightDecay ?? 0.1 };
  const engine = lora
    ? await onnxEngine(config, init!.checkpoint.weights, adam, options.threads, { config: lora, adapters: trainable })
    : backend === 'onnx'
      ? await onnxEngine(config, trainable, adam, options.threads)
      : await tfjsEngine(config, trainable, adam);
  const trainableNames = trainableShapes(config, lora);
  if (state)
    await restoreMoments(
      stateDir,
      state,
      engine,
      trainableNames.map((p) => p.name),
    );
  state ??= {
    identity,
    step: 0,
    bestStep: 0,
    bestValidationLoss: null,
    bestValidationAccuracy: null,
    evalsWithoutImprovement: 0,
    stoppedEarly: false,
    history: [],
  };
  const resumedFrom = state.step;
  const info = {
    ...options.info,
    engine: `apprentice ${VERSION} (${engine.description})`,
    size: init && !options.size ? (init.checkpoint.info.size ?? null) : size,
    seed,
    steps,
    batchSize,
    learningRate: peak,
    trainExamples: trainSet.length,
    validationExamples: validationSet.length,
    lossNormalization,
    ...(options.initFrom !== undefined ? { initFrom: resolve(options.initFrom) } : {}),
    ...(options.base !== undefined ? { base: resolve(options.base) } : {}),
    promptFormat: format,
  };

  // The model as it is now: its weights, or with LoRA the adapters and a reference to the base.
  const saveModel = async (dir: string, stepInfo: Record<string, unknown>): Promise<void> => {
    const checkpoint = { config, tokenizer, info: { ...info, ...stepInfo } };
    if (lora) await saveLoraCheckpoint(dir, { ...checkpoint, lora: loraCheckpoint(lora, engine.weights(), options.base!, init!.weightsDigest) });
    else await saveCheckpoint(dir, { ...checkpoint, weights: engine.weights() });
  };
  const saveBest = (): Promise<void> => saveModel(options.outDir, { step: state!.step, validationLoss: state!.bestValidationLoss });
  const saveState = (): Promise<void> => writeState(stateDir, state!, engine, trainableNames);
  const trainableParameters = lora ? countLoraParameters(config, lora) : countParameters(config);

  options.onEvent?.({
    type: 'start',
    step: state.step,
    steps,
    parameters: countParameters(config),
    trainableParameters,
    trainExamples: trainSet.length,
    validationExamples: validationSet.length,
    truncated: trainSet.filter((e) => e.truncated).length,
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
      const drawn = indices.map((i) => trainSet[i] as EncodedExample);
      const examples = lengthSorted ? lengthOrder(drawn).map((i) => drawn[i] as EncodedExample) : drawn;
      const tokenWeights = tokenLossWeights(
        examples.map((e) => ({ weight: e.weight, task: e.task, scoredTokens: scoredTokens(e) })),
        lossNormalization,
      );
      let loss = 0;
      for (let start = 0; start < examples.length; start += microBatchSize) {
        const batch = makeBatch(
          examples.slice(start, start + microBatchSize),
          tokenizer.padId,
          tokenWeights.slice(start, start + microBatchSize),
          contextLength,
        );
        const result = await engine.accumulate(lora && lora.dropout > 0 ? { ...batch, dropoutSeed: dropoutSeed(seed, step, start) } : batch);
        if (!Number.isFinite(result.loss)) throw new TrainingDivergedError(step + 1, `the loss is ${result.loss}`, state.bestStep);
        loss += result.loss;
        intervalTasks.add(batch, result.nll);
        positions += batch.positions;
      }
      const gradNorm = await engine.update(learningRate, step + 1, clipNorm);
      if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(step + 1, `the gradient norm is ${gradNorm}`, state.bestStep);
      state.step = step + 1;
      intervalLoss += loss;
      intervalSteps += 1;
      const elapsedSeconds = (performance.now() - started) / 1000;
      options.onEvent?.({
        type: 'step',
        step: state.step,
        steps,
        loss,
        learningRate,
        gradNorm,
        tokensPerSecond: positions / elapsedSeconds,
        elapsedSeconds,
        peakMemoryBytes: peakMemoryBytes(),
      });

      // 4. Evaluate.
      if (state.step % evalEvery === 0 || state.step === steps) {
        lastTrainLoss = intervalLoss / intervalSteps;
        lastTrainByTask = intervalTasks.means();
        const record: Record<string, unknown> = { step: state.step, trainLoss: lastTrainLoss, trainLossByTask: lastTrainByTask, learningRate };
        let improved = true;
        if (validationSet.length > 0) {
          const result = await evaluateWith((batch) => engine.score(batch), validationSet, tokenizer.padId, microBatchSize, lossNormalization, contextLength);
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
          options.onEvent?.({
            type: 'eval',
            step: state.step,
            validationLoss: result.loss,
            validationAccuracy: result.accuracy,
            improved,
            byTask: result.byTask,
          });
          if (options.patience !== undefined && state.evalsWithoutImprovement >= options.patience) state.stoppedEarly = true;
        }
        if (improved) {
          state.bestStep = state.step;
          await saveBest();
        }
        if (options.snapshotDir !== undefined) {
          await saveModel(join(options.snapshotDir, `step-${state.step}`), { step: state.step });
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
    trainableParameters,
    peakMemoryBytes: peakMemoryBytes(),
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

/** The peak resident set size of this process (the kernel's high-water mark), in bytes. */
export function peakMemoryBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** The dropout seed of a micro-batch: a function of the run's seed, the step and the micro-batch, so resuming replays it. */
function dropoutSeed(seed: number, step: number, start: number): number {
  return Number.parseInt(sha256Hex(`lora-dropout:${seed}:${step}:${start}`).slice(0, 12), 16);
}

function loraCheckpoint(lora: LoraConfig, adapters: Map<string, Float32Array>, base: string, baseDigest: string | undefined) {
  if (baseDigest === undefined) throw new InputError('the base has no weights file to fingerprint', { field: 'base', file: base });
  return { config: lora, adapters, base: resolve(base), baseDigest };
}

/** Loads a finished checkpoint as a model (for scoring with tfjs, e.g. in tests and the bench). */
export async function loadModel(dir: string): Promise<{ model: LlamaModel; tokenizer: TextTokenizer }> {
  await initBackend();
  const checkpoint = await loadCheckpoint(dir);
  return { model: new LlamaModel(checkpoint.config, checkpoint.weights), tokenizer: checkpoint.tokenizer };
}
