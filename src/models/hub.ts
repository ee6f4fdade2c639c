/**
 * The single entry point to models: a spec string becomes a provider wrapped once by the
 * middleware stack, outermost first:
 *
 *   sample fan-out (n > 1 without native n) → usage tracking → cache → budget → meter (cost, latency)
 *   → retry (backoff) → endpoint limiter (concurrency, RPM/TPM, Retry-After pause) → per-attempt timeout
 *   → record (--record) → provider
 *
 * The limiter sits inside the retry loop so each attempt takes a slot and counts against the
 * per-minute limits. Replay models skip the cache and the recorder (they already are recordings).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import type { ModelIdentity } from './core/hash.js';
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
import { withTimeout } from './middleware/timeout.js';
import { Pricer, type PriceTable } from './pricing.js';
import { parseModelSpec, type ModelSpec, type ProviderName } from './spec.js';
import type { CallRecord, LanguageModel } from './types.js';
import { UsageTracker } from './usage.js';

export interface ProviderContext {
  apiKey?: string;
  /** Local models (gguf, builtin): calls decoded together. */
  parallel?: number;
}

export type ProviderFactory<P extends ProviderName = ProviderName> = (
  spec: Extract<ModelSpec, { provider: P }>,
  context: ProviderContext,
) => LanguageModel | Promise<LanguageModel>;

type FactoryTable = { [P in ProviderName]?: ProviderFactory<P> };

const registeredFactories: FactoryTable = {};

/** Makes a provider available to every hub (e.g. the built-in engine registers `builtin`). */
export function registerProvider<P extends ProviderName>(name: P, factory: ProviderFactory<P>): void {
  (registeredFactories as Record<string, unknown>)[name] = factory;
}

// Providers load on first use, so an OpenAI run never loads node-llama-cpp and vice versa.
const builtInFactories: FactoryTable = {
  openai: async (spec, { apiKey }) => {
    const { createOpenAIModel } = await import('./providers/openai.js');
    return createOpenAIModel({ spec: spec.spec, model: spec.model, baseURL: spec.baseURL, apiKey });
  },
  anthropic: async (spec, { apiKey }) => {
    const { createAnthropicModel } = await import('./providers/anthropic.js');
    return createAnthropicModel({ spec: spec.spec, model: spec.model, apiKey });
  },
  gguf: async (spec, { parallel }) => {
    const { createGgufModel } = await import('./providers/gguf.js');
    return createGgufModel({ spec: spec.spec, path: spec.path, parallel });
  },
  replay: async (spec) => {
    const { createReplayModel } = await import('./providers/replay.js');
    return createReplayModel({ spec: spec.spec, path: spec.path });
  },
  builtin: async (spec, { parallel }) => {
    const { createBuiltinModel } = await import('./providers/builtin.js');
    return createBuiltinModel({ spec: spec.spec, dir: spec.dir, parallel });
  },
};

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
  /** Where warnings go (unknown prices, cache write failures). Default stderr. */
  warn?: (message: string) => void;
  /** Factories for this hub only, taking precedence over registered and built-in ones. */
  providers?: FactoryTable;
  /** Environment used for defaults (cache path, base URLs). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_CONCURRENCY = 8;

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

  constructor(options: ModelHubOptions = {}) {
    this.options = options;
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

  /** The limiter shared by every model on this endpoint; `parallel` caps its concurrency (see LanguageModel.parallel). */
  limiterFor(endpoint: string, parallel = Infinity): EndpointLimiter {
    let limiter = this.limiters.get(endpoint);
    if (!limiter) {
      limiter = new EndpointLimiter(
        {
          concurrency: Math.min(this.options.concurrency ?? DEFAULT_CONCURRENCY, parallel),
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
    await Promise.allSettled(
      models.map((result) => (result.status === 'fulfilled' ? result.value.close?.() : undefined)),
    );
    this.cache?.close();
    this.recorder?.close();
  }

  private async build(spec: ModelSpec): Promise<LanguageModel> {
    const provider = await this.createProvider(spec);
    const { identity, endpoint } = backendOf(spec, this.env);
    const { clock } = this;

    let model = provider;
    if (this.options.recordPath && spec.provider !== 'replay') {
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
    return withSampleFanOut(model);
  }

  private async createProvider(spec: ModelSpec): Promise<LanguageModel> {
    const name = spec.provider;
    const factory = (this.options.providers?.[name] ?? registeredFactories[name] ?? builtInFactories[name]) as
      | ProviderFactory
      | undefined;
    if (!factory) {
      throw new InputError(
        `provider "${name}" is not available yet in this version of Apprentice (model spec "${spec.spec}")`,
        { field: 'model' },
      );
    }
    return factory(spec, { apiKey: this.options.apiKey, parallel: this.options.localParallel });
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
 * endpoint's limits apply.
 */
export function backendOf(spec: ModelSpec, env: NodeJS.ProcessEnv = process.env): {
  identity?: ModelIdentity;
  endpoint: string;
} {
  switch (spec.provider) {
    case 'openai': {
      const baseURL = trimSlash(spec.baseURL ?? env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1');
      return { identity: { provider: 'openai', model: spec.model, baseURL }, endpoint: `openai ${baseURL}` };
    }
    case 'anthropic': {
      const baseURL = trimSlash(env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com');
      return { identity: { provider: 'anthropic', model: spec.model, baseURL }, endpoint: `anthropic ${baseURL}` };
    }
    case 'gguf': {
      const path = resolve(spec.path);
      return { identity: { provider: 'gguf', model: path, weights: fileStamp(path) }, endpoint: `gguf ${path}` };
    }
    case 'builtin': {
      const dir = resolve(spec.dir);
      return {
        identity: { provider: 'builtin', model: dir, weights: fileDigest(join(dir, 'model.safetensors')) },
        endpoint: `builtin ${dir}`,
      };
    }
    case 'replay':
      return { endpoint: `replay ${resolve(spec.path)}` };
  }
}

/** Size and modification time: cheap for multi-gigabyte GGUF files, and changes when the file is replaced. */
function fileStamp(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.size}:${Math.round(stats.mtimeMs)}`;
  } catch {
    return undefined;
  }
}

/** Content hash: built-in checkpoints are small, and a copied folder keeps its cached answers. */
function fileDigest(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
