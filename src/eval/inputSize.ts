/**
 * A pre-flight check on the examples a run will send: one whose input alone is larger than the model's
 * context can only fail (or, worse, be paid for as a huge prompt), so the run is refused before any call,
 * naming the example. The model's context is its documented one when the model layer knows it, else a
 * bound above any current model's (models/contextWindow.ts). A local model's own context is checked by its
 * provider.
 */
import type { Example } from '../data/types.js';
import { contextWindowOf, DEFAULT_CONTEXT_TOKENS } from '../models/contextWindow.js';
import { InputError } from '../util/errors.js';

/** The layer's chars/4 token estimate. */
const CHARS_PER_TOKEN = 4;

/**
 * Refuses the first example whose input cannot fit in `model`'s context (no model: the default bound).
 * `dataset` and `field` name where the examples come from in the message.
 */
export function refuseOversizedInputs(examples: readonly Example[], dataset: string, model?: string, field = 'dataset'): void {
  const refuseOversized = oversizedInputCheck(dataset, model, field);
  for (const example of examples) refuseOversized(example);
}

/** The same check one example at a time, for a split read as a stream. */
export function oversizedInputCheck(dataset: string, model?: string, field = 'dataset'): (example: Example) => void {
  const context = model ? contextWindowOf(model) : { tokens: DEFAULT_CONTEXT_TOKENS, known: false };
  return (example) => {
    const tokens = Math.ceil(example.input.length / CHARS_PER_TOKEN);
    if (tokens <= context.tokens) return;
    const limit = context.known
      ? `${model}'s context (${context.tokens.toLocaleString('en-US')} tokens)`
      : `any model's context (${context.tokens.toLocaleString('en-US')})`;
    throw new InputError(
      `example ${example.index} (id ${example.id}) of ${dataset} is about ${tokens.toLocaleString('en-US')} tokens ` +
        `(${(example.input.length / 1e6).toFixed(1)} M characters), more than ${limit}; shorten or remove it`,
      { field },
    );
  };
}
