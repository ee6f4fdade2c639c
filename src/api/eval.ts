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
import { DATASET_KINDS as datasetKinds, type DatasetKind as AdapterName } from '../data/load.js';
export { loadDataset, type DatasetOptions } from '../data/load.js';
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

// Types the public signatures above reference, so users can name them. Data, evaluation and embedding types
// live here only; model-layer types (ModelHub, LanguageModel, ChatMessage…) are `apprentice/models`'s.
export type { AnswerKind } from '../data/adapters/shared.js';
export type { FieldOptions } from '../data/fields.js';
export type { CreateEmbedderOptions, ModelSource } from '../embed/index.js';
export type { ModelEmbedderOptions } from '../embed/modelEmbedder.js';
export type { EmbedOptions, EmbedderState, ModelEmbedderState, TfidfLsaSettings, TfidfLsaState } from '../embed/types.js';
export type { ReadOptions } from '../eval/extract/index.js';
export type { AnswerLayout } from '../eval/extract/layout.js';
export type { Extraction } from '../eval/extract/types.js';
export type { EvalJobOptions } from '../eval/job.js';
export type { BleuOptions, BleuSmoothing } from '../eval/metrics/bleu.js';
export type { RougeScore } from '../eval/metrics/rouge.js';
export type { BuiltPrompt } from '../eval/prompts.js';
export type { ExampleEvaluator } from '../eval/runner.js';
export type { BootstrapOptions, McNemarResult, PairedBootstrapResult } from '../eval/stats.js';

/**
 * A dataset kind, the prefix of a dataset spec (`jsonl:data/train.jsonl`). Written out here because the
 * loader derives its own from its table of adapters, which is not public; the check below keeps both equal.
 */
export type DatasetKind = 'grimoire' | 'svamp' | 'cqa' | 'gsm8k' | 'synthetic' | 'captured' | 'json' | 'jsonl' | 'csv';
/** Every dataset kind {@link loadDataset} accepts. */
export const DATASET_KINDS: readonly DatasetKind[] = datasetKinds;
// Fails to compile when the loader gains or loses a kind that DatasetKind does not list.
const sameKinds: [AdapterName, DatasetKind] extends [DatasetKind, AdapterName] ? true : never = true;
void sameKinds;
