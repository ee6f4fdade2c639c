/**
 * `scale run`: a family of models, each evaluated on each task under each prompting, every
 * (model, task, prompting) evaluation an ordinary eval run folder (resumable, cached). The summaries
 * become score rows with their random baselines:
 *
 *   accuracy (<prompting>)      exact match of the extracted answer; invalid answers count as wrong,
 *                               failed calls are not scored (reported as errors, retried on resume)
 *   mc-grade (direct)           multiple-choice grade: the option with the highest log-probability,
 *                               for label and multiple-choice tasks, when the model gives log-probs
 *   bleu / rougeL (<prompting>) smooth metrics of free-text answers (BLEU 0-100, ROUGE-L F 0-1)
 *   logP(target) (<prompting>)  mean log P(gold answer | prompt) for answer-only promptings, when the
 *                               model gives log-probs
 *   edit similarity (<prompting>) for number and expression answers, 1 − token edit distance / length of
 *                               the extracted answer against gold (Schaeffer et al. 2023's smooth metric)
 */
import { join } from 'node:path';
import { loadDataset, type DatasetOptions } from '../data/load.js';
import { selectExamples } from '../data/split.js';
import type { Dataset } from '../data/types.js';
import { runEvalJob, withValidation, type EvalJobConfig } from '../eval/job.js';
import type { PromptStyle } from '../eval/prompts.js';
import { isModelError } from '../models/errors.js';
import type { ModelHub } from '../models/hub.js';
import { constantGuess, type ConstantGuess } from './constantGuess.js';
import type { FamilyModel } from './modelFamily.js';
import type { Prompting } from './promptings.js';
import type { ScoreRow } from './scoreRow.js';

export { PROMPTINGS, type Prompting } from './promptings.js';

const STYLE: Record<Prompting, PromptStyle> = {
  direct: 'zero-shot',
  'few-shot': 'few-shot',
  cot: 'cot',
  'zero-shot-cot': 'zero-shot-cot',
};

/** Metric names of the rows; the prompting goes in parentheses: `accuracy (cot)`. */
export const SCALE_METRICS = {
  accuracy: 'accuracy',
  choice: 'mc-grade',
  bleu: 'bleu',
  rougeL: 'rougeL',
  targetLogprob: 'logP(target)',
  editSimilarity: 'edit similarity',
} as const;

export function metricName(metric: string, prompting: string): string {
  return `${metric} (${prompting})`;
}

/** `accuracy (cot)` -> { metric: 'accuracy', prompting: 'cot' }; a name without parentheses is all metric. */
export function splitMetricName(name: string): { metric: string; prompting: string | null } {
  const match = /^(.*\S)\s+\(([^()]+)\)$/.exec(name);
  return match ? { metric: match[1] as string, prompting: match[2] as string } : { metric: name, prompting: null };
}

export interface ScaleRunConfig {
  models: readonly FamilyModel[];
  /** Dataset specs, or a spec with its own options (e.g. a task name per synthetic difficulty). */
  datasets: readonly (string | { spec: string; options: DatasetOptions })[];
  datasetOptions: DatasetOptions;
  prompting: readonly Prompting[];
  split: string;
  limit?: number;
  sample?: number;
  seed: number;
  /** Demonstrations for few-shot and cot. */
  shots: number;
  demoSplit: string;
  maxTokens: number;
  validationFraction: number;
  concurrency: number;
  /** Multiple-choice grade and log P(target) for models that give log-probabilities. */
  logprobMetrics: boolean;
  /** Run folders go to <outDir>/runs. */
  outDir: string;
  showProgress?: boolean;
}

export interface ScaleEvaluation {
  model: string;
  spec: string;
  params: number;
  task: string;
  dataset: string;
  prompting: Prompting;
  scoring: 'generate' | 'logprob';
  runDir: string;
  n: number;
  scored: number;
  accuracy: number | null;
  ci95: [number, number] | null;
  invalid: number;
  /** Outputs cut at a run-on example before reading (absent in folders written before it was counted). */
  cutOutputs?: number;
  errors: number;
  missing: number;
  metrics: Record<string, { mean: number; ci95: [number, number]; n: number }>;
}

export interface ScaleRunResult {
  rows: ScoreRow[];
  evaluations: ScaleEvaluation[];
  notes: string[];
}

