/**
 * `cqa:<dir>`: CommonsenseQA as shipped with distilling step-by-step — `cqa_train.json` /
 * `cqa_test.json`, JSON lines `{id, question, choices[5], answer, abstractive_explanation, ...}`.
 * The input is the question alone; prompts render the options from `Example.choices`.
 */
import { resolve } from 'node:path';
import { createRecordMapper } from '../fields.js';
import type { Dataset } from '../types.js';
import { builtinDataset, type DatasetOptions, findSplitFiles, prefixedSplitNames, readSplitExamples, rejectFieldOptions } from './shared.js';

export async function loadCqa(path: string, options: DatasetOptions): Promise<Dataset> {
  rejectFieldOptions('cqa', options);
  const dir = resolve(path);
  const files = await findSplitFiles(dir, prefixedSplitNames('cqa_', ['.json', '.jsonl']));
  const fields = {
    inputField: 'question',
    labelField: 'answer',
    choicesField: 'choices',
    rationaleField: 'abstractive_explanation',
    idField: 'id',
  };
  const splits = await readSplitExamples(files, (file) => createRecordMapper(fields, { file, answer: 'multiple_choice' }), 'id');
  return builtinDataset(
    'cqa',
    dir,
    splits,
    {
      description: 'Answer the commonsense question by choosing one of the options.',
      taskType: 'commonsense question answering',
      answer: { kind: 'multiple_choice' },
    },
    options,
  );
}
