/**
 * The providers, one descriptor each (providers/<name>Descriptor.ts). Adding a provider is its
 * implementation, its descriptor and one entry here; the spec parser, the hub, pricing and `serve`
 * read everything they need about it from the descriptor.
 */
import type { AnyProviderDescriptor, SpecOf } from './core/descriptor.js';
import { anthropicDescriptor } from './providers/anthropicDescriptor.js';
import { builtinDescriptor } from './providers/builtinDescriptor.js';
import { ggufDescriptor } from './providers/ggufDescriptor.js';
import { openaiDescriptor } from './providers/openaiDescriptor.js';
import { replayDescriptor } from './providers/replayDescriptor.js';

/** In the order the valid spec forms are listed. */
export const PROVIDERS = [openaiDescriptor, anthropicDescriptor, ggufDescriptor, replayDescriptor, builtinDescriptor] as const;

/** A parsed model spec: one variant per provider. */
export type ModelSpec = SpecOf<(typeof PROVIDERS)[number]>;
/** A provider's name, the prefix of a model spec (`openai`, `anthropic`, `gguf`, `replay`, `builtin`). */
export type ProviderName = ModelSpec['provider'];

export const PROVIDER_NAMES: readonly ProviderName[] = PROVIDERS.map((descriptor) => descriptor.name);

const byName = new Map<string, AnyProviderDescriptor>(PROVIDERS.map((descriptor) => [descriptor.name, descriptor]));

/** The descriptor of a provider name (a spec's prefix), or undefined for an unknown one. */
export function providerNamed(name: string): AnyProviderDescriptor | undefined {
  return byName.get(name);
}

/** The descriptor that parsed `spec`. */
export function descriptorOf(spec: ModelSpec): AnyProviderDescriptor {
  const descriptor = byName.get(spec.provider);
  if (!descriptor) throw new Error(`no provider descriptor for "${spec.provider}"`);
  return descriptor;
}
