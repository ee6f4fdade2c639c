/**
 * An evaluation, end to end: load the dataset, choose the examples, set up demonstrations and the
 * model, run every example into the run folder (resuming if it exists), and summarise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentDigest, datasetDigest } from '../data/digest.js';
import { loadDataset, type DatasetOptions } from '../data/load.js';
import { decodeUtf8 } from '../data/readers.js';
import { holdOutValidation, selectExamples } from '../data/split.js';
import { openStreamingSplit, type StreamingSplit } from '../data/streamingSplit.js';
import type { Dataset, Example, TaskDefinition } from '../data/types.js';
import { DemoIndex, selectDemos } from './demos.js';
import { oversizedInputCheck, refuseOversizedInputs } from './inputSize.js';
import type { ModelHub } from '../models/hub.js';
import { openRunDir, runIdFor, SUMMARY_FILE, type RunDirHandle } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';
import { answerPatternOption } from './extract/index.js';
import { redactSecrets } from '../util/redact.js';
import { VERSION } from '../version.js';
import { type DemoProvider, generationEvaluator, logprobChoiceEvaluator, predictionsEvaluator } from './evaluators.js';
import type { PromptStyle } from './prompts.js';
import type { ExampleRecord } from './records.js';
import { runExampleStream, runExamples, type ExampleEvaluator } from './runner.js';
import { summarizeRecords, type RunSummary } from './summary.js';
import type { LanguageModel } from '../models/types.js';
import type { ReadOptions } from './extract/index.js';

/** What {@link runEvalJob} evaluates: dataset, split, model, prompt style, sampling and the runs folder. */
export interface EvalJobConfig {
  dataset: string;
  datasetOptions: DatasetOptions;
  split: string;
  limit?: number;
  sample?: number;
  seed: number;
  /** Model spec; absent when scoring existing predictions. */
  model?: string;
  predictions?: string;
  style: PromptStyle;
  shots: number;
  demoSelection: 'random' | 'nearest';
  /** Split the demonstrations come from; never the evaluated split. */
  demoSplit: string;
  embedder: string;
  scoring: 'generate' | 'logprob';
  maxTokens: number;
  temperature: number;
  targetLogprob: boolean;
  /** Fraction of train held out as validation when the dataset has no validation split. */
  validationFraction: number;
  concurrency: number;
  runDir?: string;
  /** A human name for the run folder: `<runsRoot>/<name>-<12 hex of the identity>`; the identity is unaffected. */
  name?: string;
  runsRoot: string;
  /** A regular expression for final-answer statements the built-in markers do not cover (--answer-pattern). */
  answerPattern?: string;
  /**
   * A model asked its own way instead of `style`, `shots`, `maxTokens` and `temperature` (a distilled student: its
   * method's raw prompt, demonstrations, stops and token limit; distill/studentCard.ts). `identity` is folded into
   * the run's identity; `describe` is said on stderr with progress.
   */
  ownPrompt?: { identity: string; describe: string; evaluator: (model: LanguageModel, task: TaskDefinition, read: ReadOptions) => ExampleEvaluator };
}

/**
 * The `eval` command's defaults: a zero-shot, greedy evaluation of the test split, answers generated and
 * read. A caller that runs a fixed evaluation (fine-tuning's before/after, the quickstart's recorded
 * example) adds the dataset, the model or predictions, its concurrency and where runs go.
 */
export const EVAL_DEFAULTS = {
  datasetOptions: {},
  split: 'test',
  seed: 0,
  style: 'zero-shot',
  shots: 0,
  demoSelection: 'random',
  demoSplit: 'train',
  embedder: 'builtin',
  scoring: 'generate',
  maxTokens: 256,
  temperature: 0,
  targetLogprob: false,
  validationFraction: 0.1,
} as const satisfies Partial<EvalJobConfig>;

/** What {@link runEvalJob} returns: the run's summary (with its folder) and its records. */
export interface EvalJobResult {
  summary: RunSummary & { runDir: string; resumed: boolean; task: string; split: string; model: string | null };
  /** In example order; empty when the job ran with `keepRecords: false` and streamed (read records.jsonl instead). */
  records: ExampleRecord[];
}

/** How {@link runEvalJob} runs: progress display and whether the records are kept in memory. */
export interface EvalJobOptions {
  showProgress?: boolean;
  /**
   * false: the caller needs only the summary, so a single-file `jsonl:` split is evaluated as a stream (memory
   * bounded whatever its size) and `records` comes back empty; they are in the run folder's records.jsonl.
   */
  keepRecords?: boolean;
}

