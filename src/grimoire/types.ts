/**
 * What the Grimoire (SLEICL) pipeline produces and consumes: sample sets chosen from training data,
 * grimoires (skill books written by a strong model, or imported from recordings) with their
 * provenance, and the manifest of a grimoire set folder.
 */
import type { TaskDefinition } from '../data/types.js';
import type { TokenUsage } from '../models/types.js';

/** Sample-set strategies of the paper: KCS, HCS, HSS, RSS and the zero-shot grimoire. */
export type SamplerName = 'kmeans' | 'hierarchical' | 'hard' | 'random' | 'zero';

export const SAMPLER_NAMES: readonly SamplerName[] = ['kmeans', 'hierarchical', 'hard', 'random', 'zero'];

/** Profound: rules, how to apply them, examples where needed. Simple: at most three rules. */
export type GrimoireVariant = 'profound' | 'simple';

/** A training example a grimoire was written from. */
export interface SampleRef {
  /** Example id in the dataset (train split). */
  id: string;
  input: string;
  target: string;
  /** HSS only: whether the weak model answered it wrong zero-shot. */
  hard?: boolean;
}

/** How a grimoire's examples were sampled: sampler, examples per label, seed. */
export interface SamplerSettings {
  name: SamplerName;
  /** Samples per label (0 for the zero-shot grimoire). */
  k: number;
  seed: number;
  /** HSS: share of hard samples per label. */
  hardRatio?: number;
  /** HSS: the weak model whose zero-shot mistakes define "hard". */
  hardFor?: string;
}

/** One grimoire file of a set: the text the strong model wrote for the task, and how it was made (sampler, samples, variant). */
export interface GrimoireArtifact {
  format: 'apprentice.grimoire';
  version: 1;
  /** Unique within a set, also the file name (without .json). */
  id: string;
  task: string;
  variant: GrimoireVariant;
  text: string;
  sampler: SamplerSettings;
  samples: SampleRef[];
  /** Model spec (generated) or model name (imported) of the writer. */
  strongModel: string;
  source: { kind: 'generated' } | { kind: 'imported'; file: string };
  /** Tokens and dollars spent writing this grimoire (the simple variant includes only its own call). */
  usage: TokenUsage & { costUsd: number; cached: boolean };
  createdAt: string;
}

/** One grimoire of a set's manifest: its id, file, variant and sampler. */
export interface ManifestEntry {
  id: string;
  file: string;
  variant: GrimoireVariant;
  sampler: SamplerName;
}

/** A grimoire the build could not write, with the error. */
export interface ManifestFailure {
  sampler: string;
  variant?: GrimoireVariant;
  error: { kind: string; message: string };
}

/** The manifest.json of a grimoire set: the task, how each grimoire was made, and the failures. */
export interface GrimoireManifest {
  format: 'apprentice.grimoire-set';
  version: 1;
  task: string;
  /** The task as the weak model sees it (type, description, labels); null for imported sets. */
  definition: TaskDefinition | null;
  dataset: string | null;
  strongModel: string | null;
  weakModel: string | null;
  embedder: string | null;
  seed: number;
  k: number | null;
  /** Train ids held out as validation before any sampling (generated sets); eval reuses them. */
  validationIds: string[] | null;
  grimoires: ManifestEntry[];
  failures: ManifestFailure[];
  usage: TokenUsage & { costUsd: number };
  createdAt: string;
  /** How the set was made (command, version, settings). */
  provenance: Record<string, unknown>;
}

/** The methods `grimoire eval` compares. */
export const EVAL_METHODS = ['zero-shot', 'few-shot', 'single', 'best-single', 'similarity', 'ranker'] as const;
/** One way of answering that a grimoire evaluation compares: a baseline or a grimoire selection method. */
export type EvalMethod = (typeof EVAL_METHODS)[number];
