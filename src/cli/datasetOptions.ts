/** The dataset flags shared by every command that reads a dataset. */
import * as z from '../util/zod.js';
import type { DatasetOptions } from '../data/load.js';
import { option, type OptionValues } from './options.js';
import { commaList, unescapeCliText } from './validate.js';

export const datasetOptions = {
  dataset: option(
    '--dataset <kind:path>',
    'grimoire:<task dir>, svamp:<dir>, cqa:<dir>, gsm8k:<dir>, captured:<distill from-store folder>, or json:/jsonl:/csv:<file>',
    z.string().min(1),
    { required: true, to: 'dataset' },
  ),
  inputField: option('--input-field <name>', 'field holding the input text', z.string().optional()),
  labelField: option('--label-field <name>', 'field holding the gold answer', z.string().optional()),
  inputTemplate: option(
    '--input-template <text>',
    'input built from several fields, e.g. "Premise: {premise}\\nHypothesis: {hypothesis}"',
    z.string().transform(unescapeCliText).optional(),
  ),
  labels: option('--labels <a,b,c>', 'label set; integer label values index into it', commaList.optional()),
  rationaleField: option('--rationale-field <name>', 'field holding a gold rationale', z.string().optional()),
  choicesField: option('--choices-field <name>', 'field holding multiple-choice options', z.string().optional()),
  idField: option('--id-field <name>', 'field holding a stable example id', z.string().optional()),
  answerType: option(
    '--answer-type <type>',
    'label | number | expression | multiple_choice | free_text',
    z.enum(['label', 'number', 'expression', 'multiple_choice', 'free_text']).optional(),
  ),
  taskName: option('--task-name <name>', 'task name for a generic dataset', z.string().optional()),
  taskDescription: option(
    '--task-description <text>',
    'what the model is asked to do, for a generic dataset',
    z.string().transform(unescapeCliText).optional(),
  ),
};

/**
 * Only the dataset fields: commands pass their whole merged options, and anything else (concurrency,
 * timeouts...) must not reach the dataset options that run identities are hashed from.
 */
export function datasetOptionsFrom(values: Omit<OptionValues<typeof datasetOptions>, 'dataset'>): DatasetOptions {
  const keys = Object.keys(datasetOptions).filter((key) => key !== 'dataset');
  const all = values as Record<string, unknown>;
  return Object.fromEntries(keys.map((key) => [key, all[key]]).filter(([, v]) => v !== undefined)) as DatasetOptions;
}
