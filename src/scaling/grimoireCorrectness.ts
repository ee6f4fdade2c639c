/**
 * Imports the Grimoire paper's recorded zero-shot correctness (IAAR-Shanghai/Grimoire, Apache-2.0)
 * as score rows: `keep_hard_<TASK>_<MODEL>.json` holds `{easy: [...], hard: [...]}`, the training
 * samples (first half of each train split) that the model answered right (easy) or wrong (hard)
 * zero-shot. Accuracy = easy / (easy + hard), with a 95% Wilson interval; random = 1 / labels,
 * the label lists coming from the dataset's tasks.json.
 */
import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { readJson } from '../data/readers.js';
import { wilsonInterval } from '../eval/stats.js';
import { InputError } from '../util/errors.js';
import type { ScoreRow } from './scoreRow.js';
import { isObject } from '../util/isObject.js';

/** A model of the Grimoire paper's results: name and parameter count. */
export interface GrimoireModel {
  name: string;
  params: number;
  paramsEstimated: boolean;
}

/**
 * The five models the recordings name. gpt-3.5-turbo's size was never published; 175B is the
 * GPT-3 size it is commonly assumed to share, so it is marked as an estimate.
 */
export const GRIMOIRE_MODELS: Record<string, GrimoireModel> = {
  PHI2: { name: 'Phi-2', params: 2.7e9, paramsEstimated: false },
  Baichuan2_7B_Chat: { name: 'Baichuan2-7B-Chat', params: 7e9, paramsEstimated: false },
  LLaMA2_13B_Chat: { name: 'LLaMA2-13B-Chat', params: 13e9, paramsEstimated: false },
  LLaMA2_70B_Chat: { name: 'LLaMA2-70B-Chat', params: 70e9, paramsEstimated: false },
  'gpt-3.5-turbo': { name: 'gpt-3.5-turbo', params: 175e9, paramsEstimated: true },
};

export const GRIMOIRE_METRIC = 'zero-shot accuracy';

export interface ImportOptions {
  /** Default: `<dir>/../../tasks.json`, where the Grimoire dataset keeps it. */
  tasksFile?: string;
}

export async function importGrimoireCorrectness(dir: string, options: ImportOptions = {}): Promise<ScoreRow[]> {
  const tasksFile = options.tasksFile ?? join(resolve(dir), '..', '..', 'tasks.json');
  const labelCounts = await readLabelCounts(tasksFile);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new InputError('directory not found', { file: dir });
  }
  const files = names.filter((name) => /^keep_hard_.+\.json$/.test(name)).sort();
  if (files.length === 0) throw new InputError('no keep_hard_<TASK>_<MODEL>.json files', { file: dir });

  const rows: ScoreRow[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const { task, model } = parseFileName(name, labelCounts, file, tasksFile);
    const { easy, hard } = await readCorrectness(file);
    const n = easy + hard;
    if (n === 0) throw new InputError('easy and hard are both empty: no accuracy to compute', { file });
    const [ciLow, ciHigh] = wilsonInterval(easy, n);
    rows.push({
      model: model.name,
      params: model.params,
      ...(model.paramsEstimated && { paramsEstimated: true }),
      task,
      metric: GRIMOIRE_METRIC,
      score: easy / n,
      n,
      ciLow,
      ciHigh,
      max: 1,
      labels: labelCounts.get(task) as number,
    });
  }
  return rows;
}

async function readLabelCounts(tasksFile: string): Promise<Map<string, number>> {
  const value = await readJson(tasksFile);
  if (!isObject(value)) throw new InputError('expected an object of tasks', { file: tasksFile });
  const counts = new Map<string, number>();
  for (const [task, entry] of Object.entries(value)) {
    const labels = isObject(entry) ? entry.labels : undefined;
    if (!Array.isArray(labels) || labels.length < 2) {
      throw new InputError('expected a list of at least two labels', { file: tasksFile, field: `${task}.labels` });
    }
    counts.set(task, labels.length);
  }
  return counts;
}

function parseFileName(name: string, labelCounts: Map<string, number>, file: string, tasksFile: string) {
  const stem = basename(name, '.json').slice('keep_hard_'.length);
  // Model ids contain underscores (LLaMA2_13B_Chat) and task names may too, so match known names.
  const task = [...labelCounts.keys()].sort((a, b) => b.length - a.length).find((t) => stem.startsWith(`${t}_`));
  if (!task) {
    throw new InputError(`file name names no task of ${tasksFile} (tasks: ${[...labelCounts.keys()].join(', ')})`, { file });
  }
  const modelId = stem.slice(task.length + 1);
  const model = GRIMOIRE_MODELS[modelId];
  if (!model) {
    throw new InputError(`unknown model "${modelId}" (known: ${Object.keys(GRIMOIRE_MODELS).join(', ')}); its size is needed`, { file });
  }
  return { task, model };
}

async function readCorrectness(file: string): Promise<{ easy: number; hard: number }> {
  const value = await readJson(file);
  if (!isObject(value)) throw new InputError('expected an object {easy: [...], hard: [...]}', { file });
  for (const field of ['easy', 'hard'] as const) {
    if (!Array.isArray(value[field])) throw new InputError('expected a list of samples', { file, field });
  }
  return { easy: (value.easy as unknown[]).length, hard: (value.hard as unknown[]).length };
}
