/**
 * Teacher annotation by calling a model: every input of the chosen splits gets a few-shot
 * chain-of-thought prompt, `samples` completions (self-consistency when more than one), and an
 * AnnotationRecord in `<out>/<split>/records.jsonl`. Live calls go through the ModelHub (cache,
 * budget, limits, retries); `--batch-api` sends the same requests through the OpenAI Batch API
 * (batch.ts). A rerun of the same command resumes: finished inputs are kept, failed ones retried.
 */
import { join, resolve } from 'node:path';
import { datasetDigest } from '../data/digest.js';
import { refuseOversizedInputs } from '../eval/inputSize.js';
import { loadDataset, type DatasetOptions } from '../data/load.js';
import { holdOutValidation, selectExamples } from '../data/split.js';
import type { Dataset, Example } from '../data/types.js';
import { runExamples } from '../eval/runner.js';
import { answerPatternOption, promptLayout, type ReadOptions } from '../eval/extract/index.js';
import { QUESTION_FIELDS } from '../eval/prompts.js';
import type { ExampleRecord } from '../eval/records.js';
import { isModelError } from '../models/errors.js';
import type { ModelHub } from '../models/hub.js';
import type { GenerateRequest } from '../models/types.js';
import { openRunDir, type RunDirHandle, SUMMARY_FILE } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { annotationFromOutputs, type AnnotationRecord, failedAnnotation } from './annotation.js';
import { annotationStats, type AnnotationStats } from './stats.js';
import { type AnnotationManifest, writeManifest } from './store.js';
import { type DemoSet, readUserDemos, teacherPrompt, templateDemos } from './teacherPrompt.js';

/** What {@link annotateLive} annotates and how: the dataset and splits, the teacher, samples per input and the output folder. */
export interface AnnotateConfig {
  dataset: string;
  datasetOptions?: DatasetOptions;
  /** Splits to annotate (default: train). */
  splits: string[];
  limit?: number;
  sample?: number;
  seed: number;
  teacher: string;
  /** Completions per input; more than one is self-consistency. Default 1. */
  samples: number;
  /** Default 0 for one sample, 0.7 for several. */
  temperature?: number;
  maxTokens: number;
  /** A file of `{input, rationale, answer, choices?}` demos instead of the built-in template. */
  demos?: string;
  /** At most this many demos in the prompt. */
  shots?: number;
  concurrency: number;
  /** Share of train held out as validation when a validation split is asked for and the dataset has none. */
  validationFraction: number;
  out: string;
  showProgress?: boolean;
  /** A regular expression for final-answer statements the built-in markers do not cover (--answer-pattern). */
  answerPattern?: string;
}

/** What one split's annotation needs, shared by the live and Batch API paths. */
export interface SplitJob {
  split: string;
  examples: Example[];
  runDir: RunDirHandle<AnnotationRecord>;
  /** The request for one example: chat messages, stop strings and sampling. */
  request(example: Example): TeacherRequest;
  /** How the teacher's outputs for one example are read: the prompt's layout and any --answer-pattern. */
  read(example: Example): ReadOptions;
}

/** A generation request with every field annotation sets (the Batch API path writes the same fields). */
export type TeacherRequest = Required<Pick<GenerateRequest, 'messages' | 'stop' | 'maxTokens' | 'temperature' | 'n'>>;

/** What {@link annotateLive} wrote: the annotations folder, its manifest and per-split statistics. */
export interface AnnotateResult {
  out: string;
  teacher: string;
  method: 'live' | 'batch';
  splits: Record<string, AnnotationStats>;
  manifest: AnnotationManifest;
  /** Batch API: batches submitted and not finished (the command returned without waiting). */
  pending?: string[];
}

export interface PreparedAnnotation {
  dataset: Dataset;
  demos: DemoSet;
  temperature: number;
  jobs: SplitJob[];
  settings: Record<string, unknown>;
}

