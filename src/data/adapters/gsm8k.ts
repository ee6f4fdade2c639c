/**
 * `gsm8k:<dir>`: GSM8K — `train.jsonl` / `test.jsonl` of `{question, answer}`, where the answer
 * is human step-by-step reasoning with `<<48/2=24>>` calculator annotations, ending `#### 72`.
 * Gold = the number after `####` (commas removed); rationale = the reasoning, annotations removed.
 */
import { resolve } from 'node:path';
import { InputError } from '../../util/errors.js';
import { createRecordMapper, type MappedRecord, type RecordMapper } from '../fields.js';
import type { Dataset } from '../types.js';
import { builtinDataset, type DatasetOptions, findSplitFiles, prefixedSplitNames, readSplitExamples, rejectFieldOptions } from './shared.js';

export async function loadGsm8k(path: string, options: DatasetOptions): Promise<Dataset> {
  rejectFieldOptions('gsm8k', options);
  const dir = resolve(path);
  const files = await findSplitFiles(dir, prefixedSplitNames('', ['.jsonl', '.json']));
  const splits = await readSplitExamples(files, (file) => {
    const text: RecordMapper = createRecordMapper({ inputField: 'question', labelField: 'answer' }, { file, answer: 'free_text' });
    return (record): MappedRecord => {
      const { input, target } = text(record);
      return { input, ...splitGsm8kAnswer(target, { file, line: record.line, field: 'answer' }) };
    };
  });
  return builtinDataset(
    'gsm8k',
    dir,
    splits,
    {
      description: 'Solve the grade-school math word problem. Give the final answer as a number.',
      taskType: 'math word problems',
      answer: { kind: 'number' },
    },
    options,
  );
}

/** `reasoning ... #### 1,080` -> target `1080`, rationale = reasoning without `<<...>>`. */
export function splitGsm8kAnswer(answer: string, where: { file?: string; line?: number; field?: string } = {}): { target: string; rationale: string } {
  const marker = answer.lastIndexOf('####');
  if (marker === -1) throw new InputError('answer has no "#### <number>" ending', where);
  const target = answer
    .slice(marker + 4)
    .trim()
    .replace(/,/g, '');
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(target)) {
    throw new InputError(`final answer "${answer.slice(marker + 4).trim()}" after #### is not a number`, where);
  }
  const rationale = answer
    .slice(0, marker)
    .replace(/<<[^<>]*>>/g, '')
    .trim();
  return { target, rationale };
}