export async function runScale(config: ScaleRunConfig, hub: ModelHub): Promise<ScaleRunResult> {
  const rows: ScoreRow[] = [];
  const evaluations: ScaleEvaluation[] = [];
  const notes: string[] = [];
  const logprobCapable = new Map<string, boolean>();
  for (const model of config.models) {
    if (!config.logprobMetrics) continue;
    const probe = await probeLogprobs(hub, model.spec);
    logprobCapable.set(model.spec, probe === true);
    if (probe !== true) notes.push(`${model.name}: no mc-grade or logP(target) rows (${probe})`);
  }

  const seenTasks = new Set<string>();
  for (const entry of config.datasets) {
    const datasetSpec = typeof entry === 'string' ? entry : entry.spec;
    const datasetOptions = typeof entry === 'string' ? config.datasetOptions : { ...config.datasetOptions, ...entry.options };
    const dataset = await loadDataset(datasetSpec, datasetOptions);
    // Two datasets of the same task (e.g. two synthetic specs) are told apart by their spec.
    const task = { ...dataset.task, name: seenTasks.has(dataset.task.name) ? datasetSpec : dataset.task.name };
    seenTasks.add(task.name);
    const promptings = config.prompting.filter((prompting) => {
      if (prompting !== 'cot') return true;
      const demos = dataset.splits[config.demoSplit] ?? [];
      const missing = demos.filter((example) => !example.rationale?.trim()).length;
      if (demos.length && missing === 0) return true;
      notes.push(
        demos.length
          ? `${task.name}: no chain-of-thought (cot) rows: ${missing} of ${demos.length} examples of split "${config.demoSplit}" have no rationale to demonstrate`
          : `${task.name}: no chain-of-thought (cot) rows: the demonstration split "${config.demoSplit}" is missing or empty`,
      );
      return false;
    });
    const { constantGuess: guessed, ...accuracyBaseline } = accuracyBaselineOf(withValidation(dataset, config), config);
    if (guessed && guessed.accuracy > 0) {
      const { guess, accuracy } = guessed;
      const what = dataset.task.answer.kind === 'label' ? 'the majority training label, above 1/labels' : 'the most common training answer';
      notes.push(
        `${task.name}: exact-match chance ${accuracy.toFixed(3)}, the accuracy of always answering "${guess}" (${what}); normalized scores use it as random`,
      );
    }
    const choiceTask = task.answer.kind === 'label' || task.answer.kind === 'multiple_choice';

    for (const model of config.models) {
      const capable = logprobCapable.get(model.spec) ?? false;
      const base = (prompting: Prompting, scoring: 'generate' | 'logprob'): EvalJobConfig => ({
        dataset: datasetSpec,
        datasetOptions,
        split: config.split,
        limit: config.limit,
        sample: config.sample,
        seed: config.seed,
        model: model.spec,
        style: STYLE[prompting],
        shots: prompting === 'few-shot' || prompting === 'cot' ? config.shots : 0,
        demoSelection: 'random',
        demoSplit: config.demoSplit,
        embedder: 'builtin',
        scoring,
        maxTokens: prompting === 'direct' || prompting === 'few-shot' ? Math.min(config.maxTokens, 64) : config.maxTokens,
        temperature: 0,
        targetLogprob: scoring === 'generate' && capable && (prompting === 'direct' || prompting === 'few-shot'),
        validationFraction: config.validationFraction,
        concurrency: config.concurrency,
        runsRoot: join(config.outDir, 'runs'),
      });
      const jobs: { prompting: Prompting; scoring: 'generate' | 'logprob' }[] = promptings.map((prompting) => ({ prompting, scoring: 'generate' }));
      if (choiceTask && capable) jobs.push({ prompting: 'direct', scoring: 'logprob' });

      for (const job of jobs) {
        const { summary } = await runEvalJob(base(job.prompting, job.scoring), hub, { showProgress: config.showProgress });
        const evaluation: ScaleEvaluation = {
          model: model.name,
          spec: model.spec,
          params: model.params,
          task: task.name,
          dataset: datasetSpec,
          prompting: job.prompting,
          scoring: job.scoring,
          runDir: summary.runDir,
          n: summary.n,
          scored: summary.scored,
          accuracy: summary.accuracy,
          ci95: summary.ci95,
          invalid: summary.invalid,
          cutOutputs: summary.cutOutputs,
          errors: summary.errors,
          missing: summary.missing,
          metrics: summary.metrics,
        };
        evaluations.push(evaluation);
        const what = `${model.name} on ${task.name} (${job.prompting}${job.scoring === 'logprob' ? ', log-prob ranking' : ''})`;
        if (summary.errors) notes.push(`${what}: ${summary.errors} failed call(s), not scored; run again to retry them`);
        if (summary.missing) notes.push(`${what}: ${summary.missing} example(s) not run`);
        const common = { model: model.name, params: model.params, task: task.name, ...(job.scoring === 'generate' ? { cutOutputs: summary.cutOutputs } : {}) };
        if (summary.accuracy !== null) {
          rows.push({
            ...common,
            metric: metricName(job.scoring === 'logprob' ? SCALE_METRICS.choice : SCALE_METRICS.accuracy, job.prompting),
            score: summary.accuracy,
            n: summary.scored,
            ...(summary.ci95 ? { ciLow: summary.ci95[0], ciHigh: summary.ci95[1] } : {}),
            ...accuracyBaseline,
          });
        } else notes.push(`${what}: nothing scored, no row`);
        if (job.scoring === 'logprob') continue;
        const smooth: [string, string, { random: number; max: number } | null][] = [
          ['bleu', SCALE_METRICS.bleu, { random: 0, max: 100 }],
          ['rougeL', SCALE_METRICS.rougeL, { random: 0, max: 1 }],
          ['targetLogprob', SCALE_METRICS.targetLogprob, null],
          ['editSimilarity', SCALE_METRICS.editSimilarity, { random: 0, max: 1 }],
        ];
        for (const [key, metric, baseline] of smooth) {
          const value = summary.metrics[key];
          if (!value) continue;
          rows.push({
            ...common,
            metric: metricName(metric, job.prompting),
            score: value.mean,
            n: value.n,
            ciLow: value.ci95[0],
            ciHigh: value.ci95[1],
            ...(baseline ?? { max: 0 }),
          });
        }
      }
    }
  }
  return { rows: withLogprobFloors(rows), evaluations, notes };
}

