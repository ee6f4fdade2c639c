/**
 * The two kinds of provider the registry holds, each written once: a hosted HTTP API (openai, anthropic),
 * named by a model and answering at a base URL, priced from a table; and a local model run in-process
 * (gguf, builtin), named by a path, free, identified in the cache by its weights. A descriptor of either
 * kind declares only what is its own (spec syntax, loading, prices); replay shares the path spec.
 */
import { resolve } from 'node:path';
import type { GenerateRequest } from '../types.js';
import { trimSlash, type ParsedSpec, type PriceTable, type ProviderDescriptor, type UnsupportedSetting } from './descriptor.js';

/** A spec naming a local file or folder: `<name>:<path>`. */
export interface PathSpec<Name extends string> extends ParsedSpec {
  provider: Name;
  path: string;
}

/** The parser of `<name>:<path>` specs: any text after the prefix is the path. */
export function pathSpec<Name extends string>(name: Name): (target: string, spec: string) => PathSpec<Name> {
  return (target, spec) => ({ provider: name, spec, path: target });
}

/** A spec naming a model of a hosted API, optionally at a base URL of its own. */
export interface HostedSpec extends ParsedSpec {
  model: string;
  baseURL?: string;
}

type Declared<S extends ParsedSpec> = Pick<ProviderDescriptor<S>, 'name' | 'usage' | 'examples' | 'parse' | 'load' | 'unsupportedSettings'>;

/** A hosted API: cached per model and base URL (the spec's, else `baseUrlEnv`'s, else the default), priced by model, served by model name. */
export function hostedApiDescriptor<S extends HostedSpec>(
  options: Declared<S> & { baseUrlEnv: string; defaultBaseURL: string; prices: PriceTable; contextWindows: Record<string, number> },
): ProviderDescriptor<S> {
  const { baseUrlEnv, defaultBaseURL, ...declared } = options;
  return {
    ...declared,
    backend(spec, env) {
      const baseURL = trimSlash(spec.baseURL ?? env[baseUrlEnv] ?? defaultBaseURL);
      return { identity: { provider: options.name, model: spec.model, baseURL }, endpoint: `${options.name} ${baseURL}` };
    },
    pricing: 'price table',
    recorded: true,
    localParallel: false,
    servedName: (spec) => spec.model,
  };
}

/** Settings the local llama.cpp providers (gguf, builtin) cannot honour for a request. */
export function localUnsupportedSettings(request: GenerateRequest): UnsupportedSetting[] {
  if (request.logprobs && (request.temperature ?? 0) > 0) {
    return [{ setting: 'logprobs', reason: 'log-probabilities are returned for greedy generation (temperature 0) only' }];
  }
  return [];
}

/**
 * A local model run in-process by llama.cpp: free, decoding `--local-parallel` sequences together, cached
 * per absolute path and `weights` (a fingerprint of what is there, so a replaced model gets no old answers).
 */
export function localModelDescriptor<Name extends string>(
  options: Omit<Declared<PathSpec<Name>>, 'parse' | 'unsupportedSettings'> &
    Pick<ProviderDescriptor<PathSpec<Name>>, 'servedName' | 'servesPath'> & { weights(path: string): string | undefined },
): ProviderDescriptor<PathSpec<Name>> {
  const { weights, ...declared } = options;
  return {
    ...declared,
    parse: pathSpec(options.name),
    backend(spec) {
      const path = resolve(spec.path);
      return { identity: { provider: options.name, model: path, weights: weights(path) }, endpoint: `${options.name} ${path}` };
    },
    pricing: 'free',
    recorded: true,
    localParallel: true,
    unsupportedSettings: localUnsupportedSettings,
  };
}
