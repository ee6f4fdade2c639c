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