/** Evaluates a model on a dataset split into a resumable run folder, and returns its summary and records. */
export async function runEvalJob(config: EvalJobConfig, hub: ModelHub, options: EvalJobOptions = {}): Promise<EvalJobResult> {
  const finalAnswerPattern = answerPatternOption(config.answerPattern);
  if (options.keepRecords === false && canStream(config)) {
    const limit = config.limit ?? Number.POSITIVE_INFINITY;
    const refuseOversized = oversizedInputCheck(config.dataset, config.model);
    const split = await openStreamingSplit(config.dataset, config.datasetOptions, config.split, (example) => {
      if (example.index < limit) refuseOversized(example);
    });
    if (split) return runStreamingEvalJob(config, hub, split, { ...options, finalAnswerPattern });
  }
  const dataset = withValidation(await loadDataset(config.dataset, config.datasetOptions), config);
  const pool = dataset.splits[config.split];
  if (!pool) {
    throw new InputError(`split "${config.split}" not found; available: ${Object.keys(dataset.splits).join(', ')}`, {
      field: 'split',
    });
  }
  const examples = selectExamples(pool, { limit: config.limit, sample: config.sample, seed: config.seed });
  refuseOversizedInputs(examples, config.dataset, config.model);
  const own = config.model && !config.predictions ? config.ownPrompt : undefined;
  if (own && options.showProgress) process.stderr.write(`${config.model}: ${own.describe}\n`);
  const demosFor = own ? async () => [] : await demoProvider(dataset, config, hub);
  const predictions = config.predictions ? readPredictions(config.predictions, examples) : undefined;

  const identity = runIdentity(
    config,
    datasetDigest(dataset),
    examples.map((example) => example.index),
    predictions?.digest ?? null,
  );
  const dir = evalRunFolder(config, dataset.task.name, identity);
  const runDir = openRunDir<ExampleRecord>(dir, {
    identity,
    resolved: { command: 'eval', version: VERSION, task: dataset.task, source: dataset.source, config },
  });

  try {
    const evaluateOne = predictions
      ? predictionsEvaluator(dataset.task, predictions.outputs, config.style, demosFor, finalAnswerPattern)
      : own
        ? own.evaluator(await hub.model(config.model!), dataset.task, finalAnswerPattern ? { answerPattern: finalAnswerPattern } : {})
        : await modelEvaluator({ ...config, finalAnswerPattern }, dataset.task, hub, demosFor);
    const { evaluate, shouldStop } = stoppingAtBudget(evaluateOne);
    const { records } = await runExamples({
      examples,
      evaluate,
      runDir,
      shouldStop,
      concurrency: config.concurrency,
      progressLabel: `eval ${dataset.task.name}`,
      showProgress: options.showProgress,
    });
    return { summary: writeSummary(runDir, summarizeRecords(records, examples.length, config.seed), config, dataset.task.name), records };
  } finally {
    runDir.release();
  }
}

/**
 * Streamed only when nothing needs another split or the whole split at once (demonstrations, a sample, predictions, a
 * held-out validation) and the model is asked the ordinary way (a student's own prompt may carry demonstrations).
 */
function canStream(config: EvalJobConfig): boolean {
  const needsDemos = config.shots > 0 && (config.style === 'few-shot' || config.style === 'cot');
  const holdsOutValidation = config.split === 'train' && config.demoSplit === 'validation';
  const plainLimit = config.limit === undefined || (Number.isInteger(config.limit) && config.limit >= 0);
  return !needsDemos && !holdsOutValidation && plainLimit && config.sample === undefined && !config.predictions && !config.ownPrompt;
}

/** The evaluation of a single-file split read as a stream: same identity, folder, records and summary as the whole-file path. */
async function runStreamingEvalJob(
  config: EvalJobConfig,
  hub: ModelHub,
  split: StreamingSplit,
  options: EvalJobOptions & { finalAnswerPattern?: RegExp },
): Promise<EvalJobResult> {
  const total = Math.min(split.size, config.limit ?? split.size);
  const identity = runIdentity(
    config,
    split.digest,
    Array.from({ length: total }, (_, index) => index),
    null,
  );
  const dir = evalRunFolder(config, split.task.name, identity);
  const runDir = openRunDir<ExampleRecord>(dir, {
    identity,
    resolved: { command: 'eval', version: VERSION, task: split.task, source: split.source, config },
    streamExisting: true,
  });
  try {
    const evaluateOne = await modelEvaluator({ ...config, finalAnswerPattern: options.finalAnswerPattern }, split.task, hub, async () => []);
    const { evaluate, shouldStop } = stoppingAtBudget(evaluateOne);
    const { columns } = await runExampleStream({
      examples: split.examples(total),
      total,
      evaluate,
      runDir,
      shouldStop,
      concurrency: config.concurrency,
      progressLabel: `eval ${split.task.name}`,
      showProgress: options.showProgress,
    });
    return { summary: writeSummary(runDir, columns.summary(total, config.seed), config, split.task.name), records: [] };
  } finally {
    runDir.release();
  }
}

/** --run-dir, or a folder under the runs root named by the task and the model and identified by `identity`. */
function evalRunFolder(config: EvalJobConfig, taskName: string, identity: object): string {
  return config.runDir ?? join(config.runsRoot, runIdFor(config.name ?? `eval-${taskName}-${config.model ?? 'predictions'}`, identity));
}

/** The run's summary.json: its counts and what was evaluated (both evaluation paths write the same). */
function writeSummary(runDir: RunDirHandle<ExampleRecord>, counts: RunSummary, config: EvalJobConfig, taskName: string): EvalJobResult['summary'] {
  const summary = {
    ...counts,
    runDir: runDir.dir,
    resumed: runDir.resumed,
    task: taskName,
    split: config.split,
    model: config.model ? redactSecrets(config.model) : null,
  };
  runDir.writeJson(SUMMARY_FILE, summary);
  return summary;
}

