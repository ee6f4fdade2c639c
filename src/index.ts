/**
 * The library API: what an application needs to call models through the model layer, load data,
 * evaluate, and use what the pipelines build. The command line is a thin layer over the same calls.
 * The engine (tfjs) and the report/server modules are not loaded from here, so importing this
 * entry stays light.
 */
export { ModelHub, registerProvider, type ModelHubOptions } from './models/hub.js';
export { parseModelSpec, type ModelSpec } from './models/spec.js';
export { isModelError, ModelError, UnsupportedSettingError, type ModelErrorKind } from './models/errors.js';
export type {
  CallWarning,
  ChatMessage,
  Completion,
  EmbedRequest,
  EmbedResponse,
  FinishReason,
  GenerateRequest,
  GenerateResponse,
  LanguageModel,
  LogprobRequest,
  LogprobResponse,
  TokenUsage,
} from './models/types.js';

export { loadDataset, DATASET_KINDS, type DatasetOptions } from './data/load.js';
export type { AnswerType, Dataset, Example, TaskDefinition } from './data/types.js';

export { runEvalJob, type EvalJobConfig, type EvalJobResult } from './eval/job.js';
export { compareRuns, type RunComparison } from './eval/compare.js';
export { summarizeRecords, type RunSummary } from './eval/summary.js';
export type { ExampleRecord } from './eval/records.js';
export { buildPrompt, PROMPT_STYLES, type PromptStyle } from './eval/prompts.js';
export { extractAnswer, isCorrect, evaluateArithmetic } from './eval/extract/index.js';
export { bleu, rougeL, sentenceBleu } from './eval/metrics/index.js';
export { bootstrapCI, mcnemar, pairedBootstrap, wilsonInterval } from './eval/stats.js';
export { createEmbedder, type Embedder } from './embed/index.js';
export { InputError } from './util/errors.js';

export * as grimoire from './grimoire/index.js';
export * as scaling from './scaling/index.js';
export { VERSION } from './version.js';
