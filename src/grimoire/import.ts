/**
 * `grimoire import`: grimoires in the paper's release format (`{profound_grimoire, simple_grimoire}`
 * per file, named `grimoire_<task>_<strong model>_<sampler>-<k>-shot[-hard-for-<weak>-<r>]-per-class.json`)
 * become a grimoire set in our artifact format, so any weak model can be evaluated with them
 * without a strong model. The release does not record which samples each grimoire saw, so
 * imported artifacts list none; their sampler, k, ratio and weak model come from the file name,
 * read by its known vocabulary (samplers from the end, strong models by name) so a task name may
 * contain `_` (hate_speech18). A `grimoire_*.json` whose name cannot be read is an error naming it.
 */
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { readJson, writeGrimoire, writeManifest } from './artifact.js';
import type { GrimoireArtifact, GrimoireManifest, GrimoireVariant, SamplerName, SamplerSettings } from './types.js';

export interface RecordedName {
  task: string;
  strongModel: string;
  sampler: SamplerName;
  k: number;
  hardFor?: string;
  hardRatio?: number;
}

/** The sampler part, read from the end of the name: `<sampler>-<k>-shot[-hard-for-<weak>-<r>]-per-class.json`. */
const SAMPLER_SUFFIX = /_(k-means|hierarchical|keep-hard|random)-(\d+)-shot(?:-hard-for-(.+)-(\d+(?:\.\d+)?))?-per-class\.json$/i;
const PREFIX = /^grimoire_/i;
/**
 * Strong-model names the release uses (and their families): the model is the last `_`-separated part
 * of `<task>_<strong model>` when it is one of these, so a task name may itself contain `_`.
 */
const STRONG_MODEL = /^(?:gpt-|o1|o3|o4|chatgpt|claude|gemini|palm|llama|meta-llama|qwen|mistral|mixtral|deepseek|yi-|glm|baichuan|internlm|command)/i;

/**
 * The settings a recorded file name encodes, or null when the name is not in the release's format.
 * `task` (the task being imported) settles names whose strong model is not in the known vocabulary:
 * `grimoire_<task>_<anything>_...` then names that task and that model.
 */
export function parseRecordedName(file: string, task?: string): RecordedName | null {
  const name = basename(file);
  const suffix = SAMPLER_SUFFIX.exec(name);
  if (!PREFIX.test(name) || !suffix) return null;
  const middle = name.slice('grimoire_'.length, suffix.index);
  const split = splitTaskAndModel(middle, task);
  if (!split) return null;
  const [, rawSampler, rawK, hardFor, ratio] = suffix as unknown as [string, string, string, string?, string?];
  const k = Number(rawK);
  const lower = rawSampler.toLowerCase();
  const sampler: SamplerName =
    lower === 'k-means' ? 'kmeans' : lower === 'keep-hard' ? 'hard' : lower === 'random' && k === 0 ? 'zero' : (lower as SamplerName);
  if (sampler === 'hard' && (hardFor === undefined || ratio === undefined)) return null;
  return { task: split.task, strongModel: split.strongModel, sampler, k, ...(sampler === 'hard' ? { hardFor, hardRatio: Number(ratio) } : {}) };
}

function splitTaskAndModel(middle: string, task?: string): { task: string; strongModel: string } | null {
  const at = middle.lastIndexOf('_');
  if (at > 0 && STRONG_MODEL.test(middle.slice(at + 1))) return { task: middle.slice(0, at), strongModel: middle.slice(at + 1) };
  if (task && middle.toLowerCase().startsWith(`${task.toLowerCase()}_`) && middle.length > task.length + 1) {
    return { task: middle.slice(0, task.length), strongModel: middle.slice(task.length + 1) };
  }
  const first = middle.indexOf('_');
  // With one separator only, the name is unambiguous whatever the model is called.
  if (first > 0 && first === at && at < middle.length - 1) return { task: middle.slice(0, at), strongModel: middle.slice(at + 1) };
  return null;
}

/** A stable, readable id: `kmeans-4-profound`, `hard-4-PHI2-0.5-simple`, `zero-simple`. */
export function recordedGrimoireId(name: RecordedName, variant: GrimoireVariant): string {
  if (name.sampler === 'zero') return `zero-${variant}`;
  const hard = name.sampler === 'hard' ? `-${name.hardFor}-${name.hardRatio}` : '';
  return `${name.sampler}-${name.k}${hard}-${variant}`;
}

