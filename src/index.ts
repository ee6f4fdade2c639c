/**
 * The library API: what an application needs to call models through the model layer, load data,
 * evaluate, and use what the pipelines build. The command line is a thin layer over the same calls.
 * The engine (tfjs) and the report/server modules are not loaded from here, so importing this
 * entry stays light. It is the `apprentice/models` and `apprentice/eval` entries plus the names below.
 */
export * from './api/models.js';
export * from './api/eval.js';
export { InputError } from './util/errors.js';

export * as grimoire from './grimoire/index.js';
export * as scaling from './scaling/index.js';
export { VERSION } from './version.js';

// Types the public signatures above reference, so users can name them (api-extractor: ae-forgotten-export).
export type { AnswerKind } from './data/adapters/shared.js';
export type { FieldOptions } from './data/fields.js';
export type { DatasetKind } from './data/load.js';
export type { CreateEmbedderOptions, ModelSource } from './embed/index.js';
export type { EmbedOptions, EmbedderState } from './embed/types.js';
export type { ReadOptions } from './eval/extract/index.js';
export type { Extraction } from './eval/extract/types.js';
export type { EvalJobOptions } from './eval/job.js';
export type { BleuOptions } from './eval/metrics/bleu.js';
export type { RougeScore } from './eval/metrics/rouge.js';
export type { BuiltPrompt } from './eval/prompts.js';
export type { ExampleEvaluator } from './eval/runner.js';
export type { BootstrapOptions, McNemarResult, PairedBootstrapResult } from './eval/stats.js';
export type { AnswerSettings } from './grimoire/answer.js';
export type { GrimoireSetFiles } from './grimoire/artifact.js';
export type { DemoKind } from './grimoire/evalResult.js';
export type { GeneratedPair, GenerationSettings } from './grimoire/generate.js';
export type { ImportOptions, ImportResult, RecordedName } from './grimoire/import.js';
export type { PromptContext } from './grimoire/prompt.js';
export type { GrimoireSpace, SavedRanker, TrainSettings, ValidationAnswer } from './grimoire/ranker.js';
export type { HardSampleOptions, LabelledPool, SampleSet } from './grimoire/samplers.js';
export type { Templates } from './grimoire/templates.js';
export type { GrimoireVariant, ManifestEntry, ManifestFailure, SampleRef, SamplerSettings } from './grimoire/types.js';
export type { SpecOf } from './models/core/descriptor.js';
export type { FactoryTable, ProviderFactory } from './models/hub.js';
export type { BudgetLedger } from './models/middleware/budget.js';
export type { EndpointLimiter } from './models/middleware/limiter.js';
export type { UnsupportedSettingPolicy } from './models/middleware/settings.js';
export type { PriceTable, Pricer } from './models/pricing.js';
export type { PROVIDERS, ProviderName } from './models/registry.js';
export type {
  CallMeta,
  CallOptions,
  CallRecord,
  GenerateStreamEvent,
  ModelCapabilities,
  RequestSetting,
  Role,
  SamplingParams,
  TokenLogprob,
} from './models/types.js';
export type { UsageTracker } from './models/usage.js';
export type { GrimoireModel } from './scaling/grimoireCorrectness.js';
export type { CurveInput } from './scaling/scaleCurve.js';
