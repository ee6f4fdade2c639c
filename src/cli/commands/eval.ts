/** `apprentice eval`: evaluate a model (or existing predictions) on a dataset split. */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import type { RunSummary } from '../../eval/summary.js';
import { addDatasetOptions, datasetOptionsFrom, datasetSchema } from '../datasetOptions.js';
import { addModelLayerOptions, createHub, modelLayerSchema } from '../modelOptions.js';
import { nonNegativeInt, nonNegativeNumber, parseOptions, positiveInt } from '../validate.js';
import { formatSummaryTable } from '../format.js';

const schema = modelLayerSchema.merge(datasetSchema).extend({
  split: z.string(),
  limit: positiveInt.optional(),
  sample: positiveInt.optional(),
  seed: nonNegativeInt,
  model: z.string().optional(),
  predictions: z.string().optional(),
  prompt: z.enum(['zero-shot', 'few-shot', 'cot', 'zero-shot-cot']),
  shots: nonNegativeInt.optional(),
  demos: z.enum(['random', 'nearest']),
  demoSplit: z.string(),
  embedder: z.string(),
  scoring: z.enum(['generate', 'logprob']),
  maxTokens: positiveInt,
  temperature: nonNegativeNumber,
  targetLogprob: z.boolean().optional(),
  validationFraction: z.coerce.number().gt(0).lt(1),
  runDir: z.string().optional(),
  runs: z.string(),
  json: z.boolean().optional(),
  progress: z.boolean(),
});

export function registerEval(program: Command): void {
  const command = program
    .command('eval')
    .description('evaluate a model, or existing predictions, on a dataset split')
    .option('--split <name>', 'split to evaluate (validation is held out of train when absent)', 'test')
    .option('--limit <n>', 'the first N examples of the split, in file order')
    .option('--sample <n>', 'a seeded random subset of N examples (see --seed)')
    .option('--seed <n>', 'seed for sampling, demos, splits and bootstrap', '0')
    .option('--model <spec>', 'openai:<model>[@<baseURL>] | anthropic:<model> | gguf:<file> | builtin:<checkpoint dir> | replay:<file|dir>')
    .option('--predictions <file>', 'score a JSONL of {index, output} instead of calling a model')
    .option('--prompt <style>', 'zero-shot | few-shot | cot | zero-shot-cot', 'zero-shot')
    .option('--shots <k>', 'demonstrations for few-shot and cot (default 4)')
    .option('--demos <how>', 'random | nearest (k nearest neighbours of the question)', 'random')
    .option('--demo-split <name>', 'split the demonstrations come from', 'train')
    .option('--embedder <spec>', 'embedder for nearest demos: builtin or a model spec', 'builtin')
    .option('--scoring <how>', 'generate (extract the answer from text) | logprob (rank options by log-probability)', 'generate')
    .option('--max-tokens <n>', 'maximum tokens per completion', '256')
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', '0')
    .option('--target-logprob', 'also record log P(gold answer | prompt) per example')
    .option('--validation-fraction <f>', 'fraction of train held out as validation when needed', '0.1')
    .option('--run-dir <dir>', 'run folder (default: runs/<id derived from the arguments>)')
    .option('--runs <dir>', 'parent folder for run folders', 'runs')
    .option('--json', 'print one JSON object instead of a table')
    .option('--no-progress', 'no progress output');
  addDatasetOptions(command);
  addModelLayerOptions(command).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(schema, raw);
    const { runEvalJob } = await import('../../eval/job.js');
    const hub = await createHub(options);
    try {
      const { summary } = await runEvalJob(
        {
          dataset: options.dataset,
          datasetOptions: datasetOptionsFrom(options),
          split: options.split,
          limit: options.limit,
          sample: options.sample,
          seed: options.seed,
          model: options.model,
          predictions: options.predictions,
          style: options.prompt,
          shots: options.shots ?? (options.prompt === 'few-shot' || options.prompt === 'cot' ? 4 : 0),
          demoSelection: options.demos,
          demoSplit: options.demoSplit,
          embedder: options.embedder,
          scoring: options.scoring,
          maxTokens: options.maxTokens,
          temperature: options.temperature,
          targetLogprob: options.targetLogprob ?? false,
          validationFraction: options.validationFraction,
          concurrency: options.concurrency,
          runDir: options.runDir,
          runsRoot: resolve(options.runs),
        },
        hub,
        { showProgress: options.progress },
      );
      printSummary(summary, options.json ?? false);
      if (summary.errors > 0) {
        process.stderr.write(
          `${summary.errors} example(s) failed (${Object.entries(summary.errorsByKind).map(([k, v]) => `${k}: ${v}`).join(', ')}); ` +
            'they are not scored. Run the same command again to retry only them.\n',
        );
        process.exitCode = 3;
      }
      if (summary.missing > 0) {
        process.stderr.write(`${summary.missing} example(s) were not run (the budget was reached). Run again with a larger --budget to finish.\n`);
        process.exitCode = 3;
      }
    } finally {
      await hub.close();
    }
  });
}

function printSummary(summary: RunSummary & { runDir: string }, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify(summary) + '\n');
  else process.stdout.write(formatSummaryTable(summary) + '\n');
}
