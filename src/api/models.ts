/**
 * `apprentice/models`: the one model layer. Name a model by a spec string (`openai:gpt-4o-mini`,
 * `anthropic:…`, `gguf:file.gguf`, `builtin:<checkpoint>`, `replay:<recording>`), get it from a
 * {@link ModelHub} and call it; caching, retries, rate limits, budget and accounting happen inside.
 *
 * ```ts
 * import { ModelHub } from 'apprentice/models';
 * const hub = new ModelHub({ cachePath: '.apprentice/cache.sqlite' });
 * const model = await hub.model('openai:gpt-4o-mini');
 * const { completions } = await model.generate({ messages: [{ role: 'user', content: '2+2?' }] });
 * ```
 *
 * @packageDocumentation
 */
export { ModelHub, registerProvider, type ModelHubOptions } from '../models/hub.js';
export { parseModelSpec, type ModelSpec } from '../models/spec.js';
export { isModelError, ModelError, UnsupportedSettingError, type ModelErrorKind } from '../models/errors.js';
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
} from '../models/types.js';
