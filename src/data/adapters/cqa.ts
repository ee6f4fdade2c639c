/**
 * `cqa:<dir>`: CommonsenseQA as shipped with distilling step-by-step — `cqa_train.json` /
 * `cqa_test.json`, JSON lines `{id, question, choices[5], answer, abstractive_explanation, ...}`.
 * The input is the question alone; prompts render the options from `Example.choices`.
 */
import { resolve } from 'node:path';
import { createRecordMapper } from '../fields.js';
import { readRecordFile } from '../readers.js';
import type { Dataset, Example } from '../types.js';
import { buildExamples, type DatasetOptions, findSplitFiles, prefixedSplitNames, rejectFieldOptions } from './shared.js';

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
  const splits: Record<string, Example[]> = {};
  for (const [split, file] of Object.entries(files)) {
    const records = await readRecordFile(file, 'json');
    const map = createRecordMapper(fields, { file, answer: 'multiple_choice' });
    splits[split] = buildExamples(split, records, map, { file, idField: 'id' });
  }
  return {
    task: {
      name: options.taskName ?? 'cqa',
      description: options.taskDescription ?? 'Answer the commonsense question by choosing one of the options.',
      taskType: 'commonsense question answering',
      answer: { kind: 'multiple_choice' },
    },
    splits,
    source: `cqa:${dir}`,
  };
}
