/** `apprentice eval`: evaluate a model (or existing predictions) on a dataset split. */
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import type { EvalJobConfig } from '../../eval/job.js';
import type { RunSummary } from '../../eval/summary.js';
import { common, outputOptions, runFolderOptions, subsetOptions } from '../commonOptions.js';
import { datasetOptions, datasetOptionsFrom } from '../datasetOptions.js';
import { defineCommand } from '../command.js';
import { modelLayerOptions, withHub } from '../modelOptions.js';
import { configFrom, option } from '../options.js';
import { nonNegativeInt, share } from '../validate.js';
import { junitOption, reportGate, writeJUnit } from '../ciOutput.js';
import { formatSummaryTable } from '../format.js';

export const evalOptions = {
  split: { ...common.split, help: 'split to evaluate (validation is held out of train when absent)' },
  limit: { ...subsetOptions.limit, help: 'the first N examples of the split, in file order' },
  sample: { ...subsetOptions.sample, help: 'a seeded random subset of N examples (see --seed)' },
  seed: { ...common.seed, help: 'seed for sampling, demos, splits and bootstrap' },
  model: option(
    '--model <spec>',
    'openai:<model>[@<baseURL>] | anthropic:<model> | gguf:<file> | builtin:<checkpoint dir> | replay:<file|dir>',
    z.string().optional(),
    { to: 'model' },
  ),
  predictions: option('--predictions <file>', 'score a JSONL of {index, output} instead of calling a model', z.string().optional(), { to: 'predictions' }),
  promptStyle: option(
    '--prompt-style <style>',
    'zero-shot | few-shot | cot | zero-shot-cot (default zero-shot; a distilled student, builtin:<student dir>, is asked with its own prompt unless --prompt-style is given)',
    z.enum(['zero-shot', 'few-shot', 'cot', 'zero-shot-cot']).optional(),
    { deprecatedAlias: '--prompt' },
  ),
  shots: { ...common.shots, help: 'demonstrations for few-shot and cot (default 4)', schema: nonNegativeInt.optional(), default: undefined },
  demos: option('--demos <how>', 'random | nearest (k nearest neighbours of the question)', z.enum(['random', 'nearest']), {
    default: 'random',
    to: 'demoSelection',
  }),
  demoSplit: common.demoSplit,
  embedder: common.embedder,
  scoring: option('--scoring <how>', 'generate (extract the answer from text) | logprob (rank options by log-probability)', z.enum(['generate', 'logprob']), {
    default: 'generate',
    to: 'scoring',
  }),
  maxTokens: common.maxTokens,
  temperature: common.temperature,
  targetLogprob: option('--target-logprob', 'also record log P(gold answer | prompt) per example', z.boolean().default(false), { to: 'targetLogprob' }),
  validationFraction: common.validationFraction,
  answerPattern: common.answerPattern,
  failUnder: option('--fail-under <accuracy>', 'CI gate: exit 5 when the accuracy is below this (0.8 or 80%)', share.optional()),
  junit: junitOption,
  ...runFolderOptions,
  ...outputOptions,
  ...datasetOptions,
  ...modelLayerOptions,
};

/** The own prompt of a `builtin:<student dir>` that carries a distilled student's card (distill/studentCard.ts). */
async function studentPromptOf(model: string): Promise<EvalJobConfig['ownPrompt']> {
  // Only a builtin: model can have a card: other models do not load the distillation modules at all.
  const { parseModelSpec } = await import('../../models/spec.js');
  if (parseModelSpec(model).provider !== 'builtin') return undefined;
  const { STUDENT_CARD_FILE, studentCardOfModel, studentEvaluator } = await import('../../distill/studentCard.js');
  const card = studentCardOfModel(model);
  if (!card) return undefined;
  const { canonicalJson, sha256Hex } = await import('../../util/canonicalJson.js');
  return {
    identity: sha256Hex(canonicalJson(card)).slice(0, 16),
    describe: `a distilled student (${card.method}), asked with its own prompt (${STUDENT_CARD_FILE}); --prompt-style asks it otherwise`,
    evaluator: (languageModel, task, read) => studentEvaluator(languageModel, task, card, read),
  };
}

export function registerEval(program: Command): void {
  defineCommand(program, {
    name: 'eval',
    description: 'evaluate a model, or existing predictions, on a dataset split',
    options: evalOptions,
    examples: [
      'apprentice eval --dataset svamp:data/svamp --model openai:gpt-4o-mini --prompt-style cot --limit 50',
      'apprentice eval --dataset jsonl:reviews.jsonl --labels negative,positive --predictions predictions.jsonl --json',
      'apprentice eval --config eval.yaml',
      'apprentice eval --dataset jsonl:reviews.jsonl --labels negative,positive --predictions predictions.jsonl --fail-under 80% --junit eval.xml',
    ],
    action: async (options) => {
      const { runEvalJob } = await import('../../eval/job.js');
      // A distilled student is asked as its sweep asked it, unless --prompt-style says otherwise.
      const ownPrompt = options.promptStyle === undefined && options.model && !options.predictions ? await studentPromptOf(options.model) : undefined;
      await withHub(options, async (hub) => {
        const { summary } = await runEvalJob(
          {
            ...configFrom(evalOptions, options),
            style: options.promptStyle ?? 'zero-shot',
            ...(ownPrompt ? { ownPrompt } : {}),
            datasetOptions: datasetOptionsFrom(options),
            shots: options.shots ?? (options.promptStyle === 'few-shot' || options.promptStyle === 'cot' ? 4 : 0),
          },
          hub,
          { showProgress: options.progress, keepRecords: false },
        );
        printSummary(summary, options.json ?? false);
        if (summary.errors > 0) {
          process.stderr.write(
            `${summary.errors} example(s) failed (${Object.entries(summary.errorsByKind)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')}); ` + 'they are not scored. Run the same command again to retry only them.\n',
          );
          process.exitCode = 3;
        }
        if (summary.missing > 0) {
          process.stderr.write(`${summary.missing} example(s) were not run (the budget was reached). Run again with a larger --budget to finish.\n`);
          process.exitCode = 3;
        }
        await applyCiOutputs(summary, options.failUnder, options.junit);
      });
    },
  });
}

function printSummary(summary: RunSummary & { runDir: string }, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify(summary) + '\n');
  else process.stdout.write(formatSummaryTable(summary) + '\n');
}

async function applyCiOutputs(
  summary: RunSummary & { runDir: string; task: string; split: string },
  failUnder: number | undefined,
  junit: string | undefined,
): Promise<void> {
  if (failUnder === undefined && junit === undefined) return;
  const { accuracyGate } = await import('../../eval/gates.js');
  const gate = failUnder === undefined ? undefined : accuracyGate(summary, failUnder);
  if (gate) reportGate(gate);
  if (junit === undefined) return;
  const { exampleCasesOf, gateCase } = await import('../../report/junit.js');
  const { RECORDS_FILE } = await import('../../runs/runDir.js');
  const { join } = await import('node:path');
  const className = `${summary.task}.${summary.split}`;
  const { cases, tally } = await exampleCasesOf(join(summary.runDir, RECORDS_FILE), className, gate ? [gateCase(gate, className)] : []);
  await writeJUnit(junit, [
    {
      name: `apprentice eval ${summary.task} (${summary.split})`,
      cases,
      tally,
      properties: { runDir: summary.runDir, accuracy: summary.accuracy ?? 'none', scored: summary.scored },
    },
  ]);
}
