/**
 * A pre-flight check on the examples a run will send: one whose input is larger than any model's
 * context window can only fail (or, worse, be paid for as a huge prompt), so the run is refused
 * before any call, naming the example. A local model's own context is checked by its provider.
 */
import type { Example } from '../data/types.js';
import { InputError } from '../util/errors.js';

/** Above the largest context window of current models (about 2M tokens), with the layer's chars/4 estimate. */
export const MAX_INPUT_TOKENS = 2_000_000;
const CHARS_PER_TOKEN = 4;

export function refuseOversizedInputs(examples: readonly Example[], dataset: string, maxTokens = MAX_INPUT_TOKENS): void {
  for (const example of examples) {
    const tokens = Math.ceil(example.input.length / CHARS_PER_TOKEN);
    if (tokens > maxTokens) {
      throw new InputError(
        `example ${example.index} (id ${example.id}) of ${dataset} is about ${tokens.toLocaleString('en-US')} tokens ` +
          `(${(example.input.length / 1e6).toFixed(1)} M characters), more than any model's context (${maxTokens.toLocaleString('en-US')}); shorten or remove it`,
        { field: 'dataset' },
      );
    }
  }
}
