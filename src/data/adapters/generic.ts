/**
 * `json:`, `jsonl:` and `csv:` datasets: the user's own files, read through field mapping. A file
 * becomes one split (default `test`); a directory holding train.* / validation.* (or dev.*) /
 * test.* becomes those splits, each file read by its extension.
 */
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { InputError } from '../../util/errors.js';
import { createRecordMapper, unescapeTemplate } from '../fields.js';
import { formatFromExtension, readRecordFile, RECORD_FILE_EXTENSIONS, type RecordFormat } from '../readers.js';
import type { AnswerType, Dataset, Example, TaskDefinition } from '../types.js';
import { type AnswerKind, ANSWER_KINDS, buildExamples, type DatasetOptions, findSplitFiles, prefixedSplitNames } from './shared.js';

export async function loadGenericDataset(kind: RecordFormat, path: string, options: DatasetOptions): Promise<Dataset> {
  const target = resolve(path);
  const answerKind = chooseAnswerKind(options);

  let info;
  try {
    info = await stat(target);
  } catch {
    throw new InputError('file not found', { file: target });
  }
  const files: Record<string, { file: string; format: RecordFormat }> = {};
  if (info.isDirectory()) {
    const found = await findSplitFiles(target, prefixedSplitNames('', RECORD_FILE_EXTENSIONS));
    for (const [split, file] of Object.entries(found)) files[split] = { file, format: formatFromExtension(file) ?? kind };
  } else {
    files[options.splitName ?? 'test'] = { file: target, format: kind };
  }

  const splits: Record<string, Example[]> = {};
  for (const [split, { file, format }] of Object.entries(files)) {
    const records = await readRecordFile(file, format);
    if (records.length === 0) throw new InputError('no records', { file });
    const map = createRecordMapper(options, { file, answer: answerKind, firstRecord: records[0] });
    splits[split] = buildExamples(split, records, map, { file, idField: options.idField });
  }

  const answer = answerTypeFor(answerKind, options, splits);
  const task = genericTask(answer, options, basename(target, info.isDirectory() ? '' : extname(target)));
  return { task, splits, source: `${kind}:${target}` };
}

/** The task of a json:/jsonl:/csv: dataset once its answer type is known; `name` is the default task name. */
export function genericTask(answer: AnswerType, options: DatasetOptions, name: string): TaskDefinition {
  const task: TaskDefinition = {
    name: options.taskName ?? name,
    description: options.taskDescription ?? defaultDescription(answer),
    answer,
  };
  if (options.inputTemplate !== undefined) task.inputTemplate = unescapeTemplate(options.inputTemplate);
  return task;
}

export function chooseAnswerKind(options: DatasetOptions): AnswerKind {
  // An empty list is a mistake (`--labels ""`, an unset shell variable), not a request for free text.
  if (options.labels && !options.labels.length) {
    throw new InputError('the label list is empty; give the labels (e.g. --labels negative,positive) or leave the option out', { field: 'labels' });
  }
  const kind = options.answerType ?? (options.labels?.length ? 'label' : 'free_text');
  if (!ANSWER_KINDS.includes(kind)) {
    throw new InputError(`unknown answer type "${String(kind)}"; expected one of: ${ANSWER_KINDS.join(', ')}`, {
      field: 'answer-type',
    });
  }
  if (kind === 'multiple_choice' && !options.choicesField) {
    throw new InputError('--answer-type multiple_choice needs --choices-field (the field holding the options)', {
      field: 'choices-field',
    });
  }
  return kind;
}

/** A label task without `--labels` takes its labels from the data, in order of first appearance. */
function answerTypeFor(kind: AnswerKind, options: DatasetOptions, splits: Record<string, Example[]>): AnswerType {
  if (kind !== 'label') return { kind } as AnswerType;
  if (options.labels?.length) return { kind, labels: options.labels };
  const ordered = ['train', 'validation', 'test', ...Object.keys(splits)];
  const labels: string[] = [];
  for (const split of new Set(ordered)) {
    for (const example of splits[split] ?? []) if (!labels.includes(example.target)) labels.push(example.target);
  }
  return { kind, labels };
}

function defaultDescription(answer: AnswerType): string {
  switch (answer.kind) {
    case 'label':
      return `Classify the input as one of: ${answer.labels.join(' / ')}.`;
    case 'number':
      return 'Solve the problem. Give the final answer as a number.';
    case 'expression':
      return 'Solve the problem. Give the final answer as a number or an arithmetic expression.';
    case 'multiple_choice':
      return 'Answer the question by choosing one of the options.';
    case 'free_text':
      return 'Answer the input.';
  }
}
