/**
 * Reads the project file into one list of option values per eval: the eval's own settings over the
 * named dataset's options over the defaults, with dataset and model names replaced by their specs.
 * Every value keeps the file, line and field it came from, so a bad one is reported where it was written.
 */
import { InputError } from '../../util/errors.js';
import type { ConfigValue } from '../configValues.js';
import { readYamlFile, type YamlFile } from '../yamlFile.js';
import { type ProjectFile, projectSchema } from './schema.js';

export interface ProjectEval {
  readonly name: string;
  /** The eval's options, as a `--config` file would give them (`name` included: it names the run folder). */
  readonly values: readonly ConfigValue[];
  /** Where the eval is written. */
  readonly where: ConfigValue['where'];
}

export function readProjectFile(path: string): ProjectEval[] {
  const file = readYamlFile(path);
  const checked = projectSchema.safeParse(file.value);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    // An unknown key is reported at the key itself, not at the mapping holding it.
    const keys = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const path = keys.filter((key): key is string | number => typeof key !== 'symbol');
    throw new InputError(issue.code === 'unrecognized_keys' ? `unknown key "${issue.keys[0]}"` : issue.message, {
      file: file.path,
      line: file.lineOf(path),
      field: fieldName(path) || undefined,
    });
  }
  const project = file.value as ProjectFile;
  const names = new Set<string>();
  return project.evals.map((entry, index) => {
    if (names.has(entry.name)) {
      throw new InputError(`two evals are named "${entry.name}"`, {
        file: file.path,
        line: file.lineOf(['evals', index, 'name']),
        field: `evals[${index}].name`,
      });
    }
    names.add(entry.name);
    return {
      name: entry.name,
      values: evalValues(file, project, index),
      where: { file: file.path, line: file.lineOf(['evals', index]), field: `evals[${index}]` },
    };
  });
}

function evalValues(file: YamlFile, project: ProjectFile, index: number): ConfigValue[] {
  const at = (path: (string | number)[]) => ({ file: file.path, line: file.lineOf(path), field: fieldName(path) });
  const merged = new Map<string, ConfigValue>();
  const put = (values: Record<string, unknown> | undefined, path: (string | number)[]) => {
    for (const [key, value] of Object.entries(values ?? {})) merged.set(key, { key, value, where: at([...path, key]) });
  };
  const entry = project.evals[index]!;
  const datasetName = entry.dataset ?? project.defaults?.dataset;
  const namedDataset = datasetName === undefined ? undefined : project.datasets?.[datasetName];
  put(project.defaults, ['defaults']);
  if (typeof namedDataset === 'object') {
    const { dataset: _spec, ...options } = namedDataset;
    put(options, ['datasets', datasetName!]);
  }
  put(entry, ['evals', index]);

  const dataset = merged.get('dataset');
  if (dataset && namedDataset !== undefined) {
    merged.set('dataset', { ...dataset, value: typeof namedDataset === 'string' ? namedDataset : namedDataset.dataset });
  } else if (dataset && !String(dataset.value).includes(':')) {
    throw new InputError(`"${String(dataset.value)}" is neither a dataset spec (kind:path) nor a name under "datasets"`, dataset.where);
  }
  const model = merged.get('model');
  if (model) {
    const named = project.models?.[String(model.value)];
    if (named) merged.set('model', { ...model, value: named });
    else if (!String(model.value).includes(':')) {
      throw new InputError(`"${String(model.value)}" is neither a model spec (kind:...) nor a name under "models"`, model.where);
    }
  }
  return [...merged.values()];
}

/** `['evals', 1, 'max-tokens']` -> `evals[1].max-tokens`. */
function fieldName(path: readonly (string | number)[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}
