/**
 * `apprentice/server`: the OpenAI-compatible HTTP server over any model spec or a grimoire set in front of
 * a weak model.
 *
 * ```ts
 * import { startApiServer, resolveServeTarget } from 'apprentice/server';
 * ```
 *
 * @packageDocumentation
 */
export { createApiServer, startApiServer, type ApiServerOptions, type RunningServer } from '../server/app.js';
export { resolveServeTarget, isGrimoireSetDir, type ServeTarget } from '../server/target.js';
export { ApiError, type OpenAIErrorBody } from '../server/errors.js';

// Types the public signatures above reference, so users can name them (api-extractor: ae-forgotten-export).
export type { LanguageModel } from '../models/types.js';
export type { Answerer } from '../server/answer.js';
export type { ModelCatalog } from '../server/app.js';
export type { CaptureSink } from '../server/routes/context.js';
export type { RequestRouter } from '../server/target.js';
