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

// Types the public signatures above reference, so users can name them (api-extractor: ae-forgotten-export).
export type { SpecOf } from '../models/core/descriptor.js';
export type { FactoryTable, ProviderFactory } from '../models/hub.js';
export type { BudgetLedger } from '../models/middleware/budget.js';
export type { EndpointLimiter } from '../models/middleware/limiter.js';
export type { UnsupportedSettingPolicy } from '../models/middleware/settings.js';
export type { PriceTable, Pricer } from '../models/pricing.js';
export type { PROVIDERS, ProviderName } from '../models/registry.js';
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
} from '../models/types.js';
export type { UsageTracker } from '../models/usage.js';
