/** Serving: an OpenAI-compatible HTTP API in front of any model of the hub. */
export * from './app.js';
export * from './errors.js';
export * from './target.js';