/** Options of {@link importRecordedGrimoires}: the task, the weak model and where to write the set. */
export interface ImportOptions {
  /** Task name as in the file names (case-insensitive). */
  task: string;
  /** Keep only hard-sample grimoires made for this weak model (others are kept). */
  hardFor?: string;
  /** Where to write the set; nothing is written when absent. */
  out?: string;
  now?: () => Date;
}

/** What {@link importRecordedGrimoires} read: the manifest, the grimoires and the files skipped. */
export interface ImportResult {
  manifest: GrimoireManifest;
  grimoires: GrimoireArtifact[];
  skipped: string[];
}

/** Imports the Grimoire paper's recorded grimoire files as a grimoire set. */
export function importRecordedGrimoires(dir: string, options: ImportOptions): ImportResult {
  const source = resolve(dir);
  let files: string[];
  try {
    files = readdirSync(source)
      .filter((file) => file.endsWith('.json'))
      .sort();
  } catch {
    throw new InputError('cannot list the folder of recorded grimoires', { file: source });
  }
  const wanted = options.task.toLowerCase();
  const createdAt = (options.now?.() ?? new Date()).toISOString();
  const grimoires: GrimoireArtifact[] = [];
  const skipped: string[] = [];
  let taskName = options.task;
  const otherTasks = new Set<string>();
  for (const file of files) {
    if (!PREFIX.test(file)) {
      skipped.push(file);
      continue;
    }
    const name = parseRecordedName(file, options.task);
    if (!name) {
      throw new InputError(
        'not a release grimoire file name: expected grimoire_<task>_<strong model>_<k-means|hierarchical|keep-hard|random>-<k>-shot[-hard-for-<weak model>-<ratio>]-per-class.json' +
          ' (a strong model outside the known names is read when the name starts with the --task given)',
        { file: join(source, file) },
      );
    }
    if (name.task.toLowerCase() !== wanted) {
      otherTasks.add(name.task);
      continue;
    }
    if (options.hardFor && name.sampler === 'hard' && name.hardFor?.toLowerCase() !== options.hardFor.toLowerCase()) continue;
    taskName = name.task;
    const path = join(source, file);
    const body = readJson(path) as Record<string, unknown>;
    for (const variant of ['profound', 'simple'] as const) {
      const text = body[`${variant}_grimoire`];
      if (typeof text !== 'string' || !text.trim()) {
        throw new InputError('missing or empty grimoire text', { file: path, field: `${variant}_grimoire` });
      }
      const sampler: SamplerSettings = {
        name: name.sampler,
        k: name.k,
        seed: 0,
        ...(name.hardRatio !== undefined ? { hardRatio: name.hardRatio, hardFor: name.hardFor } : {}),
      };
      grimoires.push({
        format: 'apprentice.grimoire',
        version: 1,
        id: recordedGrimoireId(name, variant),
        task: name.task,
        variant,
        text: text.trim(),
        sampler,
        samples: [],
        strongModel: name.strongModel,
        source: { kind: 'imported', file },
        usage: { promptTokens: 0, completionTokens: 0, costUsd: 0, cached: false },
        createdAt,
      });
    }
  }
  if (!grimoires.length) {
    const found = otherTasks.size ? `; the folder has grimoires for ${[...otherTasks].sort().join(', ')}` : '';
    throw new InputError(`no recorded grimoire for task "${options.task}"${found}`, { file: source });
  }
  const strongModels = [...new Set(grimoires.map((g) => g.strongModel))];
  const manifest: GrimoireManifest = {
    format: 'apprentice.grimoire-set',
    version: 1,
    task: taskName,
    definition: null,
    dataset: null,
    strongModel: strongModels.join(', '),
    weakModel: null,
    embedder: null,
    seed: 0,
    k: null,
    validationIds: null,
    grimoires: grimoires.map((g) => ({ id: g.id, file: `${g.id}.json`, variant: g.variant, sampler: g.sampler.name })),
    failures: [],
    usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
    createdAt,
    provenance: { command: 'grimoire import', version: VERSION, source, hardFor: options.hardFor ?? null },
  };
  if (options.out) {
    for (const grimoire of grimoires) writeGrimoire(options.out, grimoire);
    writeManifest(options.out, manifest);
  }
  return { manifest, grimoires, skipped };
}
