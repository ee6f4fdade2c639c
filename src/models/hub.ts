/**
 * The single entry point to models: a spec string becomes a provider wrapped once by the
 * middleware stack, outermost first:
 *
 *   setting check (warn about or refuse settings the provider cannot honour) → sample fan-out (n > 1
 *   without native n) → usage tracking → cache → budget → meter (cost, latency)
 *   → retry (backoff) → endpoint limiter (concurrency, RPM/TPM, Retry-After pause) → per-attempt timeout
 *   → record (--record) → provider
 *
 * The limiter sits inside the retry loop so each attempt takes a slot and counts against the
 * per-minute limits. Replay models skip the cache and the recorder (they already are recordings).
 */
import type { Backend, ProviderContext } from './core/descriptor.js';
import { RecordingWriter } from './core/recording.js';
import { BudgetLedger, withBudget } from './middleware/budget.js';
import { withCache } from './middleware/cache.js';
import { CallCache, defaultCachePath } from './middleware/cacheStore.js';
import { sleepFor, type Clock } from './middleware/clock.js';
import { withSampleFanOut } from './middleware/fanOut.js';
import { EndpointLimiter, withLimiter } from './middleware/limiter.js';
import { withMeter } from './middleware/meter.js';
import { withUsageTracking } from './middleware/observe.js';
import { withRecording } from './middleware/record.js';
import { withRetry } from './middleware/retry.js';
import { withSettingCheck, type UnsupportedSettingPolicy } from './middleware/settings.js';
import { withTimeout } from './middleware/timeout.js';
import { Pricer, type PriceTable } from './pricing.js';
import { descriptorOf, type ModelSpec, type ProviderName } from './registry.js';
import { parseModelSpec } from './spec.js';
import type { CallRecord, LanguageModel } from './types.js';
import { registerSecret } from '../util/redact.js';
import { UsageTracker } from './usage.js';

export type { ProviderContext } from './core/descriptor.js';

/** Creates a provider for a parsed spec, in place of its descriptor's own `load` (tests, embedding apps). */
export type ProviderFactory<P extends ProviderName = ProviderName> = (
  spec: Extract<ModelSpec, { provider: P }>,
  context: ProviderContext,
) => LanguageModel | Promise<LanguageModel>;

/** Provider factories by provider name (ModelHubOptions.providers). */
export type FactoryTable = { [P in ProviderName]?: ProviderFactory<P> };

const registeredFactories: FactoryTable = {};

/** Makes every hub create `name`'s models with this factory instead of the provider's own. */
export function registerProvider<P extends ProviderName>(name: P, factory: ProviderFactory<P>): void {
  (registeredFactories as Record<string, unknown>)[name] = factory;
}

/** Options of {@link ModelHub}: cache, limits, retries, budget, recording, prices and provider factories. */
export interface ModelHubOptions {
  /** SQLite cache file, `:memory:`, or 'none'. Default: $APPRENTICE_CACHE or ~/.cache/apprentice/cache.sqlite. */
  cachePath?: string | 'none';
  /** Calls in flight per endpoint (provider + base URL). Default 8. */
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Per attempt. Default 120 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  budgetUsd?: number;
  /** Append every real call to this JSONL file. */
  recordPath?: string;
  /** Overrides of the built-in price table. */
  prices?: PriceTable;
  apiKey?: string;
  /** Sequences a local model (gguf:, builtin:) decodes together (batching). Default 1. */
  localParallel?: number;
  onCall?: (record: CallRecord) => void;
  /** Injectable time, for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /**
   * A generation setting the provider cannot honour (e.g. `seed` for Anthropic): 'warn' (default) sends
   * the call without it, and the answer's `warnings` name it (reported once per model and setting);
   * 'refuse' refuses the call before it is sent with an UnsupportedSettingError naming the setting.
   */
  unsupportedSettings?: UnsupportedSettingPolicy;
  /** Where warnings go (unknown prices, cache write failures, settings a provider ignores). Default stderr. */
  warn?: (message: string) => void;
  /** Factories for this hub only, taking precedence over registered ones and the providers' own. */
  providers?: FactoryTable;
  /** Environment used for defaults (cache path, base URLs). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_CONCURRENCY = 8;

/** The one entry point to models: turns a spec string into a model with caching, retries, limits, budget and accounting. */
export class ModelHub {
  readonly usage = new UsageTracker();
  readonly pricer: Pricer;
  /** Undefined when no budget was set. */
  readonly budget: BudgetLedger | undefined;
  private readonly options: ModelHubOptions;
  private readonly clock: Clock;
  private readonly env: NodeJS.ProcessEnv;
  private readonly models = new Map<string, Promise<LanguageModel>>();
  private readonly limiters = new Map<string, EndpointLimiter>();
  private cache: CallCache | undefined;
  private recorder: RecordingWriter | undefined;
  private closed = false;
  private readonly warned = new Set<string>();

