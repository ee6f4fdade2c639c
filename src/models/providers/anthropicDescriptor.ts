/** `anthropic:<model>`: the Anthropic Messages API (implementation: anthropic.ts). */
import { trimSlash, type ProviderDescriptor, type UnsupportedSetting } from '../core/descriptor.js';

export interface AnthropicSpec {
  provider: 'anthropic';
  spec: string;
  model: string;
}

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

export const anthropicDescriptor: ProviderDescriptor<AnthropicSpec> = {
  name: 'anthropic',
  usage: 'anthropic:<model>',
  examples: ['anthropic:claude-3-5-haiku-latest'],
  parse(target, spec, fail) {
    if (target.includes('@')) return fail('anthropic specs take no "@<baseURL>"');
    return { provider: 'anthropic', spec, model: target };
  },
  async load(spec, { apiKey }) {
    const { createAnthropicModel } = await import('./anthropic.js');
    return createAnthropicModel({ spec: spec.spec, model: spec.model, apiKey });
  },
  backend(spec, env) {
    const baseURL = trimSlash(env.ANTHROPIC_BASE_URL ?? DEFAULT_ANTHROPIC_BASE_URL);
    return { identity: { provider: 'anthropic', model: spec.model, baseURL }, endpoint: `anthropic ${baseURL}` };
  },
  pricing: 'price table',
  recorded: true,
  localParallel: false,
  servedName: (spec) => spec.model,
  unsupportedSettings(request) {
    const unsupported: UnsupportedSetting[] = [];
    if (request.seed !== undefined) {
      unsupported.push({ setting: 'seed', reason: 'the Messages API takes no seed, so sampled answers are not reproducible' });
    }
    if (request.logprobs) {
      unsupported.push({ setting: 'logprobs', reason: 'the Messages API returns no log-probabilities' });
    }
    return unsupported;
  },
};
