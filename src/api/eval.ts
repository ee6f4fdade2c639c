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
