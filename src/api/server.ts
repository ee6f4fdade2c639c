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

// Types the public signatures above reference, so users can name them (server types live here only).
export type { Answerer, ServedAnswer } from '../server/answer.js';
export type { ModelCatalog } from '../server/app.js';
export type { CaptureSink, Exchange } from '../server/routes/context.js';
export type { RequestRouter, RoutedRequest } from '../server/target.js';
