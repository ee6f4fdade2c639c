/** `apprentice train`: train a student with the built-in engine on {prompt, completion, weight?, task?} lines. */
import { resolve } from 'node:path';
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import { isModelSize, MODEL_SIZES } from '../../engine/sizes.js';
import type { TrainEvent } from '../../engine/train.js';
import { LORA_TARGETS } from '../../engine/lora.js';
import { LOSS_NORMALIZATIONS, TRAIN_BACKENDS } from '../../engine/trainChoices.js';
import { holdOut, readTrainingExamples } from '../../engine/trainingData.js';
import { InputError } from '../../util/errors.js';
import { createProgress, type Progress } from '../../util/progress.js';
import { common, outputOptions } from '../commonOptions.js';
import { defineCommand } from '../command.js';
import { configFrom, option } from '../options.js';
import { nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from '../validate.js';

const trainOptions = {
  data: option('--data <file>', 'JSON lines of {"prompt", "completion", "weight"?, "task"?}', z.string().min(1), { required: true }),
  validation: option('--validation <file>', 'validation lines in the same format (default: hold out --validation-fraction of --data)', z.string().optional()),
  validationFraction: {
    ...common.validationFraction,
    help: 'share of --data held out for validation when --validation is not given',
    schema: z.coerce.number().min(0).max(0.5),
    to: undefined,
  },
  size: option(
    '--size <name>',
    `model size: ${Object.entries(MODEL_SIZES)
      .map(([k, v]) => `${k} (dim ${v.dim}, ${v.nLayers} layers)`)
      .join(', ')} (default small; with --init-from, the checkpoint's)`,
    z
      .string()
      .refine(isModelSize, { message: `must be one of ${Object.keys(MODEL_SIZES).join(', ')}` })
      .optional(),
  ),
  initFrom: option(
    '--init-from <dir>',
    'warm start: begin from the weights and tokenizer of this checkpoint (same architecture; fresh optimizer and schedule)',
    z.string().min(1).optional(),
    { to: 'initFrom' },
  ),
  base: option(
    '--base <dir|file.gguf>',
    'fine-tune a pretrained model: its Hugging Face folder (config.json, safetensors, tokenizer.json) or a GGUF file; keeps its architecture, tokenizer and chat template',
    z.string().min(1).optional(),
    { to: 'base' },
  ),
  loraRank: option(
    '--lora-rank <r>',
    'fine-tune the --base with LoRA adapters of this rank (its weights stay frozen) instead of all of its weights',
    positiveInt.optional(),
  ),
  loraAlpha: option('--lora-alpha <alpha>', 'LoRA scaling numerator: the update is (alpha / rank) B A (default: the rank)', positiveNumber.optional()),
  loraDropout: option('--lora-dropout <p>', "dropout on the adapters' input while training", z.coerce.number().min(0).lt(1).optional()),
  loraTargets: option(
    '--lora-targets <list>',
    `comma-separated projections to adapt, of ${LORA_TARGETS.join(',')} (default: all)`,
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(LORA_TARGETS)).min(1))
      .optional(),
  ),
  steps: option('--steps <n>', 'optimizer steps', positiveInt, { required: true, to: 'steps' }),
  out: {
    ...common.out,
    help: 'checkpoint folder (config.json, model.safetensors, tokenizer.json; the resumable state in training/)',
    to: 'outDir' as const,
  },
  batchSize: option('--batch-size <n>', 'examples per optimizer step', positiveInt, { default: '16', to: 'batchSize' }),
  microBatch: option('--micro-batch <n>', 'examples per forward/backward pass (gradient accumulation; lowers memory)', positiveInt.optional(), {
    to: 'microBatchSize',
  }),
  lossNormalization: option(
    '--loss-normalization <mode>',
    'token: weighted mean over all completion tokens of the batch; task: per-task token means mixed by the weights (distilling step by step: alpha L_label + (1 - alpha) L_rationale)',
    z.enum(LOSS_NORMALIZATIONS as ['token', 'task']),
    { default: 'token', to: 'lossNormalization' },
  ),
  lr: option('--lr <rate>', 'peak learning rate (AdamW)', positiveNumber, { default: '0.001', to: 'learningRate' }),
  minLr: option('--min-lr <rate>', 'learning rate at the end of the cosine decay (default lr / 10)', nonNegativeNumber.optional(), { to: 'minLearningRate' }),
  warmup: option('--warmup <steps>', 'linear warmup steps (default min(100, steps / 10))', nonNegativeInt.optional(), { to: 'warmupSteps' }),
  weightDecay: option('--weight-decay <w>', 'AdamW decoupled weight decay on matrices', nonNegativeNumber, { default: '0.1', to: 'weightDecay' }),
  clip: option('--clip <norm>', 'clip the global gradient norm (0 = off)', nonNegativeNumber, { default: '1', to: 'clipNorm' }),
  context: option(
    '--context <tokens>',
    "sequence length; longer examples lose the start of their prompt (default 256; with --init-from, the checkpoint's)",
    positiveInt.optional(),
    { to: 'contextLength' },
  ),
  vocabSize: option(
    '--vocab-size <n>',
    "tokenizer vocabulary (default: the size's; with --init-from, the checkpoint's tokenizer is reused)",
    positiveInt.optional(),
    { to: 'vocabSize' },
  ),
  evalEvery: option('--eval-every <steps>', 'steps between validations and state saves (default steps / 10)', positiveInt.optional(), { to: 'evalEvery' }),
  patience: option('--patience <n>', 'stop after n validations without improvement', positiveInt.optional(), { to: 'patience' }),
  minDelta: option('--min-delta <loss>', 'smallest validation-loss drop that counts as an improvement', nonNegativeNumber.optional(), {
    default: '0',
    to: 'minDelta',
  }),
  seed: { ...common.seed, help: 'seed for initialisation, data order and the validation hold-out', schema: z.coerce.number().int() },
  backend: option(
    '--backend <name>',
    "onnx (ONNX Runtime's native CPU kernels; the default when onnxruntime-node is installed) or tfjs (WebAssembly)",
    z.enum(TRAIN_BACKENDS as ['onnx', 'tfjs']).optional(),
    { to: 'backend' },
  ),
  threads: option('--threads <n>', 'threads of the onnx backend (default: env APPRENTICE_THREADS, else the available cores)', positiveInt.optional(), {
    to: 'threads',
  }),
  resume: option('--resume', "continue the interrupted run in --out (the default whenever the same run's state is there)", z.boolean().optional()),
  restart: option('--restart', "discard the run's state in --out and start over", z.boolean().optional(), { to: 'restart' }),
  promptFormat: option(
    '--prompt-format <format>',
    "raw ([bos] prompt completion eos) or chat (the base tokenizer's chat template); default: the source's, else raw",
    z.enum(['raw', 'chat']).optional(),
  ),
  system: option('--system <text>', 'system prompt of the chat format (recorded; every path that runs the student adds it)', z.string().optional()),
  json: { ...outputOptions.json, help: 'print one JSON object with the results' },
};

