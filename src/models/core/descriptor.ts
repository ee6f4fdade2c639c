/**
 * A provider descriptor: everything the rest of the model layer needs to know about one provider,
 * written once beside its implementation (providers/<name>Descriptor.ts) and listed in registry.ts.
 * It parses the provider's spec strings, loads the implementation (and its SDK) on first use, says
 * which backend answers (cache identity, rate-limit endpoint), how its calls are priced, whether
 * `--record` records them, how `serve` names it, and which request settings it cannot honour.
 *
 * Descriptors are light: they import no SDK, so listing them all costs nothing at start-up.
 */
import type { ModelIdentity } from './hash.js';
import type { GenerateRequest, LanguageModel, RequestSetting } from '../types.js';

/** What every parsed spec has; each descriptor adds its own fields (model, path, base URL, ...). */
export interface ParsedSpec {
  provider: string;
  /** The whole spec string, trimmed. */
  spec: string;
}

/** What the hub gives a provider when it creates it. */
export interface ProviderContext {
  apiKey?: string;
  /** Sequences a local model decodes together (--local-parallel); given only to descriptors with `localParallel`. */
  parallel?: number;
}

/** Which backend answers a spec's calls. */
export interface Backend {
  /** What identifies the backend in cache keys; none: its calls are never cached (recordings). */
  identity?: ModelIdentity;
  /** Calls to the same endpoint share one limiter (concurrency, RPM/TPM, Retry-After pauses). */
  endpoint: string;
}

/** USD per one million tokens. */
export interface Price {
  input: number;
  output: number;
}

/** Keys are model names or globs (`*`, `?`), optionally prefixed by the provider: `openai:gpt-4o*`. */
export type PriceTable = Record<string, Price>;

/** A request setting a provider will not honour for a request, and why. */
export interface UnsupportedSetting {
  setting: RequestSetting;
  reason: string;
}

/** Everything the model layer knows about a provider: its spec syntax, capabilities, prices and how to load it. */
export interface ProviderDescriptor<S extends ParsedSpec = ParsedSpec> {
  /** The spec prefix before ':'. */
  readonly name: S['provider'];
  /** How a spec is written, e.g. `openai:<model>[@<baseURL>]`: shown, with the examples, when a spec is invalid. */
  readonly usage: string;
  readonly examples: readonly string[];
  /** The spec from what follows "<name>:" (never empty); `fail` reports why it is invalid. */
  parse(target: string, spec: string, fail: (why: string) => never): S;
  /** Creates the provider, importing its implementation (and SDK) only now. */
  load(spec: S, context: ProviderContext): Promise<LanguageModel>;
  backend(spec: S, env: NodeJS.ProcessEnv): Backend;
  /** 'free': local models and recordings cost nothing; 'price table': priced by model name (--prices overrides). */
  readonly pricing: 'free' | 'price table';
  /** Built-in prices of its hosted models (part of pricing.ts's DEFAULT_PRICES, checked as of DEFAULT_PRICES_AS_OF). */
  readonly prices?: PriceTable;
  /**
   * Context windows (tokens) of its hosted models, by name or glob, as the provider documents them (checked as
   * of pricing.ts's DEFAULT_PRICES_AS_OF); a run refuses an input that cannot fit (models/contextWindow.ts).
   */
  readonly contextWindows?: Record<string, number>;
  /** Whether `--record` records its calls (a replay's answers already are recordings). */
  readonly recorded: boolean;
  /** Whether it runs in-process and decodes `--local-parallel` sequences together. */
  readonly localParallel: boolean;
  /** The model id `serve` gives clients. */
  servedName(spec: S): string;
  /** `serve <path>` without a prefix: a file or a folder of this kind is served as `<name>:<path>`. */
  readonly servesPath?: 'file' | 'directory';
  /**
   * Settings of a generation request this provider cannot honour (none when omitted). The hub warns
   * about each (or refuses the call, with `unsupportedSettings: 'refuse'`) instead of dropping it silently.
   */
  unsupportedSettings?(request: GenerateRequest): UnsupportedSetting[];
}

/** A descriptor with its spec type erased, as the registry lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each descriptor's spec type differs; the registry's ModelSpec union keeps them apart
export type AnyProviderDescriptor = ProviderDescriptor<any>;

/** The spec type a descriptor parses. */
export type SpecOf<D> = D extends ProviderDescriptor<infer S> ? S : never;

/** True for an http(s) URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
