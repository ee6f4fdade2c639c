/**
 * Reads the project file into option values: for each eval, its own settings over the named dataset's
 * options over the defaults; for a plain `apprentice eval`, the defaults alone. Dataset and model names
 * are replaced by their specs. Every value keeps the file, line and field it came from, so a bad one is
 * reported where it was written.
 */
import { InputError } from '../../util/errors.js';
import type { ConfigValue } from '../configValues.js';
import { warnDeprecated } from '../options.js';
import { readYamlFile, type YamlFile } from '../yamlFile.js';
import { type ProjectFile, projectSchema, RENAMED_KEYS } from './schema.js';

export interface ProjectEval {
  readonly name: string;
  /** The eval's options, as a `--config` file would give them (`name` included: it names the run folder). */
  readonly values: readonly ConfigValue[];
  /** Where the eval is written. */
  readonly where: ConfigValue['where'];
}

/** The defaults a plain `apprentice eval` takes from the project file. */
export interface ProjectDefaults {
  readonly values: readonly ConfigValue[];
  /** Options that came with the named dataset of the defaults: they hold only while that dataset is the one evaluated. */
  readonly ofDefaultDataset: readonly string[];
}

export function readProjectFile(path: string): ProjectEval[] {
  const { file, project } = readChecked(path);
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
      values: [...optionValues(file, project, ['evals', index]).values.values()],
      where: { file: file.path, line: file.lineOf(['evals', index]), field: `evals[${index}]` },
    };
  });
}

export function readProjectDefaults(path: string): ProjectDefaults {
  const { file, project } = readChecked(path);
  const { values, ofDataset } = optionValues(file, project, undefined);
  return { values: [...values.values()], ofDefaultDataset: ofDataset };
}

function readChecked(path: string): { file: YamlFile; project: ProjectFile } {
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
  warnRenamedKeys(file, project);
  return { file, project };
}

/** One warning per former option name written in the file (each is read under its new name). */
function warnRenamedKeys(file: YamlFile, project: ProjectFile): void {
  const sections: [Record<string, unknown> | undefined, (string | number)[]][] = [
    [project.defaults, ['defaults']],
    ...project.evals.map((entry, index): [Record<string, unknown>, (string | number)[]] => [entry, ['evals', index]]),
  ];
  for (const [values, path] of sections) {
    for (const written of Object.keys(values ?? {})) {
      const key = RENAMED_KEYS.get(written);
      if (key) warnDeprecated(`"${written}"`, `"${key}"`, `${file.path}:${file.lineOf([...path, written]) ?? '?'}, field "${fieldName([...path, written])}"`);
    }
  }
}

/** The options of the eval at `entryPath` (none: the defaults alone), by option name. */
function optionValues(
  file: YamlFile,
  project: ProjectFile,
  entryPath: ['evals', number] | undefined,
): { values: Map<string, ConfigValue>; ofDataset: string[] } {
  const at = (path: (string | number)[]) => ({ file: file.path, line: file.lineOf(path), field: fieldName(path) });
  const merged = new Map<string, ConfigValue>();
  const put = (values: Record<string, unknown> | undefined, path: (string | number)[]) => {
    const keys: string[] = [];
    for (const [written, value] of Object.entries(values ?? {})) {
      const key = RENAMED_KEYS.get(written) ?? written;
      merged.set(key, { key, value, where: at([...path, written]) });
      keys.push(key);
    }
    return keys;
  };
  const entry = entryPath ? project.evals[entryPath[1]]! : undefined;
  const datasetName = entry?.dataset ?? project.defaults?.dataset;
  const namedDataset = datasetName === undefined ? undefined : project.datasets?.[datasetName];
  put(project.defaults, ['defaults']);
  let ofDataset: string[] = [];
  if (typeof namedDataset === 'object') {
    const { dataset: _spec, ...options } = namedDataset;
    ofDataset = put(options, ['datasets', datasetName!]);
  }
  if (entry && entryPath) put(entry, entryPath);

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
  return { values: merged, ofDataset };
}

/** `['evals', 1, 'max-tokens']` -> `evals[1].max-tokens`. */
function fieldName(path: readonly (string | number)[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}