/** Loads the dataset and opens (or resumes) one annotation folder per split. */
export async function prepareAnnotation(config: AnnotateConfig, method: 'live' | 'batch'): Promise<PreparedAnnotation> {
  if (!Number.isInteger(config.samples) || config.samples < 1) throw new InputError('--samples must be a positive integer', { field: 'samples' });
  let dataset = await loadDataset(config.dataset, config.datasetOptions ?? {});
  if (config.splits.includes('validation') && !dataset.splits.validation && dataset.splits.train) {
    dataset = holdOutValidation(dataset, { fraction: config.validationFraction, seed: config.seed });
  }
  const demoSet = config.demos ? readUserDemos(config.demos, dataset.task) : templateDemos(dataset.task);
  const demos = { ...demoSet, demos: config.shots === undefined ? demoSet.demos : demoSet.demos.slice(0, config.shots) };
  const temperature = config.temperature ?? (config.samples > 1 ? 0.7 : 0);
  if (config.samples > 1 && temperature === 0) {
    throw new InputError('self-consistency needs sampling: --samples > 1 with --temperature 0 would give the same chain every time', {
      field: 'temperature',
    });
  }
  const answerPattern = answerPatternOption(config.answerPattern);
  const settings = { samples: config.samples, temperature, maxTokens: config.maxTokens, demos: demos.source, shots: demos.demos.length };
  const content = datasetDigest(dataset);
  const jobs: SplitJob[] = config.splits.map((split) => {
    const pool = dataset.splits[split];
    if (!pool) {
      throw new InputError(`split "${split}" not found; available: ${Object.keys(dataset.splits).join(', ')}`, { field: 'splits' });
    }
    const examples = selectExamples(pool, { limit: config.limit, sample: config.sample, seed: config.seed });
    refuseOversizedInputs(examples, config.dataset, config.teacher);
    // The same prompts and sampling make the same annotation, whichever path (live or batch) runs it.
    const identity = {
      dataset: dataset.source,
      datasetContent: content,
      datasetOptions: config.datasetOptions ?? {},
      split,
      examples: examples.map((example) => example.index),
      teacher: config.teacher,
      demos: demos.demos,
      samples: config.samples,
      temperature,
      maxTokens: config.maxTokens,
      ...(config.answerPattern ? { answerPattern: config.answerPattern } : {}),
    };
    const runDir = openRunDir<AnnotationRecord>(join(config.out, split), {
      identity,
      resolved: { command: `distill annotate (${method})`, version: VERSION, task: dataset.task, demoSource: demos.source, config },
    });
    return {
      split,
      examples,
      runDir,
      request: (example: Example) => {
        const built = teacherPrompt(dataset.task, example, demos.demos);
        return { messages: built.messages, stop: built.stop ?? [], maxTokens: config.maxTokens, temperature, n: config.samples };
      },
      read: (example: Example) => ({ layout: promptLayout(dataset.task, example, demos.demos, QUESTION_FIELDS), answerPattern }),
    };
  });
  return { dataset, demos, temperature, jobs, settings };
}

/** Statistics from the records on disk, written next to them and into the manifest. */
export function finishAnnotation(
  config: AnnotateConfig,
  prepared: PreparedAnnotation,
  method: 'live' | 'batch',
  records: Record<string, AnnotationRecord[]>,
): { splits: Record<string, AnnotationStats>; manifest: AnnotationManifest } {
  const splits: Record<string, AnnotationStats> = {};
  for (const job of prepared.jobs) {
    splits[job.split] = annotationStats(records[job.split] ?? [], job.examples.length, prepared.dataset.task);
    job.runDir.writeJson(SUMMARY_FILE, splits[job.split]);
  }
  const manifest = writeManifest(config.out, {
    task: prepared.dataset.task,
    dataset: prepared.dataset.source,
    method,
    teacher: config.teacher,
    settings: prepared.settings,
    splits,
  });
  return { splits, manifest };
}

/** Live annotation through the model layer. */
export async function annotateLive(config: AnnotateConfig, hub: ModelHub): Promise<AnnotateResult> {
  const prepared = await prepareAnnotation(config, 'live');
  const model = await hub.model(config.teacher);
  const task = prepared.dataset.task;
  const records: Record<string, AnnotationRecord[]> = {};
  for (const job of prepared.jobs) {
    let budgetReached = false;
    const evaluate = async (example: Example): Promise<AnnotationRecord> => {
      const request = job.request(example);
      const call = { prompt: request.messages, usage: { promptTokens: 0, completionTokens: 0 }, costUsd: 0, latencyMs: 0, cached: false };
      try {
        const response = await model.generate(request);
        const meta = response.meta;
        return annotationFromOutputs(
          task,
          example,
          job.split,
          response.completions.map((completion) => completion.text),
          {
            ...call,
            usage: response.usage,
            costUsd: meta?.costUsd ?? 0,
            latencyMs: meta?.latencyMs ?? 0,
            cached: meta?.cached ?? false,
          },
          job.read(example),
        );
      } catch (error) {
        if (!isModelError(error)) throw error;
        if (error.kind === 'budget') budgetReached = true;
        return failedAnnotation(example, job.split, { kind: error.kind, message: error.message }, call);
      }
    };
    const result = await runExamples({
      examples: job.examples,
      evaluate: evaluate as (example: Example) => Promise<ExampleRecord>,
      runDir: job.runDir as unknown as RunDirHandle<ExampleRecord>,
      concurrency: config.concurrency,
      shouldStop: () => budgetReached,
      progressLabel: `annotate ${task.name} ${job.split}`,
      showProgress: config.showProgress,
    });
    records[job.split] = result.records as AnnotationRecord[];
  }
  const { splits, manifest } = finishAnnotation(config, prepared, 'live', records);
  return { out: resolve(config.out), teacher: config.teacher, method: 'live', splits, manifest };
}
