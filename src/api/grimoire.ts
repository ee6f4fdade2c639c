/**
 * `apprentice/grimoire`: Grimoire / SLEICL. Build a grimoire set with a strong model, evaluate it, and
 * answer questions with a weak model that reads the grimoire chosen per question.
 *
 * ```ts
 * import { GrimoireSet } from 'apprentice/grimoire';
 * const set = await GrimoireSet.load('grimoires/sst5');
 * const { messages, grimoire } = await set.prompt('a gorgeous, witty film');
 * ```
 *
 * @packageDocumentation
 */
export {
  GrimoireSet,
  buildGrimoires,
  evaluateGrimoires,
  importRecordedGrimoires,
  EVAL_METHODS,
  type BuildConfig,
  type BuildResult,
  type Choice,
  type EvalMethod,
  type GrimoireArtifact,
  type GrimoireEvalConfig,
  type GrimoireEvalResult,
  type GrimoireManifest,
  type LoadGrimoireSetOptions,
  type MethodResult,
  type SamplerName,
} from '../grimoire/index.js';

// Types the public signatures above reference, so users can name them. Grimoire types live here only;
// datasets and evaluation are `apprentice/eval`'s, the model layer `apprentice/models`'s.
export type { AnswerSettings } from '../grimoire/answer.js';
export type { DemoKind } from '../grimoire/evalResult.js';
export type { GenerationSettings } from '../grimoire/generate.js';
export type { ImportOptions, ImportResult } from '../grimoire/import.js';
export type {
  GrimoireFeatures,
  GrimoireRanker,
  GrimoireSpace,
  MlpWeights,
  RankerValidation,
  SavedRanker,
  TrainReport,
  TrainSettings,
  ValidationAnswer,
} from '../grimoire/ranker.js';
export type { SampleSet } from '../grimoire/samplers.js';
export { TEMPLATE_NAMES, type TemplateName, type Templates } from '../grimoire/templates.js';
export type { GrimoireVariant, ManifestEntry, ManifestFailure, SampleRef, SamplerSettings } from '../grimoire/types.js';
