/** The dataset flags shared by every command that reads a dataset. */
import { Command } from 'commander';
import { z } from 'zod';
import type { DatasetOptions } from '../data/load.js';
import { commaList, unescapeCliText } from './validate.js';

export function addDatasetOptions(command: Command): Command {
  return command
    .requiredOption('--dataset <kind:path>', 'grimoire:<task dir>, svamp:<dir>, cqa:<dir>, gsm8k:<dir>, or json:/jsonl:/csv:<file>')
    .option('--input-field <name>', 'field holding the input text')
    .option('--label-field <name>', 'field holding the gold answer')
    .option('--input-template <text>', 'input built from several fields, e.g. "Premise: {premise}\\nHypothesis: {hypothesis}"')
    .option('--labels <a,b,c>', 'label set; integer label values index into it')
    .option('--rationale-field <name>', 'field holding a gold rationale')
    .option('--choices-field <name>', 'field holding multiple-choice options')
    .option('--id-field <name>', 'field holding a stable example id')
    .option('--answer-type <type>', 'label | number | expression | multiple_choice | free_text')
    .option('--task-name <name>', 'task name for a generic dataset')
    .option('--task-description <text>', 'what the model is asked to do, for a generic dataset');
}

export const datasetSchema = z.object({
  dataset: z.string().min(1),
  inputField: z.string().optional(),
  labelField: z.string().optional(),
  inputTemplate: z.string().transform(unescapeCliText).optional(),
  labels: commaList.optional(),
  rationaleField: z.string().optional(),
  choicesField: z.string().optional(),
  idField: z.string().optional(),
  answerType: z.enum(['label', 'number', 'expression', 'multiple_choice', 'free_text']).optional(),
  taskName: z.string().optional(),
  taskDescription: z.string().transform(unescapeCliText).optional(),
});

/**
 * Only the dataset fields: commands pass their whole merged options, and anything else (concurrency,
 * timeouts...) must not reach the dataset options that run identities are hashed from.
 */
export function datasetOptionsFrom(values: z.output<typeof datasetSchema>): DatasetOptions {
  const keys = Object.keys(datasetSchema.shape).filter((key) => key !== 'dataset');
  const all = values as Record<string, unknown>;
  return Object.fromEntries(keys.map((key) => [key, all[key]]).filter(([, v]) => v !== undefined)) as DatasetOptions;
}