export function registerTrain(program: Command): void {
  defineCommand(program, {
    name: 'train',
    description: 'train a small Llama-style student on your CPU with the built-in engine (ONNX Runtime or tfjs)',
    options: trainOptions,
    examples: [
      'apprentice train --data train.jsonl --steps 300 --out runs/student',
      'apprentice train --data train.jsonl --steps 300 --out runs/student --resume',
      'apprentice train --base models/SmolLM2-135M-Instruct --lora-rank 16 --lora-alpha 32 --data train.jsonl --steps 200 --out runs/lora',
    ],
    action: async (options) => {
      if (options.promptFormat === 'raw' && options.system !== undefined) throw new InputError('--system needs --prompt-format chat', { field: 'system' });
      const loraFlags = [options.loraAlpha, options.loraDropout, options.loraTargets].some((v) => v !== undefined);
      if (loraFlags && options.loraRank === undefined)
        throw new InputError('--lora-alpha, --lora-dropout and --lora-targets need --lora-rank', { field: 'loraRank' });
      const all = await readTrainingExamples(options.data);
      const split = options.validation
        ? { train: all, validation: await readTrainingExamples(options.validation) }
        : holdOut(all, options.validationFraction, options.seed);
      const { train } = await import('../../engine/train.js');
      const progress = trainProgress(options.json !== true);
      const result = await train({
        ...configFrom(trainOptions, options),
        train: split.train,
        validation: split.validation,
        size: options.size as keyof typeof MODEL_SIZES | undefined,
        ...(options.loraRank !== undefined
          ? { lora: { rank: options.loraRank, alpha: options.loraAlpha, dropout: options.loraDropout, targets: options.loraTargets } }
          : {}),
        ...(options.promptFormat || options.system !== undefined
          ? {
              promptFormat:
                options.promptFormat === 'raw'
                  ? { type: 'raw' as const }
                  : { type: 'chat' as const, ...(options.system !== undefined ? { system: options.system } : {}) },
            }
          : {}),
        info: {
          data: resolve(options.data),
          validation: options.validation ? resolve(options.validation) : null,
          ...(options.initFrom ? { initFrom: resolve(options.initFrom) } : {}),
          ...(options.base ? { base: resolve(options.base) } : {}),
        },
        onEvent: progress.onEvent,
      }).finally(progress.stop);
      const summary = {
        out: result.outDir,
        parameters: result.parameters,
        trainableParameters: result.trainableParameters,
        peakMemoryBytes: result.peakMemoryBytes,
        steps: result.steps,
        trainLoss: result.trainLoss,
        validationLoss: result.validationLoss,
        validationAccuracy: result.validationAccuracy,
        bestStep: result.bestStep,
        stoppedEarly: result.stoppedEarly,
        tokensPerSecond: result.tokensPerSecond,
        trainLossByTask: result.trainLossByTask,
        validationLossByTask: result.validationLossByTask,
        resumedFrom: result.resumedFrom,
        config: result.config,
      };
      if (options.json) {
        process.stdout.write(JSON.stringify(summary) + '\n');
        return;
      }
      const f = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : v.toFixed(4));
      process.stdout.write(
        [
          `checkpoint        ${result.outDir}`,
          `parameters        ${result.parameters.toLocaleString('en-US')}${result.trainableParameters !== result.parameters ? ` (${result.trainableParameters.toLocaleString('en-US')} trained: LoRA)` : ''}`,
          `steps             ${result.steps}${result.stoppedEarly ? ' (stopped early)' : ''}; best at step ${result.bestStep}`,
          `train loss        ${f(result.trainLoss)}`,
          `validation loss   ${f(result.validationLoss)}  (next-token accuracy ${result.validationAccuracy === null ? '—' : (100 * result.validationAccuracy).toFixed(1) + '%'})`,
          `tokens/s          ${Math.round(result.tokensPerSecond).toLocaleString('en-US')}`,
          `peak memory       ${(result.peakMemoryBytes / 2 ** 30).toFixed(2)} GiB (resident)`,
        ].join('\n') + '\n',
      );
    },
  });
}

