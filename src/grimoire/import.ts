/**
 * `grimoire import`: grimoires in the paper's release format (`{profound_grimoire, simple_grimoire}`
 * per file, named `grimoire_<task>_<strong model>_<sampler>-<k>-shot[-hard-for-<weak>-<r>]-per-class.json`)
 * become a grimoire set in our artifact format, so any weak model can be evaluated with them
 * without a strong model. The release does not record which samples each grimoire saw, so
 * imported artifacts list none; their sampler, k, ratio and weak model come from the file name.
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

const NAME = /^grimoire_([^_]+)_(.+?)_(k-means|hierarchical|keep-hard|random)-(\d+)-shot(?:-hard-for-(.+)-(\d+(?:\.\d+)?))?-per-class\.json$/;

/** The settings a recorded file name encodes, or null when the name is not in the release's format. */
export function parseRecordedName(file: string): RecordedName | null {
  const match = NAME.exec(basename(file));
  if (!match) return null;
  const [, task, strongModel, rawSampler, rawK, hardFor, ratio] = match as unknown as [string, string, string, string, string, string?, string?];
  const k = Number(rawK);
  const sampler: SamplerName =
    rawSampler === 'k-means' ? 'kmeans' : rawSampler === 'keep-hard' ? 'hard' : rawSampler === 'random' && k === 0 ? 'zero' : (rawSampler as SamplerName);
  if (sampler === 'hard' && (hardFor === undefined || ratio === undefined)) return null;
  return { task, strongModel, sampler, k, ...(sampler === 'hard' ? { hardFor, hardRatio: Number(ratio) } : {}) };
}

/** A stable, readable id: `kmeans-4-profound`, `hard-4-PHI2-0.5-simple`, `zero-simple`. */
export function recordedGrimoireId(name: RecordedName, variant: GrimoireVariant): string {
  if (name.sampler === 'zero') return `zero-${variant}`;
  const hard = name.sampler === 'hard' ? `-${name.hardFor}-${name.hardRatio}` : '';
  return `${name.sampler}-${name.k}${hard}-${variant}`;
}

export interface ImportOptions {
  /** Task name as in the file names (case-insensitive). */
  task: string;
  /** Keep only hard-sample grimoires made for this weak model (others are kept). */
  hardFor?: string;
  /** Where to write the set; nothing is written when absent. */
  out?: string;
  now?: () => Date;
}

export interface ImportResult {
  manifest: GrimoireManifest;
  grimoires: GrimoireArtifact[];
  skipped: string[];
}

export function importRecordedGrimoires(dir: string, options: ImportOptions): ImportResult {
  const source = resolve(dir);
  let files: string[];
  try {
    files = readdirSync(source).filter((file) => file.endsWith('.json')).sort();
  } catch {
    throw new InputError('cannot list the folder of recorded grimoires', { file: source });
  }
  const wanted = options.task.toLowerCase();
  const createdAt = (options.now?.() ?? new Date()).toISOString();
  const grimoires: GrimoireArtifact[] = [];
  const skipped: string[] = [];
  let taskName = options.task;
  for (const file of files) {
    const name = parseRecordedName(file);
    if (!name) {
      skipped.push(file);
      continue;
    }
    if (name.task.toLowerCase() !== wanted) continue;
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
    throw new InputError(`no recorded grimoire for task "${options.task}"`, { file: source });
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
