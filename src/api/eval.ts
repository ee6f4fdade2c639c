/**
 * `apprentice/eval`: load a dataset, evaluate a model on it into a resumable run folder, read the
 * numbers back and compare two runs on the same examples.
 *
 * ```ts
 * import { loadDataset, runEvalJob, compareRuns } from 'apprentice/eval';
 * ```
 *
 * @packageDocumentation
 */
export { loadDataset, DATASET_KINDS, type DatasetOptions } from '../data/load.js';
export type { AnswerType, Dataset, Example, TaskDefinition } from '../data/types.js';
export { runEvalJob, type EvalJobConfig, type EvalJobResult } from '../eval/job.js';
export { compareRuns, type RunComparison } from '../eval/compare.js';
export { summarizeRecords, type RunSummary } from '../eval/summary.js';
export type { ExampleRecord } from '../eval/records.js';
export { buildPrompt, PROMPT_STYLES, type PromptStyle } from '../eval/prompts.js';
export { extractAnswer, isCorrect, evaluateArithmetic } from '../eval/extract/index.js';
export { bleu, rougeL, sentenceBleu } from '../eval/metrics/index.js';
export { bootstrapCI, mcnemar, pairedBootstrap, wilsonInterval } from '../eval/stats.js';
export { createEmbedder, type Embedder } from '../embed/index.js';

// Types the public signatures above reference, so users can name them (api-extractor: ae-forgotten-export).
export type { AnswerKind } from '../data/adapters/shared.js';
export type { FieldOptions } from '../data/fields.js';
export type { DatasetKind } from '../data/load.js';
export type { CreateEmbedderOptions } from '../embed/index.js';
export type { EmbedOptions, EmbedderState } from '../embed/types.js';
export type { ReadOptions } from '../eval/extract/index.js';
export type { Extraction } from '../eval/extract/types.js';
export type { EvalJobOptions } from '../eval/job.js';
export type { BleuOptions } from '../eval/metrics/bleu.js';
export type { RougeScore } from '../eval/metrics/rouge.js';
export type { BuiltPrompt } from '../eval/prompts.js';
export type { ExampleEvaluator } from '../eval/runner.js';
export type { BootstrapOptions, McNemarResult, PairedBootstrapResult } from '../eval/stats.js';
export type { ModelHub } from '../models/hub.js';
export type { ChatMessage, LanguageModel, TokenUsage } from '../models/types.js';