/**
 * Accuracy's chance level: for a k-label task the larger of 1/k and the majority training label's accuracy
 * (an imbalanced label set is "solved" to that level by a constant answer), the mean of 1/(number of choices) for a
 * multiple-choice task, and for numbers, expressions and free text the accuracy of always giving the
 * most common training answer on the evaluated examples (0 when there is no training split).
 */
function accuracyBaselineOf(
  dataset: Dataset,
  config: Pick<ScaleRunConfig, 'split' | 'limit' | 'sample' | 'seed'>,
): Pick<ScoreRow, 'random' | 'max' | 'labels'> & { constantGuess?: ConstantGuess } {
  const answer = dataset.task.answer;
  const evaluated = selectExamples(dataset.splits[config.split] ?? [], config);
  if (answer.kind === 'label') {
    const majority = constantGuess(answer, dataset.splits.train ?? [], evaluated);
    if (majority && majority.accuracy > 1 / answer.labels.length && majority.accuracy < 1)
      return { random: majority.accuracy, max: 1, constantGuess: majority };
    return { labels: answer.labels.length, max: 1 };
  }
  if (answer.kind === 'multiple_choice') {
    const withChoices = evaluated.filter((example) => example.choices?.length);
    if (withChoices.length) {
      const random = withChoices.reduce((sum, example) => sum + 1 / (example.choices?.length ?? 1), 0) / withChoices.length;
      return { random, max: 1 };
    }
    return { random: 0, max: 1 };
  }
  const guess = constantGuess(answer, dataset.splits.train ?? [], evaluated);
  // A guess that is always right leaves no range to normalize over; such a task measures nothing.
  if (!guess || guess.accuracy >= 1) return { random: 0, max: 1 };
  return { random: guess.accuracy, max: 1, constantGuess: guess };
}

/**
 * Log-probability has no chance level; its floor is the lowest mean log P(target) in the family on
 * that task and prompting (so normalized = 0 for the worst model, 100 for log P = 0, i.e. certainty).
 */
function withLogprobFloors(rows: ScoreRow[]): ScoreRow[] {
  const floors = new Map<string, number>();
  for (const row of rows) {
    if (!row.metric.startsWith(SCALE_METRICS.targetLogprob)) continue;
    const key = JSON.stringify([row.task, row.metric]);
    floors.set(key, Math.min(floors.get(key) ?? 0, row.score));
  }
  return rows.map((row) => {
    const floor = floors.get(JSON.stringify([row.task, row.metric]));
    if (floor === undefined) return row;
    // A family whose every model is certain (all 0) keeps a non-degenerate range.
    return { ...row, random: floor < 0 ? floor : -1, max: 0 };
  });
}

/**
 * One small log-prob call (through the hub, so cached) tells whether the model gives
 * log-probabilities: true, or why not.
 */
async function probeLogprobs(hub: ModelHub, spec: string): Promise<true | string> {
  const model = await hub.model(spec);
  if (!model.capabilities.logprob) return 'the provider gives no log-probabilities';
  try {
    await model.logprob({ messages: [{ role: 'user', content: 'Question: 1 + 1 = ?' }], continuation: ' 2' });
    return true;
  } catch (error) {
    if (isModelError(error)) return `the log-probability probe failed: ${error.kind}: ${error.message}`;
    throw error;
  }
}
