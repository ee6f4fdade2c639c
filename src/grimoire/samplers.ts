/**
 * Representative sample sets, k per label, deterministic for a seed (the paper's section 3.1):
 *
 * - KCS (`kmeans`): k-means per label on unit embeddings (so Euclidean distance orders pairs as cosine
 *   does); each cluster's representative is the member closest in cosine to the cluster mean.
 * - HCS (`hierarchical`): average-linkage agglomerative clustering on cosine distance, cut into k
 *   clusters per label, same representative rule.
 * - HSS (`hard`): the weak model's zero-shot mistakes are "hard"; per label a ratio r of hard samples,
 *   the rest easy, topping up from the other pool when one runs short.
 * - RSS (`random`): seeded random k per label; and `zero`, the empty set of the zero-shot grimoire.
 *
 * A label with fewer than k examples gives all it has; every shortfall is reported in `notes`.
 * Samples come out grouped by label (in the task's label order) and, within a label, in pool order,
 * so the same pool and seed always give the same prompt to the strong model.
 */
import { agnes } from 'ml-hclust';
import { kmeans } from 'ml-kmeans';
import type { Example } from '../data/types.js';
import { dot } from '../embed/vector.js';
import { InputError } from '../util/errors.js';
import { createRng, sampleIndices, type Rng } from '../util/random.js';
import type { SampleRef, SamplerSettings } from './types.js';

/** The examples one sampler picked, with notes on shortfalls. */
export interface SampleSet {
  sampler: SamplerSettings;
  samples: SampleRef[];
  /** Shortfalls and fallbacks worth telling a person (e.g. "label X: only 2 examples"). */
  notes: string[];
}

export interface LabelledPool {
  examples: readonly Example[];
  /** The task's labels, in order; examples whose target is not one of them are ignored. */
  labels: readonly string[];
}

/** KCS: one representative per k-means cluster, per label. `vectors[i]` embeds `examples[i]` (unit length). */
export function kmeansSamples(pool: LabelledPool, vectors: readonly Float32Array[], k: number, seed: number): SampleSet {
  checkVectors(pool, vectors);
  return clusterSamples(pool, vectors, { name: 'kmeans', k, seed }, (members, groups, rng) => {
    const data = members.map((i) => Array.from(vectors[i]!));
    const result = kmeans(data, groups, { seed: rng.int(2 ** 31), initialization: 'kmeans++', maxIterations: 100 });
    return result.clusters;
  });
}

/**
 * Average-linkage clustering costs O(n²) memory and about O(n³) time in ml-hclust, so a label with more
 * distinct members than this is clustered on a seeded sample of this many; every member then joins the
 * sampled cluster whose mean it is closest to in cosine (the sample's clusters are the tree's cut, the
 * assignment is one pass), so 100,000 examples take seconds.
 */
export const HIERARCHICAL_SAMPLE_SIZE = 500;

/**
 * HCS: average-linkage agglomerative clustering on cosine distance, cut into k clusters, per label
 * (on a seeded sample of HIERARCHICAL_SAMPLE_SIZE members when the label has more).
 */
export function hierarchicalSamples(pool: LabelledPool, vectors: readonly Float32Array[], k: number, seed: number): SampleSet {
  checkVectors(pool, vectors);
  return clusterSamples(pool, vectors, { name: 'hierarchical', k, seed }, (members, groups, rng) => {
    if (members.length <= HIERARCHICAL_SAMPLE_SIZE) return averageLinkage(members, groups, vectors);
    const sampled = sampleIndices(members.length, HIERARCHICAL_SAMPLE_SIZE, rng).sort((a, b) => a - b);
    const sampleAssignment = averageLinkage(
      sampled.map((p) => members[p]!),
      groups,
      vectors,
    );
    const means = clusterMeans(
      sampled.map((p) => members[p]!),
      sampleAssignment,
      groups,
      vectors,
    );
    return members.map((i) => nearestMean(vectors[i]!, means));
  });
}

function averageLinkage(members: number[], groups: number, vectors: readonly Float32Array[]): number[] {
  const distances = members.map((i) => members.map((j) => Math.max(0, 1 - dot(vectors[i]!, vectors[j]!))));
  const tree = agnes(distances, { method: 'average', isDistanceMatrix: true }).group(groups);
  const assignment = new Array<number>(members.length).fill(-1);
  tree.children.forEach((child, c) => {
    for (const leaf of child.indices()) assignment[leaf] = c;
  });
  return assignment;
}

