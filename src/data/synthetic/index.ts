/**
 * `synthetic:<spec>`: the built-in family of multi-step arithmetic word problems (see
 * ./arithmetic.ts), usable wherever a dataset is. Needs no file and no network.
 */
import { InputError } from '../../util/errors.js';
import { builtinTask, type DatasetOptions, rejectFieldOptions } from '../adapters/shared.js';
import type { Dataset } from '../types.js';
import { generateSplits } from './arithmetic.js';
import { formatSyntheticSpec, parseSyntheticSpec } from './spec.js';

export { generateProblem, generateSplits, type ArithmeticProblem, type ProblemStep } from './arithmetic.js';
export { parseSyntheticSpec, formatSyntheticSpec, SYNTHETIC_PRESETS, type SyntheticSpec } from './spec.js';

export async function loadSynthetic(path: string, options: DatasetOptions): Promise<Dataset> {
  rejectFieldOptions('synthetic', options);
  const spec = parseSyntheticSpec(path);
  let splits;
  try {
    splits = generateSplits(spec);
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(error.message, { field: 'dataset' });
    throw error;
  }
  const source = `synthetic:${formatSyntheticSpec(spec)}`;
  return {
    task: builtinTask(
      {
        name: 'synthetic-arithmetic',
        description: 'Solve the math word problem. Give the final answer as a number.',
        taskType: 'math word problems',
        answer: { kind: 'number' },
      },
      options,
    ),
    // Empty splits (e.g. validation=0) are left out, so callers hold one out of train as usual.
    splits: Object.fromEntries(Object.entries(splits).filter(([, examples]) => examples.length > 0)),
    source,
  };
}
