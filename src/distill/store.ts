/**
 * An annotations folder: what `distill import` and `distill annotate` write and the builders read.
 *
 *   <out>/manifest.json            task, dataset, teacher, how it was made, statistics per split
 *   <out>/<split>/config.json      identity of that split's annotation (compared on resume)
 *   <out>/<split>/records.jsonl    one AnnotationRecord per example (appended as they land)
 *   <out>/<split>/summary.json     the split's statistics, recomputable from the records
 *   <out>/<split>/batch/           Batch API requests and state (only with --batch-api)
 *
 * Records carry the input, options and gold, so the folder is self-contained.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskDefinition } from '../data/types.js';
import { readRecords, RECORDS_FILE } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';
import { redactSecrets } from '../util/redact.js';
import { VERSION } from '../version.js';
import type { AnnotationRecord } from './annotation.js';
import type { AnnotationStats } from './stats.js';

export const MANIFEST_FILE = 'manifest.json';

/** The manifest.json of an annotations folder: the task, the dataset, the teacher and how its outputs were obtained. */
export interface AnnotationManifest {
  kind: 'apprentice-annotations';
  version: string;
  task: TaskDefinition;
  dataset: string;
  /** import: precomputed outputs; live: calls through the model layer; batch: the OpenAI Batch API. */
  method: 'import' | 'live' | 'batch';
  teacher: string;
  /** Prompt and sampling settings (live and batch), or the imported files (import). */
  settings: Record<string, unknown>;
  splits: Record<string, AnnotationStats>;
  updatedAt: string;
}

export interface Annotations {
  dir: string;
  manifest: AnnotationManifest;
  /** Records per split, in example order. */
  splits: Record<string, AnnotationRecord[]>;
}

export function writeManifest(dir: string, manifest: Omit<AnnotationManifest, 'kind' | 'version' | 'updatedAt'>): AnnotationManifest {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, MANIFEST_FILE);
  // Splits annotated by an earlier command into the same folder stay listed.
  let splits = manifest.splits;
  if (existsSync(path)) {
    const previous = readManifest(dir);
    if (previous.dataset === manifest.dataset && previous.teacher === manifest.teacher) splits = { ...previous.splits, ...splits };
  }
  const full: AnnotationManifest = {
    kind: 'apprentice-annotations',
    version: VERSION,
    ...manifest,
    splits,
    updatedAt: new Date().toISOString(),
  };
  writeFileSync(path, redactSecrets(JSON.stringify(full, null, 2)) + '\n');
  return full;
}

export function readManifest(dir: string): AnnotationManifest {
  const path = join(dir, MANIFEST_FILE);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError(
      missing
        ? 'not an annotations folder (no manifest.json); make one with `apprentice distill import` or `apprentice distill annotate`'
        : `invalid JSON: ${(error as Error).message}`,
      { file: path },
    );
  }
  const manifest = value as Partial<AnnotationManifest>;
  if (manifest.kind !== 'apprentice-annotations' || !manifest.task || !manifest.splits) {
    throw new InputError('not an Apprentice annotations manifest', { file: path });
  }
  return manifest as AnnotationManifest;
}

/** The folder's manifest and every split's records, in example order. */
export function readAnnotations(dir: string): Annotations {
  const manifest = readManifest(dir);
  const splits: Record<string, AnnotationRecord[]> = {};
  const names = new Set([
    ...Object.keys(manifest.splits),
    ...readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, RECORDS_FILE)))
      .map((entry) => entry.name),
  ]);
  for (const split of names) {
    const file = join(dir, split, RECORDS_FILE);
    if (!existsSync(file)) continue;
    splits[split] = [...readRecords<AnnotationRecord>(file).values()].sort((a, b) => a.index - b.index);
  }
  return { dir, manifest, splits };
}
