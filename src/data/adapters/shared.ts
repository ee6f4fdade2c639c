/** What every dataset adapter needs: options, finding split files, turning records into Examples. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import type { FieldOptions, MappedRecord } from '../fields.js';
import { readRecordFile, type SourceRecord } from '../readers.js';
import type { AnswerType, Dataset, Example, TaskDefinition } from '../types.js';

/** How a task's answers are compared: `label`, `number`, `expression`, `multiple_choice` or `free_text`. */
export type AnswerKind = AnswerType['kind'];
export const ANSWER_KINDS: readonly AnswerKind[] = ['label', 'number', 'expression', 'multiple_choice', 'free_text'];

/** How {@link loadDataset} reads a generic file: fields, templates, answer type and labels. */
export interface DatasetOptions extends FieldOptions {
  /** Generic datasets: how answers are compared (default `label` when `labels` is given, else `free_text`). */
  answerType?: AnswerKind;
  /** Overrides the task name (generic default: the file or directory name). */
  taskName?: string;
  /** Overrides the task description shown to the model. */
  taskDescription?: string;
  /** Generic single-file datasets: the split the file becomes (default `test`). */
  splitName?: string;
}

export type DatasetAdapter = (path: string, options: DatasetOptions) => Promise<Dataset>;

/** Canonical split name -> file names to look for, first match wins. */
export type SplitFileNames = Record<string, string[]>;

export async function requireDirectory(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new InputError('directory not found', { file: path });
  }
  if (!info.isDirectory()) throw new InputError('expected a directory', { file: path });
}

/**
 * The split files present in `dir` (file names compared case-insensitively). Two candidates for
 * one split is ambiguous and an error; no split at all is an error naming what was expected.
 */
export async function findSplitFiles(dir: string, names: SplitFileNames): Promise<Record<string, string>> {
  await requireDirectory(dir);
  const entries = await readdir(dir, { withFileTypes: true });
  const files = new Map(entries.filter((entry) => entry.isFile()).map((entry) => [entry.name.toLowerCase(), entry.name]));
  const found: Record<string, string> = {};
  for (const [split, candidates] of Object.entries(names)) {
    const present = candidates.map((name) => files.get(name.toLowerCase())).filter((name) => name !== undefined);
    if (present.length > 1) {
      throw new InputError(`more than one ${split} file: ${present.join(', ')}; keep one`, { file: dir });
    }
    if (present[0] !== undefined) found[split] = join(dir, present[0]);
  }
  if (Object.keys(found).length === 0) {
    const expected = Object.values(names).flat().join(', ');
    throw new InputError(`no split files found; expected some of: ${expected}`, { file: dir });
  }
  return found;
}

/** Examples of one split in file order; ids must be unique within the split. */
export function buildExamples(
  split: string,
  records: SourceRecord[],
  map: (record: SourceRecord) => MappedRecord,
  where: { file: string; idField?: string },
): Example[] {
  const seen = new Map<string, number>();
  return records.map((record, index) => {
    const mapped = map(record);
    const id = mapped.id ?? `${split}-${index}`;
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      throw new InputError(`duplicate id "${id}" (first seen on line ${earlier})`, {
        file: where.file,
        line: record.line,
        field: where.idField,
      });
    }
    seen.set(id, record.line);
    return exampleFrom(index, id, record, mapped);
  });
}

/** One example: the mapped fields of a source record at `index` of its split. */
export function exampleFrom(index: number, id: string, record: SourceRecord, mapped: MappedRecord): Example {
  const example: Example = { index, id, input: mapped.input, target: mapped.target, raw: record.data };
  if (mapped.choices) example.choices = mapped.choices;
  if (mapped.rationale !== undefined) example.rationale = mapped.rationale;
  return example;
}

/** Built-in layouts fix their own fields; a field flag given with one is a mistake worth naming. */
export function rejectFieldOptions(kind: string, options: DatasetOptions): void {
  const flags: Partial<Record<keyof DatasetOptions, string>> = {
    inputField: '--input-field',
    labelField: '--label-field',
    inputTemplate: '--input-template',
    labels: '--labels',
    rationaleField: '--rationale-field',
    choicesField: '--choices-field',
    idField: '--id-field',
    answerType: '--answer-type',
    splitName: '--split-name',
  };
  for (const [key, flag] of Object.entries(flags)) {
    if (options[key as keyof DatasetOptions] !== undefined) {
      throw new InputError(`${flag} does not apply to ${kind}: datasets (their fields are fixed); it is for json:, jsonl: and csv:`, {
        field: flag.slice(2),
      });
    }
  }
}

/** Names like `svamp_train.json`, `svamp_valid.json`, ... for a prefix and extensions. */
export function prefixedSplitNames(prefix: string, extensions: string[]): SplitFileNames {
  const stems: SplitFileNames = { train: ['train'], validation: ['validation', 'valid', 'val', 'dev'], test: ['test'] };
  return Object.fromEntries(
    Object.entries(stems).map(([split, words]) => [split, words.flatMap((word) => extensions.map((extension) => `${prefix}${word}${extension}`))]),
  );
}

/** Each split file read as JSON records and mapped to Examples by the mapper made for that file. */
export async function readSplitExamples(
  files: Record<string, string>,
  mapperFor: (file: string) => (record: SourceRecord) => MappedRecord,
  idField?: string,
): Promise<Record<string, Example[]>> {
  const splits: Record<string, Example[]> = {};
  for (const [split, file] of Object.entries(files)) {
    const records = await readRecordFile(file, 'json');
    splits[split] = buildExamples(split, records, mapperFor(file), { file, ...(idField ? { idField } : {}) });
  }
  return splits;
}

/** A built-in layout's dataset (`<kind>:<dir>`), its task named after its kind unless `--task-name` says otherwise. */
export function builtinDataset(
  kind: string,
  dir: string,
  splits: Record<string, Example[]>,
  task: Omit<TaskDefinition, 'name'>,
  options: DatasetOptions,
): Dataset {
  return { task: builtinTask({ name: kind, ...task }, options), splits, source: `${kind}:${dir}` };
}

/** A built-in layout's task, with the name and description `--task-name` / `--task-description` give instead. */
export function builtinTask(task: TaskDefinition, options: DatasetOptions): TaskDefinition {
  return { ...task, name: options.taskName ?? task.name, description: options.taskDescription ?? task.description };
}
