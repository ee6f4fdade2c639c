/**
 * `apprentice finetune`: fine-tune on an engine that trains on GPU clusters (`--on openai|together|fireworks`)
 * or on Apprentice's own fine-tuning API (`--on local`, a `serve --fine-tuning` server), resuming from its
 * state file when run again; or write the data and a ready recipe for TRL or Axolotl (`--export`).
 */
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import * as z from '../../util/zod.js';
import { InputError } from '../../util/errors.js';
import { common } from '../commonOptions.js';
import { defineCommand } from '../command.js';
import { createHub } from '../modelOptions.js';
import { option, type OptionValues } from '../options.js';
import { nonNegativeNumber, positiveInt, positiveNumber } from '../validate.js';

const finetuneOptions = {
  data: option('--data <file>', 'training data: JSON lines of {"messages": [...]} or {"prompt", "completion"} (validated as OpenAI does)', z.string().min(1), {
    required: true,
  }),
  on: option(
    '--on <engine>',
    'train on openai | together | fireworks | local (an `apprentice serve --fine-tuning` server)',
    z.enum(['openai', 'together', 'fireworks', 'local']).optional(),
  ),
  export: option(
    '--export <trainer>',
    'instead of training: write the data and a ready recipe for trl (SFTTrainer) or axolotl into --out',
    z.enum(['trl', 'axolotl']).optional(),
  ),
  model: option(
    '--model <base>',
    "the base model: the engine's name for it (e.g. gpt-4.1-mini-2025-04-14, tiny), or with --export a Hugging Face id",
    z.string().min(1),
    { required: true },
  ),
  suffix: option('--suffix <text>', "added to the fine-tuned model's name", z.string().min(1).optional()),
  epochs: option('--epochs <n>', "passes over the data (default: the engine's auto; 3 with --export)", positiveInt.optional()),
  budget: option('--budget <usd>', "refuse to submit when the estimated training cost (the engine's published price) is higher", nonNegativeNumber.optional()),
  pricePerMillion: option(
    '--price-per-million <usd>',
    'training price in dollars per million tokens, instead of the built-in table',
    nonNegativeNumber.optional(),
  ),
  state: option(
    '--state <file>',
    'where the job is recorded, so running the command again resumes polling it (default: runs/finetune/<engine>-<data>-<model>.json)',
    z.string().min(1).optional(),
  ),
  url: option('--url <baseURL>', "the engine's API base URL (default: its public endpoint; local: http://127.0.0.1:8080/v1)", z.string().url().optional()),
  account: option('--account <id>', 'Fireworks account id (default FIREWORKS_ACCOUNT_ID)', z.string().min(1).optional()),
  full: option('--full', 'train all weights instead of LoRA (together, --export)', z.boolean().optional()),
  loraRank: option('--lora-rank <n>', 'LoRA rank with --export', positiveInt, { default: '16' }),
  pollInterval: option('--poll-interval <seconds>', 'seconds between status checks', positiveNumber, { default: '30' }),
  evalDataset: option(
    '--eval-dataset <spec>',
    'when the job succeeds, evaluate the fine-tuned model on this dataset through the model layer',
    z.string().min(1).optional(),
  ),
  evalLimit: option('--eval-limit <n>', 'the first N test examples of --eval-dataset', positiveInt.optional()),
  validation: option(
    '--validation <file>',
    'validation data in the same format (uploaded beside --data, or written with the recipe)',
    z.string().min(1).optional(),
  ),
  batchSize: option('--batch-size <n>', 'examples per optimizer step (--export)', positiveInt, { default: '8' }),
  sequenceLength: option('--sequence-length <tokens>', 'longest training sequence (--export)', positiveInt, { default: '2048' }),
  out: { ...common.out, required: false, schema: z.string().min(1).optional(), help: 'folder for the data and recipe (--export)' },
  seed: { ...common.seed, help: 'training seed (--export)' },
  json: option('--json', 'print one JSON object with the result', z.boolean().optional()),
};

export function registerFinetune(program: Command): void {
  defineCommand(program, {
    name: 'finetune',
    description: 'fine-tune on a hosted engine (openai, together, fireworks) or a local `serve --fine-tuning` server, or export a TRL / Axolotl recipe',
    options: finetuneOptions,
    examples: [
      'apprentice finetune --on together --data train.jsonl --model meta-llama/Meta-Llama-3.1-8B-Instruct-Reference --budget 5',
      'apprentice finetune --on local --data train.jsonl --model tiny --eval-dataset grimoire:data/SST2',
      'apprentice finetune --export trl --data train.jsonl --model Qwen/Qwen2.5-0.5B-Instruct --out recipes/qwen',
    ],
    action: async (options) => {
      if ((options.on === undefined) === (options.export === undefined))
        throw new InputError('give either --on <engine> or --export <trainer>', { field: 'on' });
      if (options.export) return exportCommand(options as typeof options & { export: 'trl' | 'axolotl' });
      return hostedCommand(options as typeof options & { on: 'openai' | 'together' | 'fireworks' | 'local' });
    },
  });
}

