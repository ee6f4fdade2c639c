/**
 * How many tokens a model can take, as far as the model layer knows before calling it: a hosted model's
 * documented context window (its provider descriptor's `contextWindows`), else a default above the largest
 * context of current models, so that an unknown model is never refused an input it could take. A model behind
 * another base URL (any OpenAI-compatible server) is unknown: the same name may be another model there. Local
 * models (gguf:, builtin:) check their own context when they load.
 */
import { CompiledModelTable } from './modelTable.js';
import { descriptorOf } from './registry.js';
import { parseModelSpec } from './spec.js';

/** Tokens assumed for a model whose context is not known: above the largest context windows (about 2M tokens) of current models. */
export const DEFAULT_CONTEXT_TOKENS = 2_000_000;

export interface ContextWindow {
  tokens: number;
  /** Whether `tokens` is the model's documented context (else DEFAULT_CONTEXT_TOKENS). */
  known: boolean;
}

const tables = new Map<string, CompiledModelTable<number>>();

export function contextWindowOf(modelSpec: string): ContextWindow {
  const spec = parseModelSpec(modelSpec);
  const descriptor = descriptorOf(spec);
  const model = 'model' in spec && typeof spec.model === 'string' ? spec.model : null;
  const elsewhere = 'baseURL' in spec && spec.baseURL !== undefined;
  if (!model || elsewhere || !descriptor.contextWindows) return { tokens: DEFAULT_CONTEXT_TOKENS, known: false };
  let table = tables.get(descriptor.name);
  if (!table) tables.set(descriptor.name, (table = new CompiledModelTable(descriptor.contextWindows)));
  const tokens = table.lookup([model, `${descriptor.name}:${model}`]);
  return tokens === undefined ? { tokens: DEFAULT_CONTEXT_TOKENS, known: false } : { tokens, known: true };
}
