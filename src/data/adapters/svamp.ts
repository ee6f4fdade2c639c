/**
 * `svamp:<dir>`: SVAMP math word problems as shipped with distilling step-by-step —
 * `svamp_train.json` / `svamp_test.json`, JSON lines `{input, label}` where the label is an
 * equation such as `( 84.0 / 2.0 )`. The gold answer is that expression (compared by value).
 */
import { resolve } from 'node:path';
import { createRecordMapper } from '../fields.js';
import type { Dataset } from '../types.js';
import { builtinDataset, type DatasetOptions, findSplitFiles, prefixedSplitNames, readSplitExamples, rejectFieldOptions } from './shared.js';

export async function loadSvamp(path: string, options: DatasetOptions): Promise<Dataset> {
  rejectFieldOptions('svamp', options);
  const dir = resolve(path);
  const files = await findSplitFiles(dir, prefixedSplitNames('svamp_', ['.json', '.jsonl']));
  const splits = await readSplitExamples(files, (file) => createRecordMapper({ inputField: 'input', labelField: 'label' }, { file, answer: 'expression' }));
  return builtinDataset(
    'svamp',
    dir,
    splits,
    {
      description: 'Solve the math word problem. Give the final answer as a number.',
      taskType: 'math word problems',
      answer: { kind: 'expression' },
    },
    options,
  );
}