type FinetuneOptions = OptionValues<typeof finetuneOptions>;

async function exportCommand(options: FinetuneOptions & { export: 'trl' | 'axolotl' }): Promise<void> {
  if (!options.out) throw new InputError('--export needs --out <dir>', { field: 'out' });
  const { exportRecipe } = await import('../../finetune/recipes/exportRecipe.js');
  const result = await exportRecipe({
    format: options.export,
    data: options.data,
    validation: options.validation,
    out: resolve(options.out),
    baseModel: options.model,
    epochs: options.epochs ?? 3,
    batchSize: options.batchSize,
    sequenceLength: options.sequenceLength,
    loraRank: options.full ? null : options.loraRank,
    seed: options.seed,
  });
  if (options.json) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stdout.write(`wrote ${result.files.join(', ')}\nto train, from ${resolve(options.out)}:\n  ${result.commands.join('\n  ')}\n`);
}

async function hostedCommand(options: FinetuneOptions & { on: 'openai' | 'together' | 'fireworks' | 'local' }): Promise<void> {
  const [{ createEngine, OPENAI_FINE_TUNING_CUTOFF }, { runHostedJob }, { trainingPrice }] = await Promise.all([
    import('../../finetune/hosted/engines.js'),
    import('../../finetune/hosted/run.js'),
    import('../../finetune/hosted/prices.js'),
  ]);
  if (options.on === 'openai') {
    process.stderr.write(
      `warning: OpenAI stops accepting new fine-tuning jobs on ${OPENAI_FINE_TUNING_CUTOFF}; --on together, fireworks or local take the same data\n`,
    );
  }
  const tablePrice = options.pricePerMillion === undefined ? trainingPrice(options.on, options.model, { lora: !options.full }) : undefined;
  if (options.budget !== undefined && tablePrice?.verifiedOn === null) {
    process.stderr.write(
      `warning: the budget check uses $${tablePrice.perMillion}/M tokens for ${options.model} on ${options.on}, a rate no stored copy of the provider's pricing page confirmed; check the page and give --price-per-million\n`,
    );
  }
  const { engine, baseUrl, apiKey } = createEngine({ name: options.on, baseUrl: options.url, account: options.account, lora: !options.full });
  const stateFile = resolve(
    options.state ??
      join('runs', 'finetune', `${options.on}-${basename(options.data).replace(/\.[^.]+$/, '')}-${options.model.replace(/[^A-Za-z0-9.-]+/g, '_')}.json`),
  );
  const result = await runHostedJob({
    engine,
    baseUrl,
    data: options.data,
    validation: options.validation,
    model: options.model,
    suffix: options.suffix,
    nEpochs: options.epochs,
    stateFile,
    budget: options.budget,
    pricePerMillion: options.pricePerMillion ?? tablePrice?.perMillion,
    pollIntervalMs: options.pollInterval * 1000,
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  const { status } = result;
  if (status.state !== 'succeeded') {
    throw new InputError(`the fine-tuning job ${result.jobId} ended ${status.state}${status.error ? `: ${status.error}` : ''}`, { file: stateFile });
  }
  const evaluation =
    options.evalDataset && status.model ? await evaluate(engine.modelSpec(status.model), options.evalDataset, options.evalLimit, apiKey) : undefined;
  const summary = {
    jobId: result.jobId,
    fineTunedModel: status.model,
    trainedTokens: status.trainedTokens,
    modelSpec: status.model ? engine.modelSpec(status.model) : null,
    stateFile,
    estimatedCostUsd: result.estimatedCostUsd,
    evaluation,
  };
  if (options.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    process.stdout.write(
      `fine-tuned model: ${status.model} (job ${result.jobId}${status.trainedTokens ? `, ${status.trainedTokens} trained tokens` : ''})\nuse it as: ${summary.modelSpec}\n`,
    );
    if (evaluation)
      process.stdout.write(
        `evaluation on ${options.evalDataset}: accuracy ${evaluation.accuracy === null ? '—' : evaluation.accuracy.toFixed(3)} over ${evaluation.scored} examples (${evaluation.runDir})\n`,
      );
  }
}

/** The fine-tuned model on the test split of a dataset, through the model layer (eval/job.ts). */
async function evaluate(spec: string, dataset: string, limit: number | undefined, apiKey: string) {
  const { EVAL_DEFAULTS, runEvalJob } = await import('../../eval/job.js');
  const hub = await createHub({
    concurrency: 4,
    parallel: 1,
    timeout: 120,
    retries: 4,
    apiKey,
    cache: undefined,
    rpm: undefined,
    tpm: undefined,
    budget: undefined,
    prices: undefined,
    record: undefined,
  });
  try {
    const { summary } = await runEvalJob({ ...EVAL_DEFAULTS, dataset, limit, model: spec, concurrency: 4, runsRoot: resolve('runs') }, hub);
    return { accuracy: summary.accuracy, scored: summary.scored, runDir: summary.runDir };
  } finally {
    await hub.close();
  }
}