/**
 * Progress on stderr through util/progress: steps done, steps/s, ETA, tokens/s and the loss (a bar on a
 * terminal, a line every few seconds otherwise), plus a line at the start and per validation.
 */
function trainProgress(enabled: boolean): { onEvent: (event: TrainEvent) => void; stop: () => void } {
  let progress: Progress | undefined;
  const stop = (): void => {
    progress?.stop();
    progress = undefined;
  };
  const onEvent = (event: TrainEvent): void => {
    if (!enabled) return;
    if (event.type === 'start') {
      process.stderr.write(
        `train: ${event.parameters.toLocaleString('en-US')} parameters${event.trainableParameters !== event.parameters ? ` (${event.trainableParameters.toLocaleString('en-US')} trained: LoRA)` : ''}, ${event.trainExamples} training / ${event.validationExamples} validation examples` +
          `${event.truncated ? `, ${event.truncated} cut to fit the context` : ''}` +
          `${event.step ? `; resuming the interrupted run at step ${event.step} (its state is in the --out folder; --restart starts over)` : ''}\n`,
      );
      progress = createProgress({ label: 'train', total: event.steps, initial: event.step, fields: 'tokens' });
    } else if (event.type === 'step') {
      progress?.tick({ tokensPerSecond: event.tokensPerSecond, loss: event.loss });
      if (event.step === event.steps) stop();
    } else {
      process.stderr.write(
        `train: step ${event.step} validation loss ${event.validationLoss.toFixed(4)}, accuracy ${(100 * event.validationAccuracy).toFixed(1)}%${event.improved ? ' (best, saved)' : ''}\n`,
      );
    }
  };
  return { onEvent, stop };
}
