/**
 * A grimoire set on disk: one folder with `manifest.json` and one `<id>.json` per grimoire, each
 * carrying its provenance (writer, sampler, samples, tokens, cost). `grimoire build` and
 * `grimoire import` write it; `grimoire eval` and the library API read it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../util/zod.js';
import { InputError } from '../util/errors.js';
import type { GrimoireArtifact, GrimoireManifest } from './types.js';
import { SAMPLER_NAMES } from './types.js';
import { redactSecrets } from '../util/redact.js';
import { readTextFile } from '../util/fileErrors.js';

export const MANIFEST_FILE = 'manifest.json';
export const RANKER_FILE = 'ranker.json';

const usage = z.object({ promptTokens: z.number(), completionTokens: z.number(), costUsd: z.number() });

const artifactSchema = z.object({
  format: z.literal('apprentice.grimoire'),
  version: z.literal(1),
  id: z.string().min(1),
  task: z.string(),
  variant: z.enum(['profound', 'simple']),
  text: z.string().min(1, 'a grimoire cannot be empty'),
  sampler: z.object({
    name: z.enum(SAMPLER_NAMES as [string, ...string[]]),
    k: z.number().int().nonnegative(),
    seed: z.number(),
    hardRatio: z.number().optional(),
    hardFor: z.string().optional(),
  }),
  samples: z.array(z.object({ id: z.string(), input: z.string(), target: z.string(), hard: z.boolean().optional() })),
  strongModel: z.string(),
  source: z.union([z.object({ kind: z.literal('generated') }), z.object({ kind: z.literal('imported'), file: z.string() })]),
  usage: usage.extend({ cached: z.boolean() }),
  createdAt: z.string(),
});

const manifestSchema = z.object({
  format: z.literal('apprentice.grimoire-set'),
  version: z.literal(1),
  task: z.string(),
  definition: z
    .object({
      name: z.string(),
      description: z.string(),
      taskType: z.string().optional(),
      inputTemplate: z.string().optional(),
      answer: z.object({ kind: z.literal('label'), labels: z.array(z.string()).min(1) }),
    })
    .nullable()
    .default(null),
  dataset: z.string().nullable(),
  strongModel: z.string().nullable(),
  weakModel: z.string().nullable(),
  embedder: z.string().nullable(),
  seed: z.number(),
  k: z.number().nullable(),
  validationIds: z.array(z.string()).nullable(),
  grimoires: z.array(
    z.object({ id: z.string(), file: z.string(), variant: z.enum(['profound', 'simple']), sampler: z.enum(SAMPLER_NAMES as [string, ...string[]]) }),
  ),
  failures: z.array(
    z.object({
      sampler: z.string(),
      variant: z.enum(['profound', 'simple']).optional(),
      error: z.object({ kind: z.string(), message: z.string() }),
    }),
  ),
  usage,
  createdAt: z.string(),
  provenance: z.record(z.string(), z.unknown()),
});

export interface GrimoireSetFiles {
  dir: string;
  manifest: GrimoireManifest;
  grimoires: GrimoireArtifact[];
}

export function grimoireFileName(id: string): string {
  return `${id}.json`;
}

/** Writes one grimoire file (as soon as it exists, so a crash loses nothing already paid for). */
export function writeGrimoire(dir: string, artifact: GrimoireArtifact): string {
  const checked = artifactSchema.parse(artifact);
  mkdirSync(dir, { recursive: true });
  const file = grimoireFileName(checked.id);
  writeFileSync(join(dir, file), redactSecrets(JSON.stringify(artifact, null, 2)) + '\n');
  return file;
}

export function writeManifest(dir: string, manifest: GrimoireManifest): void {
  manifestSchema.parse(manifest);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MANIFEST_FILE), redactSecrets(JSON.stringify(manifest, null, 2)) + '\n');
}

/** Reads a grimoire set folder, checking every file against its schema. */
export function readGrimoireSet(dir: string): GrimoireSetFiles {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new InputError(`no ${MANIFEST_FILE}: not a grimoire set (make one with "grimoire build" or "grimoire import")`, { file: dir });
  }
  const manifest = parseWith(manifestSchema, readJson(manifestPath), manifestPath) as GrimoireManifest;
  const grimoires = manifest.grimoires.map((entry) => {
    const path = join(dir, entry.file);
    if (!existsSync(path)) throw new InputError('listed in the manifest but missing', { file: path });
    const artifact = parseWith(artifactSchema, readJson(path), path) as GrimoireArtifact;
    if (artifact.id !== entry.id) throw new InputError(`id "${artifact.id}" differs from the manifest's "${entry.id}"`, { file: path });
    return artifact;
  });
  if (!grimoires.length) throw new InputError('the grimoire set holds no grimoire', { file: manifestPath });
  return { dir, manifest, grimoires };
}

export function readJson(path: string): unknown {
  const text = readTextFile(path, 'file');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: path });
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, file: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InputError(issue.message, { file, field: issue.path.map(String).join('.') || undefined });
}
