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
export type { ModelSource } from './embed/index.js';
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
export type { GrimoireModel } from './scaling/grimoireCorrectness.js';
export type { CurveInput } from './scaling/scaleCurve.js';
