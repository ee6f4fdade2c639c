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

// Types the public signatures above reference, so users can name them. The model layer's types live here
// only; the other entries reference them (a user imports them from `apprentice/models`).
export type { Backend, ParsedSpec, Price, ProviderContext, ProviderDescriptor, SpecOf, UnsupportedSetting } from '../models/core/descriptor.js';
export type { FactoryTable, ProviderFactory } from '../models/hub.js';
export type { BudgetLedger } from '../models/middleware/budget.js';
export type { Clock } from '../models/middleware/clock.js';
export type { EndpointLimiter, EndpointLimits, Permit } from '../models/middleware/limiter.js';
export type { UnsupportedSettingPolicy } from '../models/middleware/settings.js';
export type { HostedSpec, PathSpec } from '../models/core/descriptorKinds.js';
export type { ModelIdentity } from '../models/core/hash.js';
export type { PriceTable, Pricer } from '../models/pricing.js';
export type { AnthropicSpec } from '../models/providers/anthropicDescriptor.js';
export type { BuiltinSpec } from '../models/providers/builtinDescriptor.js';
export type { GgufSpec } from '../models/providers/ggufDescriptor.js';
export type { OpenAISpec } from '../models/providers/openaiDescriptor.js';
export type { ReplaySpec } from '../models/providers/replayDescriptor.js';
export type { PROVIDERS, ProviderName } from '../models/registry.js';
export type {
  CallKind,
  CallMeta,
  CallOptions,
  CallRecord,
  GenerateStreamEvent,
  ModelCapabilities,
  RequestSetting,
  ResponseFormat,
  Role,
  SamplingParams,
  TokenLogprob,
} from '../models/types.js';
export type { CallListener, TrackedCall, UsageSnapshot, UsageTotals, UsageTracker } from '../models/usage.js';