  constructor(options: ModelHubOptions = {}) {
    this.options = options;
    registerSecret(options.apiKey); // never written anywhere, even when an upstream error echoes it
    this.env = options.env ?? process.env;
    this.pricer = new Pricer(options.prices ?? {}, { warn: options.warn });
    this.budget = options.budgetUsd !== undefined ? new BudgetLedger(options.budgetUsd) : undefined;
    this.clock = { now: options.now ?? (() => performance.now()), sleep: options.sleep ?? sleepFor };
    if (options.onCall) this.usage.onCall(options.onCall);
  }

  /** Where the cache lives, or 'none'. */
  get cachePath(): string {
    const configured = this.options.cachePath ?? defaultCachePath(this.env);
    return configured.toLowerCase() === 'none' ? 'none' : configured;
  }

  /** The model for `spec`, wrapped by the whole stack; the same object for the same spec. */
  model(spec: string): Promise<LanguageModel> {
    if (this.closed) return Promise.reject(new Error('ModelHub is closed'));
    const key = spec.trim();
    let model = this.models.get(key);
    if (!model) {
      let spec: ModelSpec;
      try {
        spec = parseModelSpec(key);
      } catch (error) {
        return Promise.reject(error);
      }
      model = this.build(spec);
      this.models.set(key, model);
      // A spec that failed to load (missing file, bad key) may be fixed and asked for again.
      model.catch(() => this.models.delete(key));
    }
    return model;
  }

  /** The limiter shared by every model on this endpoint; a local model's `parallel` is its concurrency (see LanguageModel.parallel). */
  limiterFor(endpoint: string, parallel = Infinity): EndpointLimiter {
    let limiter = this.limiters.get(endpoint);
    if (!limiter) {
      limiter = new EndpointLimiter(
        {
          // A local model's sequences are its concurrency: --concurrency (default 8) is for remote endpoints
          // and would cap `--parallel 16` at 8 calls decoded together.
          concurrency: Number.isFinite(parallel) ? parallel : (this.options.concurrency ?? DEFAULT_CONCURRENCY),
          requestsPerMinute: this.options.requestsPerMinute,
          tokensPerMinute: this.options.tokensPerMinute,
        },
        this.clock,
      );
      this.limiters.set(endpoint, limiter);
    }
    return limiter;
  }

  /** Flushes the cache and recording, and releases every provider. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const models = await Promise.allSettled(this.models.values());
    await Promise.allSettled(models.map((result) => (result.status === 'fulfilled' ? result.value.close?.() : undefined)));
    this.cache?.close();
    this.recorder?.close();
  }

  private async build(spec: ModelSpec): Promise<LanguageModel> {
    const descriptor = descriptorOf(spec);
    const provider = await this.createProvider(spec);
    const { identity, endpoint } = descriptor.backend(spec, this.env);
    const { clock } = this;

    let model = provider;
    if (this.options.recordPath && descriptor.recorded) {
      model = withRecording(model, { writer: this.recordingWriter() });
    }
    model = withTimeout(model, { timeoutMs: this.options.timeoutMs });
    model = withLimiter(model, { limiter: this.limiterFor(endpoint, provider.parallel), clock });
    model = withRetry(model, { maxRetries: this.options.maxRetries, sleep: clock.sleep, random: this.options.random });
    model = withMeter(model, { pricer: this.pricer, now: clock.now });
    if (this.budget) model = withBudget(model, { ledger: this.budget, pricer: this.pricer });
    const cache = identity ? this.callCache() : undefined;
    if (cache && identity) model = withCache(model, { cache, identity, now: clock.now });
    model = withUsageTracking(model, { tracker: this.usage, now: clock.now });
    model = withSampleFanOut(model);
    return withSettingCheck(model, {
      unsupported: descriptor.unsupportedSettings?.bind(descriptor),
      policy: this.options.unsupportedSettings,
      report: (warning) => this.warnOnce(`${model.spec} ${warning.setting}`, warning.message),
    });
  }

  private async createProvider(spec: ModelSpec): Promise<LanguageModel> {
    const descriptor = descriptorOf(spec);
    const context: ProviderContext = { apiKey: this.options.apiKey };
    if (descriptor.localParallel) context.parallel = this.options.localParallel;
    const factory = (this.options.providers?.[spec.provider] ?? registeredFactories[spec.provider]) as ProviderFactory | undefined;
    return factory ? factory(spec, context) : descriptor.load(spec, context);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    (this.options.warn ?? ((text: string) => process.stderr.write(`warning: ${text}\n`)))(message);
  }

  private callCache(): CallCache | undefined {
    if (this.cachePath === 'none') return undefined;
    this.cache ??= new CallCache(this.cachePath, { warn: this.options.warn });
    return this.cache;
  }

  private recordingWriter(): RecordingWriter {
    this.recorder ??= new RecordingWriter(this.options.recordPath!);
    return this.recorder;
  }
}

/**
 * What identifies the backend in cache keys (none for replay: it is not cached) and which
 * endpoint's limits apply: the provider descriptor's answer.
 */
export function backendOf(spec: ModelSpec, env: NodeJS.ProcessEnv = process.env): Backend {
  return descriptorOf(spec).backend(spec, env);
}
