/** `openai:<model>[@<baseURL>]`: the OpenAI API or any OpenAI-compatible server (implementation: openai.ts). */
import { isHttpUrl, trimSlash, type ProviderDescriptor } from '../core/descriptor.js';

export interface OpenAISpec {
  provider: 'openai';
  spec: string;
  model: string;
  baseURL?: string;
}

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

export const openaiDescriptor: ProviderDescriptor<OpenAISpec> = {
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
  backend(spec, env) {
    const baseURL = trimSlash(spec.baseURL ?? env.OPENAI_BASE_URL ?? DEFAULT_OPENAI_BASE_URL);
    return { identity: { provider: 'openai', model: spec.model, baseURL }, endpoint: `openai ${baseURL}` };
  },
  pricing: 'price table',
  recorded: true,
  localParallel: false,
  servedName: (spec) => spec.model,
};