/** Unit-length mean direction of each cluster (a zero vector for an empty one). */
function clusterMeans(members: number[], assignment: number[], groups: number, vectors: readonly Float32Array[]): Float64Array[] {
  const dims = vectors[members[0]!]!.length;
  const means = Array.from({ length: groups }, () => new Float64Array(dims));
  members.forEach((i, m) => {
    const mean = means[assignment[m]!]!;
    const v = vectors[i]!;
    for (let d = 0; d < dims; d++) mean[d]! += v[d]!;
  });
  for (const mean of means) {
    const length = Math.sqrt(mean.reduce((s, x) => s + x * x, 0)) || 1;
    for (let d = 0; d < dims; d++) mean[d]! /= length;
  }
  return means;
}

function nearestMean(vector: Float32Array, means: Float64Array[]): number {
  let best = 0;
  let bestScore = -Infinity;
  means.forEach((mean, c) => {
    const score = dot(vector, mean);
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  });
  return best;
}

/** RSS: k seeded random examples per label. */
export function randomSamples(pool: LabelledPool, k: number, seed: number): SampleSet {
  checkK(k);
  const notes: string[] = [];
  const samples: SampleRef[] = [];
  for (const [label, members] of byLabel(pool)) {
    const rng = labelRng(seed, 'random', label);
    const take = Math.min(k, members.length);
    if (take < k) notes.push(shortfall(label, members.length, k));
    const chosen = sampleIndices(members.length, take, rng).map((p) => members[p]!);
    samples.push(...inPoolOrder(chosen).map((i) => ref(pool.examples[i]!)));
  }
  return { sampler: { name: 'random', k, seed }, samples, notes };
}

/** The zero-shot grimoire: written from the task description alone. */
export function zeroSamples(seed = 0): SampleSet {
  return { sampler: { name: 'zero', k: 0, seed }, samples: [], notes: [] };
}

export interface HardSampleOptions {
  k: number;
  /** Share of hard samples per label, in [0, 1] (the paper uses 0.5 and 1.0). */
  ratio: number;
  seed: number;
  /** Example id -> answered correctly zero-shot. Examples without an entry (failed calls) are not used. */
  correct: ReadonlyMap<string, boolean>;
  /** The weak model the hardness was measured on, for provenance. */
  weakModel: string;
}

/**
 * HSS: per label, round(k·ratio) hard examples (answered wrong zero-shot) and the rest easy, seeded.
 * When a label's hard pool is short the rest come from its easy pool and vice versa, so every
 * label still gets k where the label has k judged examples at all.
 */
export function hardSamples(pool: LabelledPool, options: HardSampleOptions): SampleSet {
  const { k, ratio, seed, correct } = options;
  checkK(k);
  if (!(ratio >= 0 && ratio <= 1)) throw new InputError(`hard-sample ratio must be in [0, 1], got ${ratio}`, { field: 'hard-ratios' });
  const notes: string[] = [];
  const samples: SampleRef[] = [];
  for (const [label, members] of byLabel(pool)) {
    const judged = members.filter((i) => correct.has(pool.examples[i]!.id));
    const hard = judged.filter((i) => correct.get(pool.examples[i]!.id) === false);
    const easy = judged.filter((i) => correct.get(pool.examples[i]!.id) === true);
    const rng = labelRng(seed, `hard-${ratio}`, label);
    const wantHard = Math.round(k * ratio);
    let nHard = Math.min(wantHard, hard.length);
    let nEasy = Math.min(k - nHard, easy.length);
    // Top up from the hard pool when the easy one ran short.
    nHard = Math.min(hard.length, k - nEasy);
    if (nHard < wantHard) notes.push(`label "${label}": ${hard.length} hard example(s), wanted ${wantHard}; filled with easy ones`);
    if (nHard + nEasy < k) notes.push(shortfall(label, judged.length, k));
    nEasy = Math.min(easy.length, k - nHard);
    const pickedHard = sampleIndices(hard.length, nHard, rng).map((p) => hard[p]!);
    const pickedEasy = sampleIndices(easy.length, nEasy, rng).map((p) => easy[p]!);
    const isHard = new Set(pickedHard);
    for (const i of inPoolOrder([...pickedHard, ...pickedEasy])) samples.push({ ...ref(pool.examples[i]!), hard: isHard.has(i) });
  }
  return { sampler: { name: 'hard', k, seed, hardRatio: ratio, hardFor: options.weakModel }, samples, notes };
}

