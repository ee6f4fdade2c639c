/**
 * Model spec strings (`openai:gpt-4o-mini@http://127.0.0.1:8000/v1`, `gguf:model.gguf`, ...)
 * parsed into a discriminated union the hub turns into a provider.
 */
import { InputError } from '../util/errors.js';

export type ModelSpec =
  | { provider: 'openai'; spec: string; model: string; baseURL?: string }
  | { provider: 'anthropic'; spec: string; model: string }
  | { provider: 'gguf'; spec: string; path: string }
  | { provider: 'replay'; spec: string; path: string }
  | { provider: 'builtin'; spec: string; dir: string };

export type ProviderName = ModelSpec['provider'];

export const PROVIDER_NAMES: readonly ProviderName[] = ['openai', 'anthropic', 'gguf', 'replay', 'builtin'];

export const VALID_SPEC_FORMS = [
  'openai:<model>[@<baseURL>]   e.g. openai:gpt-4o-mini, openai:qwen2.5@http://127.0.0.1:8000/v1',
  'anthropic:<model>            e.g. anthropic:claude-3-5-haiku-latest',
  'gguf:<path to .gguf file>    e.g. gguf:models/qwen2.5-0.5b-q4.gguf',
  'replay:<file.jsonl or dir>   e.g. replay:calls.jsonl',
  'builtin:<model dir>          e.g. builtin:runs/tiny-llama',
];

export function parseModelSpec(spec: string, field = 'model'): ModelSpec {
  const fail = (why: string): never => {
    throw new InputError(`invalid model spec "${spec}": ${why}. Valid forms:\n  ${VALID_SPEC_FORMS.join('\n  ')}`, {
      field,
    });
  };
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  if (colon <= 0) return fail('expected <provider>:<target>');
  const provider = trimmed.slice(0, colon);
  const rest = trimmed.slice(colon + 1);
  if (!rest) return fail(`nothing after "${provider}:"`);

  switch (provider) {
    case 'openai': {
      // Model names never contain '@'; URLs may (user:pass@host), so split at the first one.
      const at = rest.indexOf('@');
      const model = at < 0 ? rest : rest.slice(0, at);
      if (!model) return fail('missing model name before "@"');
      if (at < 0) return { provider, spec: trimmed, model };
      const baseURL = rest.slice(at + 1);
      if (!isHttpUrl(baseURL)) return fail(`"${baseURL}" is not an http(s) URL`);
      return { provider, spec: trimmed, model, baseURL };
    }
    case 'anthropic':
      if (rest.includes('@')) return fail('anthropic specs take no "@<baseURL>"');
      return { provider, spec: trimmed, model: rest };
    case 'gguf':
      return { provider, spec: trimmed, path: rest };
    case 'replay':
      return { provider, spec: trimmed, path: rest };
    case 'builtin':
      return { provider, spec: trimmed, dir: rest };
    default:
      return fail(`unknown provider "${provider}"`);
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
