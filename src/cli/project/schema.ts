/**
 * The project file (`apprentice.yaml`): named datasets and models, defaults, and several evals. Its
 * schema is built from the eval command's own option specs, so the file, `--config` files and flags
 * cannot drift apart; the JSON schema editors read (schema/apprentice.schema.json) is generated from it.
 */
import { Option } from 'commander';
import * as z from '../../util/zod.js';
import { evalOptions } from '../commands/eval.js';
import { kebabKey } from '../configValues.js';
import { datasetOptions } from '../datasetOptions.js';
import type { OptionSpecs } from '../options.js';

/** Where the generated JSON schema is checked in (and shipped), relative to the package root. */
export const PROJECT_SCHEMA_FILE = 'schema/apprentice.schema.json';

/** An option of a project file: as optional as a value can be (it may come from defaults), a list wherever a comma list is. */
function projectValue(spec: OptionSpecs[string]): z.ZodType {
  const takesList = spec.repeatable || new Option(spec.flags).variadic || /<[^>]*,[^>]*>/.test(spec.flags);
  const value = takesList ? z.union([spec.schema, z.array(z.string())]) : spec.schema;
  return value.optional().describe(spec.help);
}

/** Each option under its flag's name, and under a deprecated former name (still read this release, with a warning). */
function projectOptions(specs: OptionSpecs, leaveOut: readonly string[]): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(specs)
      .filter(([key]) => !leaveOut.includes(key))
      .flatMap(([key, spec]) => [
        [kebabKey(key), projectValue(spec)],
        ...(spec.deprecatedAlias ? [[formerKey(spec.deprecatedAlias), projectValue(spec).describe(`deprecated: use "${kebabKey(key)}"`)]] : []),
      ]),
  );
}

/** `--prompt` -> `prompt`. */
function formerKey(deprecatedAlias: string): string {
  return deprecatedAlias.replace(/^--/, '');
}

/** Former key -> current key, for the eval options that were renamed (`prompt` -> `prompt-style`). */
export const RENAMED_KEYS: ReadonlyMap<string, string> = new Map(
  Object.entries(evalOptions).flatMap(([key, spec]) => (spec.deprecatedAlias ? [[formerKey(spec.deprecatedAlias), kebabKey(key)] as const] : [])),
);

/** Every eval option but `--name` (an eval's name names its run folder) and `--dataset`/`--model` (which may name entries). */
const evalSettings = projectOptions(evalOptions, ['name', 'dataset', 'model']);

const reference = (what: string) => z.string().min(1).describe(`a ${what} spec (kind:path) or the name of an entry under "${what}s"`);

const evalEntry = z
  .object({
    name: z
      .string()
      .regex(/^[\w.-]+$/, 'letters, digits, ".", "_" and "-" only')
      .describe("the eval's name: `apprentice run --only <name>` picks it, and its run folder is <runs>/<name>-<id>"),
    dataset: reference('dataset').optional(),
    model: reference('model').optional(),
    ...evalSettings,
  })
  .strict();

const datasetEntry = z.union([
  z.string().min(1).describe('a dataset spec: grimoire:<task dir>, svamp:<dir>, cqa:<dir>, gsm8k:<dir>, or json:/jsonl:/csv:<file>'),
  z
    .object({ dataset: datasetOptions.dataset.schema.describe(datasetOptions.dataset.help), ...projectOptions(datasetOptions, ['dataset']) })
    .strict()
    .describe('a dataset spec with the options that read it'),
]);

export const projectSchema = z
  .object({
    datasets: z.record(z.string(), datasetEntry).optional().describe('datasets by name; an eval\'s "dataset" may name one'),
    models: z
      .record(z.string(), z.string().min(1).describe('a model spec, e.g. openai:gpt-4o-mini or builtin:<checkpoint dir>'))
      .optional()
      .describe('models by name; an eval\'s "model" may name one'),
    defaults: z
      .object({ dataset: reference('dataset').optional(), model: reference('model').optional(), ...evalSettings })
      .strict()
      .optional()
      .describe('options every eval takes unless it sets them itself'),
    evals: z.array(evalEntry).min(1).describe('the evaluations `apprentice run` runs, in order'),
  })
  .strict()
  .describe('An Apprentice project: datasets, models, defaults and evals (`apprentice run`).');

export type ProjectFile = z.output<typeof projectSchema>;

/** The JSON schema editors validate apprentice.yaml with (checked in as schema/apprentice.schema.json). */
export function projectJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(projectSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Record<string, unknown>;
}

/** The checked-in file's text: the JSON schema, with the id and title an editor shows. */
export function projectJsonSchemaText(): string {
  const { $schema, ...schema } = projectJsonSchema();
  return JSON.stringify({ $schema, title: 'apprentice.yaml', ...schema }, null, 2) + '\n';
}
