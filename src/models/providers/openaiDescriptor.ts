/** `openai:<model>[@<baseURL>]`: the OpenAI API or any OpenAI-compatible server (implementation: openai.ts). */
import { isHttpUrl, type PriceTable } from '../core/descriptor.js';
import { hostedApiDescriptor } from '../core/descriptorKinds.js';

/** A parsed `openai:<model>[@<baseURL>]` spec (OpenAI or any OpenAI-compatible server). */
export interface OpenAISpec {
  provider: 'openai';
  spec: string;
  model: string;
  baseURL?: string;
}

/** USD per 1M tokens (as of pricing.ts's DEFAULT_PRICES_AS_OF). */
const PRICES: PriceTable = {
  'gpt-5.4*': { input: 2.5, output: 15 },
  'gpt-5.1*': { input: 1.25, output: 10 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-20*': { input: 1.25, output: 10 },
  'gpt-5-codex*': { input: 1.25, output: 10 },
  'gpt-5-pro*': { input: 15, output: 120 },
  'gpt-5-mini*': { input: 0.25, output: 2 },
  'gpt-5-nano*': { input: 0.05, output: 0.4 },
  'gpt-4.1*': { input: 2, output: 8 },
  'gpt-4.1-mini*': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano*': { input: 0.1, output: 0.4 },
  'gpt-4o*': { input: 2.5, output: 10 },
  'gpt-4o-2024-05-13': { input: 5, output: 15 },
  'gpt-4o-mini*': { input: 0.15, output: 0.6 },
  'gpt-4-turbo*': { input: 10, output: 30 },
  'gpt-4': { input: 30, output: 60 },
  'gpt-4-0613': { input: 30, output: 60 },
  'gpt-3.5-turbo*': { input: 0.5, output: 1.5 },
  'gpt-3.5-turbo-instruct*': { input: 1.5, output: 2 },
  'davinci-002': { input: 2, output: 2 },
  'babbage-002': { input: 0.4, output: 0.4 },
  'o1*': { input: 15, output: 60 },
  'o1-mini*': { input: 1.1, output: 4.4 },
  'o1-pro*': { input: 150, output: 600 },
  'o3*': { input: 2, output: 8 },
  'o3-mini*': { input: 1.1, output: 4.4 },
  'o3-pro*': { input: 20, output: 80 },
  'o4-mini*': { input: 1.1, output: 4.4 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0 },
};

/** Tokens of context (prompt + answer), as OpenAI documents them. */
const CONTEXT_WINDOWS: Record<string, number> = {
  'gpt-5*': 400_000,
  'gpt-4.1*': 1_047_576,
  'gpt-4o*': 128_000,
  'gpt-4-turbo*': 128_000,
  'gpt-4': 8_192,
  'gpt-4-0613': 8_192,
  'gpt-3.5-turbo*': 16_385,
  'gpt-3.5-turbo-instruct*': 4_096,
  'davinci-002': 16_384,
  'babbage-002': 16_384,
  'o1*': 200_000,
  'o1-mini*': 128_000,
  'o3*': 200_000,
  'o4-mini*': 200_000,
  'text-embedding-*': 8_191,
};

export const openaiDescriptor = hostedApiDescriptor<OpenAISpec>({
  name: 'openai',
  usage: 'openai:<model>[@<baseURL>]',
  examples: ['openai:gpt-4o-mini', 'openai:qwen2.5@http://127.0.0.1:8000/v1'],
  parse(target, spec, fail) {
    // Model names never contain '@'; URLs may (user:pass@host), so split at the first one.
    const at = target.indexOf('@');
    const model = at < 0 ? target : target.slice(0, at);
    if (!model) return fail('missing model name before "@"');
    if (at < 0) return { provider: 'openai', spec, model };
    const baseURL = target.slice(at + 1);
    if (!isHttpUrl(baseURL)) return fail(`"${baseURL}" is not an http(s) URL`);
    return { provider: 'openai', spec, model, baseURL };
  },
  async load(spec, { apiKey }) {
    const { createOpenAIModel } = await import('./openai.js');
    return createOpenAIModel({ spec: spec.spec, model: spec.model, baseURL: spec.baseURL, apiKey });
  },
  baseUrlEnv: 'OPENAI_BASE_URL',
  defaultBaseURL: 'https://api.openai.com/v1',
  prices: PRICES,
  contextWindows: CONTEXT_WINDOWS,
});