type Clusterer = (members: number[], groups: number, rng: Rng) => number[];

function clusterSamples(pool: LabelledPool, vectors: readonly Float32Array[], settings: SamplerSettings, cluster: Clusterer): SampleSet {
  checkK(settings.k);
  const notes: string[] = [];
  const samples: SampleRef[] = [];
  for (const [label, members] of byLabel(pool)) {
    const rng = labelRng(settings.seed, settings.name, label);
    let chosen: number[];
    if (members.length <= settings.k) {
      if (members.length < settings.k) notes.push(shortfall(label, members.length, settings.k));
      chosen = members;
    } else {
      // Clustering n identical points into k > n groups is undefined; cluster the distinct ones.
      const distinct = distinctMembers(members, vectors);
      const groups = Math.min(settings.k, distinct.length);
      const assignment = cluster(distinct, groups, rng);
      chosen = representatives(distinct, assignment, groups, vectors);
      if (chosen.length < settings.k) {
        const left = members.filter((i) => !chosen.includes(i));
        notes.push(`label "${label}": ${chosen.length} non-empty cluster(s) for k=${settings.k}; the rest drawn at random`);
        chosen = [...chosen, ...sampleIndices(left.length, settings.k - chosen.length, rng).map((p) => left[p]!)];
      }
    }
    samples.push(...inPoolOrder(chosen).map((i) => ref(pool.examples[i]!)));
  }
  return { sampler: settings, samples, notes };
}

/** Per cluster, the member with the highest cosine to the cluster mean (ties: earliest in the pool). */
function representatives(members: number[], assignment: number[], groups: number, vectors: readonly Float32Array[]): number[] {
  const dims = vectors[members[0]!]!.length;
  const out: number[] = [];
  for (let c = 0; c < groups; c++) {
    const inCluster = members.filter((_, m) => assignment[m] === c);
    if (!inCluster.length) continue;
    const mean = new Float64Array(dims);
    for (const i of inCluster) {
      const v = vectors[i]!;
      for (let d = 0; d < dims; d++) mean[d]! += v[d]!;
    }
    const meanNorm = Math.sqrt(mean.reduce((s, x) => s + x * x, 0)) || 1;
    let best = -1;
    let bestScore = -Infinity;
    for (const i of inCluster) {
      const score = dot(vectors[i]!, mean) / meanNorm;
      if (score > bestScore || (score === bestScore && i < best)) {
        best = i;
        bestScore = score;
      }
    }
    out.push(best);
  }
  return out;
}

function distinctMembers(members: number[], vectors: readonly Float32Array[]): number[] {
  const seen = new Set<string>();
  return members.filter((i) => {
    const key = Array.from(vectors[i]!, (x) => x.toFixed(6)).join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Pool positions grouped by label, in the task's label order; labels with no example are skipped with a note elsewhere. */
function byLabel(pool: LabelledPool): [string, number[]][] {
  const groups = new Map<string, number[]>(pool.labels.map((label) => [label, []]));
  const canonical = new Map(pool.labels.map((label) => [label.trim().toLowerCase(), label]));
  pool.examples.forEach((example, i) => {
    const label = canonical.get(example.target.trim().toLowerCase());
    if (label !== undefined) groups.get(label)!.push(i);
  });
  return [...groups.entries()];
}

function labelRng(seed: number, sampler: string, label: string): Rng {
  return createRng(`grimoire:${sampler}:${seed}:${label}`);
}

function inPoolOrder(positions: number[]): number[] {
  return [...positions].sort((a, b) => a - b);
}

function ref(example: Example): SampleRef {
  return { id: example.id, input: example.input, target: example.target };
}

function shortfall(label: string, available: number, k: number): string {
  return `label "${label}": only ${available} example(s) available for k=${k}`;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new InputError(`samples per label must be a whole number ≥ 1, got ${k}`, { field: 'k' });
}

function checkVectors(pool: LabelledPool, vectors: readonly Float32Array[]): void {
  if (vectors.length !== pool.examples.length) {
    throw new Error(`got ${vectors.length} embeddings for ${pool.examples.length} examples`);
  }
}
