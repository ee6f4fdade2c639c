/**
 * Precomputed teacher outputs in the layout of the distilling step-by-step release (and
 * ../shared/datasets): `<split>_CoT_<k>.json`, each a JSON array of raw completions, which in
 * input order across k = 0, 1, 2, ... hold one completion per example of the split. They become an
 * annotations folder exactly like one made by calling a teacher.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { contentDigest, datasetDigest } from '../data/digest.js';
import { loadDataset, type DatasetOptions } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import { openRunDir, SUMMARY_FILE } from '../runs/runDir.js';
import { canonicalJson } from '../util/canonicalJson.js';
import { InputError } from '../util/errors.js';
import { answerPatternOption, promptLayout } from '../eval/extract/index.js';
import { QUESTION_FIELDS } from '../eval/prompts.js';
import { templateDemos } from './teacherPrompt.js';
import { annotationFromOutputs, type AnnotationRecord } from './annotation.js';
import { annotationStats, type AnnotationStats } from './stats.js';
import { type AnnotationManifest, writeManifest } from './store.js';

const OUTPUT_FILE = /^(.+)_CoT_(\d+)\.json$/i;
const SPLIT_ALIASES: Record<string, string> = { valid: 'validation', val: 'validation', dev: 'validation' };

export interface TeacherOutputFiles {
  /** Split -> its files in k order and their completions, concatenated. */
  [split: string]: { files: string[]; outputs: string[] };
}

/** Every `<split>_CoT_<k>.json` in `dir`, checked: k runs 0..m without gaps, each file an array of strings. */
export function readTeacherOutputs(dir: string): TeacherOutputFiles {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir);
  } catch {
    throw new InputError('teacher outputs directory not found', { file: dir });
  }
  const bySplit = new Map<string, { k: number; file: string }[]>();
  for (const name of names) {
    const match = OUTPUT_FILE.exec(name);
    if (!match) continue;
    const stem = match[1]!.toLowerCase();
    const split = SPLIT_ALIASES[stem] ?? stem;
    const list = bySplit.get(split) ?? [];
    list.push({ k: Number(match[2]), file: join(dir, name) });
    bySplit.set(split, list);
  }
  if (bySplit.size === 0) throw new InputError('no <split>_CoT_<k>.json files (e.g. train_CoT_0.json)', { file: dir });
  const result: TeacherOutputFiles = {};
  for (const [split, list] of bySplit) {
    list.sort((a, b) => a.k - b.k);
    list.forEach(({ k, file }, position) => {
      if (k !== position) {
        throw new InputError(`${split} outputs must be numbered 0, 1, 2, ... without gaps; expected ${split}_CoT_${position}.json before ${basename(file)}`, {
          file: dir,
        });
      }
    });
    const outputs: string[] = [];
    for (const { file } of list) outputs.push(...readOutputArray(file));
    result[split] = { files: list.map(({ file }) => file), outputs };
  }
  return result;
}

function readOutputArray(file: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`invalid JSON: ${(error as Error).message}`, { file });
  }
  if (!Array.isArray(value)) throw new InputError('expected a JSON array of completions', { file });
  value.forEach((item, i) => {
    if (typeof item !== 'string') throw new InputError(`completion is a ${item === null ? 'null' : typeof item}, not a string`, { file, field: `[${i}]` });
  });
  return value as string[];
}

export interface ImportConfig {
  dataset: string;
  datasetOptions?: DatasetOptions;
  teacherOutputs: string;
  out: string;
  /** Name recorded as the teacher (default: the outputs folder's name). */
  teacher?: string;
  /** A regular expression for final-answer statements the built-in markers do not cover (--answer-pattern). */
  answerPattern?: string;
}

export interface ImportResult {
  out: string;
  teacher: string;
  splits: Record<string, AnnotationStats>;
  manifest: AnnotationManifest;
}

export async function importTeacherOutputs(config: ImportConfig): Promise<ImportResult> {
  const dataset: Dataset = await loadDataset(config.dataset, config.datasetOptions ?? {});
  const outputDir = resolve(config.teacherOutputs);
  const files = readTeacherOutputs(outputDir);
  const teacher = config.teacher ?? `import:${basename(outputDir)}`;
  const answerPattern = answerPatternOption(config.answerPattern);
  // The outputs are read in the layout a teacher would have been prompted with here (annotate's default prompt).
  const demos = templateDemos(dataset.task).demos.map((demo) => ({ input: demo.input }));
  const splits: Record<string, AnnotationStats> = {};
  for (const [split, { files: paths, outputs }] of Object.entries(files)) {
    const examples = dataset.splits[split];
    if (!examples) {
      throw new InputError(`teacher outputs for split "${split}" but the dataset has no such split (it has ${Object.keys(dataset.splits).join(', ')})`, {
        file: paths[0],
      });
    }
    if (outputs.length !== examples.length) {
      throw new InputError(
        `${paths.map((p) => basename(p)).join(' + ')} hold ${outputs.length} completions but the ${split} split has ${examples.length} examples; they must correspond one to one, in input order`,
        { file: outputDir },
      );
    }
    const runDir = openRunDir<AnnotationRecord>(join(config.out, split), {
      identity: {
        method: 'import',
        dataset: dataset.source,
        datasetContent: datasetDigest(dataset),
        split,
        teacher,
        files: paths.map((p) => basename(p)),
        outputsContent: contentDigest(canonicalJson(outputs)),
        n: outputs.length,
        ...(config.answerPattern ? { answerPattern: config.answerPattern } : {}),
      },
      resolved: { command: 'distill import', task: dataset.task, teacherOutputs: outputDir, files: paths },
    });
    const records = examples.map((example, i) => {
      const previous = runDir.existing.get(example.index);
      if (previous) return previous;
      const read = { layout: promptLayout(dataset.task, example, demos, QUESTION_FIELDS), answerPattern };
      const record = annotationFromOutputs(dataset.task, example, split, [outputs[i]!], undefined, read);
      runDir.append(record);
      return record;
    });
    splits[split] = annotationStats(records, examples.length, dataset.task);
    runDir.writeJson(SUMMARY_FILE, splits[split]);
  }
  const manifest = writeManifest(config.out, {
    task: dataset.task,
    dataset: dataset.source,
    method: 'import',
    teacher,
    settings: { teacherOutputs: outputDir, files: Object.fromEntries(Object.entries(files).map(([s, f]) => [s, f.files.map((p) => basename(p))])) },
    splits,
  });
  return { out: resolve(config.out), teacher, splits, manifest };
}