/** Once the budget refuses a call, no new example is started; the rest stay missing until a rerun. */
function stoppingAtBudget(evaluateOne: (example: Example) => Promise<ExampleRecord>) {
  let budgetReached = false;
  return {
    evaluate: async (example: Example) => {
      const record = await evaluateOne(example);
      if (record.error?.kind === 'budget') budgetReached = true;
      return record;
    },
    shouldStop: () => budgetReached,
  };
}

/** Everything that changes an evaluation's result; a run folder resumes only with the same. */
function runIdentity(config: EvalJobConfig, datasetContent: string, examples: number[], predictionsContent: string | null) {
  return {
    dataset: config.dataset,
    datasetContent,
    datasetOptions: config.datasetOptions,
    split: config.split,
    examples,
    model: config.model ?? null,
    predictions: config.predictions ?? null,
    predictionsContent,
    style: config.style,
    shots: config.shots,
    demoSelection: config.demoSelection,
    demoSplit: config.demoSplit,
    embedder: config.shots > 0 && config.demoSelection === 'nearest' ? config.embedder : null,
    scoring: config.scoring,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    targetLogprob: config.targetLogprob,
    seed: config.seed,
    ...(config.answerPattern ? { answerPattern: config.answerPattern } : {}),
    ...(config.model && !config.predictions && config.ownPrompt ? { ownPrompt: config.ownPrompt.identity } : {}),
  };
}

async function modelEvaluator(config: EvalJobConfig & { finalAnswerPattern?: RegExp }, task: TaskDefinition, hub: ModelHub, demosFor: DemoProvider) {
  if (!config.model) throw new InputError('either --model or --predictions is required', { field: 'model' });
  const model = await hub.model(config.model);
  return config.scoring === 'logprob' ? logprobChoiceEvaluator(model, task, config.style, demosFor) : generationEvaluator(model, task, config, demosFor);
}

/** The dataset as an evaluation sees it: a validation split held out of train (seeded) when one is needed and missing. */
export function withValidation(dataset: Dataset, config: Pick<EvalJobConfig, 'split' | 'demoSplit' | 'validationFraction' | 'seed'>): Dataset {
  const needsValidation = config.split === 'validation' || config.demoSplit === 'validation';
  if (!needsValidation || dataset.splits.validation || !dataset.splits.train) return dataset;
  return holdOutValidation(dataset, { fraction: config.validationFraction, seed: config.seed });
}

async function demoProvider(dataset: Dataset, config: EvalJobConfig, hub: ModelHub): Promise<DemoProvider> {
  const needsDemos = config.shots > 0 && (config.style === 'few-shot' || config.style === 'cot');
  if (!needsDemos) return async () => [];
  if (config.demoSplit === config.split) {
    throw new InputError(`demonstrations must come from another split than the evaluated one ("${config.split}")`, {
      field: 'demo-split',
    });
  }
  const pool = dataset.splits[config.demoSplit];
  if (!pool?.length) {
    throw new InputError(`demo split "${config.demoSplit}" is missing or empty`, { field: 'demo-split' });
  }
  if (config.demoSelection === 'random') {
    return async (example: Example) => selectDemos(pool, example, config.shots, { strategy: 'random', seed: config.seed });
  }
  // The embedders (and their linear algebra) load only for nearest-neighbour demos.
  const { createEmbedder } = await import('../embed/index.js');
  const embedder = await createEmbedder(config.embedder, { models: hub });
  const index = await DemoIndex.build(pool, embedder);
  return async (example: Example) => index.nearestTo(example, config.shots);
}

/** `--predictions`: a JSONL of {index, output}; every evaluated example must have one. */
function readPredictions(path: string, examples: Example[]): { outputs: Map<number, string>; digest: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new InputError('cannot read predictions file', { file: path });
  }
  const text = decodeUtf8(bytes, path);
  const outputs = new Map<number, string>();
  const lineOf = new Map<number, number>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: path, line: i + 1 });
    }
    const record = row as { index?: unknown; output?: unknown };
    if (!Number.isInteger(record.index)) throw new InputError('missing or non-integer', { file: path, line: i + 1, field: 'index' });
    if (typeof record.output !== 'string') throw new InputError('missing or not a string', { file: path, line: i + 1, field: 'output' });
    const firstLine = lineOf.get(record.index as number);
    if (firstLine !== undefined) {
      throw new InputError(`index ${record.index} appears twice (first on line ${firstLine}); keep one prediction per example`, {
        file: path,
        line: i + 1,
        field: 'index',
      });
    }
    lineOf.set(record.index as number, i + 1);
    outputs.set(record.index as number, record.output);
  });
  const missing = examples.filter((example) => !outputs.has(example.index)).map((example) => example.index);
  if (missing.length) {
    throw new InputError(
      `no prediction for ${missing.length} evaluated example(s), indices ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`,
      { file: path },
    );
  }
  return { outputs, digest: contentDigest(text) };
}
