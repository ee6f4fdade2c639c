/**
 * The provider registry: every spec kind is parsed, loaded, identified, priced and served through its
 * own descriptor, and an unknown kind is an error listing the known ones.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProviderContext } from '../../src/models/core/descriptor.js';
import { backendOf, ModelHub } from '../../src/models/hub.js';
import { Pricer } from '../../src/models/pricing.js';
import { descriptorOf, PROVIDER_NAMES, PROVIDERS, providerNamed } from '../../src/models/registry.js';
import { parseModelSpec, VALID_SPEC_FORMS } from '../../src/models/spec.js';
import { resolveServeTarget } from '../../src/server/target.js';
import { InputError } from '../../src/util/errors.js';
import { FakeModel } from './fakes.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('provider registry', () => {
  it('lists each provider once, with its form among the valid spec forms', () => {
    expect(new Set(PROVIDER_NAMES).size).toBe(PROVIDERS.length);
    expect(PROVIDER_NAMES).toEqual(['openai', 'anthropic', 'gguf', 'replay', 'builtin']);
    PROVIDERS.forEach((descriptor, i) => {
      expect(VALID_SPEC_FORMS[i]).toContain(descriptor.usage);
      expect(providerNamed(descriptor.name)).toBe(descriptor);
      expect(descriptor.examples.length).toBeGreaterThan(0);
    });
  });

  it.each(PROVIDERS.flatMap((descriptor) => descriptor.examples.map((example) => [descriptor.name, example] as const)))(
    '%s: %s is parsed, backed, priced and served by its own descriptor',
    (name, example) => {
      const spec = parseModelSpec(example);
      expect(spec.provider).toBe(name);
      expect(spec.spec).toBe(example);
      const descriptor = descriptorOf(spec);
      expect(descriptor.name).toBe(name);
      const backend = backendOf(spec, {});
      expect(backend).toEqual(descriptor.backend(spec, {}));
      expect(backend.endpoint.startsWith(`${name} `)).toBe(true);
      if (backend.identity) expect(backend.identity.provider).toBe(name);
      else expect(descriptor.recorded).toBe(false); // only recordings go uncached, and they are not recorded again
      const warnings: string[] = [];
      const price = new Pricer({}, { warn: (message) => warnings.push(message) }).priceOrWarn(name, 'some-unknown-model');
      expect(price).toEqual({ input: 0, output: 0 });
      expect(warnings).toHaveLength(descriptor.pricing === 'free' ? 0 : 1);
      expect(resolveServeTarget(example).name).toBe(descriptor.servedName(spec));
    },
  );

  it('loads every kind through its descriptor, giving --local-parallel only to local providers', async () => {
    const loaded: Array<{ name: string; context: ProviderContext }> = [];
    for (const descriptor of PROVIDERS) {
      vi.spyOn(descriptor, 'load').mockImplementation(async (spec: { spec: string }, context: ProviderContext) => {
        loaded.push({ name: descriptor.name, context });
        return new FakeModel({ spec: spec.spec, provider: descriptor.name, modelName: 'm' });
      });
    }
    const hub = new ModelHub({ cachePath: 'none', localParallel: 3, apiKey: 'key', warn: () => {} });
    for (const descriptor of PROVIDERS) {
      const model = await hub.model(descriptor.examples[0]!);
      expect(model.provider).toBe(descriptor.name);
      const answer = await model.generate({ prompt: 'hi' });
      expect(answer.completions[0]!.text).toBe('echo(hi)#0.0');
    }
    await hub.close();
    expect(loaded.map((entry) => entry.name)).toEqual(PROVIDER_NAMES);
    for (const { name, context } of loaded) {
      expect(context.apiKey).toBe('key');
      expect(context.parallel).toBe(providerNamed(name)!.localParallel ? 3 : undefined);
    }
  });

  it('refuses an unknown spec kind, naming it and listing the known ones', async () => {
    let error: unknown;
    try {
      parseModelSpec('ollama:llama3');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('unknown provider "ollama" (known: openai, anthropic, gguf, replay, builtin)');
    const hub = new ModelHub({ cachePath: 'none' });
    await expect(hub.model('ollama:llama3')).rejects.toThrow(/known: openai, anthropic, gguf, replay, builtin/);
    await hub.close();
  });
});
