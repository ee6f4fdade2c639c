/**
 * Model spec strings (`openai:gpt-4o-mini@http://127.0.0.1:8000/v1`, `gguf:model.gguf`, ...) parsed
 * into a discriminated union the hub turns into a provider. Each provider's descriptor parses the part
 * after its prefix (registry.ts lists them).
 */
import { InputError } from '../util/errors.js';
import { PROVIDER_NAMES, PROVIDERS, providerNamed, type ModelSpec } from './registry.js';

export { PROVIDER_NAMES, type ModelSpec, type ProviderName } from './registry.js';

/** One line per provider: how its spec is written, with examples. */
export const VALID_SPEC_FORMS: readonly string[] = PROVIDERS.map((descriptor) => `${descriptor.usage.padEnd(29)}e.g. ${descriptor.examples.join(', ')}`);

/** Parses a model spec string such as `openai:gpt-4o-mini`; throws an InputError listing the valid forms. */
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
  const descriptor = providerNamed(provider);
  if (!descriptor) return fail(`unknown provider "${provider}" (known: ${PROVIDER_NAMES.join(', ')})`);
  return descriptor.parse(rest, trimmed, fail) as ModelSpec;
}
