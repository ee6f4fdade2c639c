/** Serving: an OpenAI-compatible HTTP API in front of any model of the hub, or a grimoire-boosted weak model. */
export * from './app.js';
export * from './errors.js';
export * from './grimoire.js';
export * from './target.js';
