/**
 * `grimoire:<task dir>`: one task of the Grimoire (SLEICL) benchmark layout — `<task>/train.json`,
 * `<task>/test.json` (JSON arrays) and a `tasks.json` one or two levels up describing every task
 * (task type, description, input and label fields, label list).
 */
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../../util/errors.js';
import { createRecordMapper } from '../fields.js';
import { readJson, readRecordFile } from '../readers.js';
import type { Dataset, Example } from '../types.js';
import { buildExamples, type DatasetOptions, findSplitFiles, prefixedSplitNames, rejectFieldOptions } from './shared.js';
import { existsSync } from 'node:fs';
import { isObject } from '../../util/isObject.js';

export interface GrimoireTaskEntry {
  taskType: string;
  description: string;
  inputField: string;
  labelField: string;
  labels: string[];
}

export async function loadGrimoireTask(path: string, options: DatasetOptions): Promise<Dataset> {
  rejectFieldOptions('grimoire', options);
  const dir = resolve(path);
  const files = await findSplitFiles(dir, prefixedSplitNames('', ['.json', '.jsonl']));
  const { name, entry } = await readTaskEntry(dir);

  const splits: Record<string, Example[]> = {};
  for (const [split, file] of Object.entries(files)) {
    const records = await readRecordFile(file, file.endsWith('.jsonl') ? 'jsonl' : 'json');
    const map = createRecordMapper(
      { inputField: entry.inputField, labelField: entry.labelField, labels: entry.labels },
      { file, answer: 'label', firstRecord: records[0] },
    );
    splits[split] = buildExamples(split, records, map, { file });
  }
  return {
    task: {
      name: options.taskName ?? name,
      description: options.taskDescription ?? entry.description,
      taskType: entry.taskType,
      answer: { kind: 'label', labels: entry.labels },
    },
    splits,
    source: `grimoire:${dir}`,
  };
}

/** The task's entry in the nearest `tasks.json` (the task dir, its parent or grandparent). */
async function readTaskEntry(dir: string): Promise<{ name: string; entry: GrimoireTaskEntry }> {
  const candidates = [join(dir, 'tasks.json'), join(dirname(dir), 'tasks.json'), join(dirname(dirname(dir)), 'tasks.json')];
  const file = candidates.find((candidate) => existsSync(candidate));
  if (!file) {
    throw new InputError(`no tasks.json describing the task; looked in ${candidates.join(', ')}`, { file: dir });
  }
  const all = await readJson(file);
  if (!isObject(all)) throw new InputError('expected an object of tasks keyed by task name', { file });
  const wanted = basename(dir).toLowerCase();
  const name = Object.keys(all).find((key) => key.toLowerCase() === wanted);
  if (name === undefined) {
    throw new InputError(`no entry for task "${basename(dir)}"; tasks: ${Object.keys(all).join(', ')}`, { file });
  }
  return { name, entry: checkEntry(all[name], name, file) };
}

function checkEntry(value: unknown, name: string, file: string): GrimoireTaskEntry {
  if (!isObject(value)) throw new InputError('task entry must be an object', { file, field: name });
  const text = (key: string): string => {
    const field = value[key];
    if (typeof field !== 'string' || !field.trim()) {
      throw new InputError('missing or not a non-empty string', { file, field: `${name}.${key}` });
    }
    return field;
  };
  const labels = value.labels;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((label) => typeof label === 'string' && label.trim())) {
    throw new InputError('must be a non-empty list of label names', { file, field: `${name}.labels` });
  }
  return {
    taskType: text('taskType'),
    description: text('description'),
    inputField: text('inputField'),
    labelField: text('labelField'),
    labels: labels as string[],
  };
}
