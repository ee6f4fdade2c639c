/** `anthropic:<model>`: the Anthropic Messages API (implementation: anthropic.ts). */
import type { PriceTable, UnsupportedSetting } from '../core/descriptor.js';
import { hostedApiDescriptor } from '../core/descriptorKinds.js';

/** A parsed `anthropic:<model>` spec. */
export interface AnthropicSpec {
  provider: 'anthropic';
  spec: string;
  model: string;
}

/** USD per 1M tokens (as of pricing.ts's DEFAULT_PRICES_AS_OF). */
const PRICES: PriceTable = {
  'claude-opus-4-6*': { input: 5, output: 25 },
  'claude-opus-4-5*': { input: 5, output: 25 },
  'claude-opus-4-1*': { input: 15, output: 75 },
  'claude-opus-4-0*': { input: 15, output: 75 },
  'claude-opus-4-2025*': { input: 15, output: 75 },
  'claude-sonnet-4*': { input: 3, output: 15 },
  'claude-3-7-sonnet*': { input: 3, output: 15 },
  'claude-3-5-sonnet*': { input: 3, output: 15 },
  'claude-haiku-4-5*': { input: 1, output: 5 },
  'claude-3-5-haiku*': { input: 0.8, output: 4 },
  'claude-3-opus*': { input: 15, output: 75 },
  'claude-3-haiku*': { input: 0.25, output: 1.25 },
};

/** Tokens of context, as Anthropic documents them (the 1M-token beta of some models is opt-in, so not assumed). */
const CONTEXT_WINDOWS: Record<string, number> = { 'claude-*': 200_000 };

export const anthropicDescriptor = hostedApiDescriptor<AnthropicSpec>({
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
  baseUrlEnv: 'ANTHROPIC_BASE_URL',
  defaultBaseURL: 'https://api.anthropic.com',
  prices: PRICES,
  contextWindows: CONTEXT_WINDOWS,
  unsupportedSettings(request) {
    const unsupported: UnsupportedSetting[] = [];
    if (request.seed !== undefined) {
      unsupported.push({ setting: 'seed', reason: 'the Messages API takes no seed, so sampled answers are not reproducible' });
    }
    if (request.logprobs) {
      unsupported.push({ setting: 'logprobs', reason: 'the Messages API returns no log-probabilities' });
    }
    if (request.responseFormat) {
      unsupported.push({ setting: 'responseFormat', reason: 'the Messages API has no JSON mode or JSON-schema constraint' });
    }
    return unsupported;
  },
});
