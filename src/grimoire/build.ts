/**
 * `grimoire build`: from a dataset to a grimoire set folder. Validation is held out of train first
 * (seeded, label-stratified) and its ids written to the manifest, so samplers never see the examples
 * `grimoire eval` later uses to pick the best grimoire and train the ranker. Then each sampler picks
 * its sample set from the rest of train, and the strong model writes a profound and a simple
 * grimoire per set. Grimoire files are written as they arrive; failures are listed in the manifest.
 */
import { join, resolve } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import pLimit from 'p-limit';
import { datasetDigest } from '../data/digest.js';
import { loadDataset, type DatasetOptions } from '../data/load.js';
import { refuseOversizedInputs } from '../eval/inputSize.js';
import { holdOutValidation, selectExamples } from '../data/split.js';
import type { Dataset, Example } from '../data/types.js';
import { createEmbedder, ensureFitted } from '../embed/index.js';
import type { ModelHub } from '../models/hub.js';
import { ModelError } from '../models/errors.js';
import { InputError } from '../util/errors.js';
import { redactSecrets } from '../util/redact.js';
import { VERSION } from '../version.js';
import { answerWithContext, DEFAULT_ANSWER_SETTINGS, type AnswerSettings } from './answer.js';
import { writeGrimoire, writeManifest } from './artifact.js';
import { DEFAULT_GENERATION_SETTINGS, generateGrimoirePair, sampleSetId, type GenerationSettings } from './generate.js';
import { hardSamples, hierarchicalSamples, kmeansSamples, randomSamples, zeroSamples, type LabelledPool, type SampleSet } from './samplers.js';
import { loadTemplates } from './templates.js';
import type { GrimoireArtifact, GrimoireManifest, ManifestFailure, SamplerName } from './types.js';

/** What {@link buildGrimoires} builds: the dataset, the strong (and weak) model, samplers, variants and output folder. */
export interface BuildConfig {
  dataset: string;
  datasetOptions?: DatasetOptions;
  strong: string;
  /** Needed by the hard-sample sampler. */
  weak?: string;
  embedder: string;
  samplers: SamplerName[];
  /** Samples per label. Default 4. */
  k: number;
  /** HSS ratios. Default [0.5, 1.0]. */
  hardRatios: number[];
  seed: number;
  /** Train examples held out as validation (stratified), never sampled. */
  validationSize: number;
  /** Train examples the weak model answers zero-shot to find hard ones. */
  hardPoolSize: number;
  out: string;
  generation?: Partial<GenerationSettings>;
  answer?: Partial<AnswerSettings>;
  templateDir?: string;
  concurrency: number;
}

/** What {@link buildGrimoires} wrote: the set folder, its manifest, the grimoires and the samples they came from. */
export interface BuildResult {
  dir: string;
  manifest: GrimoireManifest;
  grimoires: GrimoireArtifact[];
  sampleSets: SampleSet[];
  notes: string[];
  hardness: { weakModel: string; judged: number; hard: number; errors: number; costUsd: number } | null;
}

/** Builds a grimoire set: samples examples, has the strong model write the grimoires and saves the set folder. */
export async function buildGrimoires(config: BuildConfig, hub: ModelHub, options: { log?: (line: string) => void } = {}): Promise<BuildResult> {
  const log = options.log ?? (() => {});
  const templates = loadTemplates(config.templateDir);
  const dir = resolve(config.out);
  const loaded = await loadDataset(config.dataset, config.datasetOptions ?? {});
  const { dataset, validationIds } = withValidation(loaded, config);
  const task = dataset.task;
  if (task.answer.kind !== 'label') {
    throw new InputError(`grimoires are for classification tasks; "${task.name}" has answer type ${task.answer.kind}`, { field: 'dataset' });
  }
  const train = dataset.splits.train ?? [];
  if (!train.length) throw new InputError('the dataset has no train examples to sample from', { field: 'dataset' });
  // Train examples go to the strong model as samples, and to the weak one when it judges which are hard.
  for (const model of [config.strong, ...(config.weak ? [config.weak] : [])]) refuseOversizedInputs(train, config.dataset, model);
  const pool: LabelledPool = { examples: train, labels: task.answer.labels };
  const notes: string[] = [];

  const sets: SampleSet[] = [];
  let vectors: Float32Array[] | undefined;
  const clusterVectors = async () => {
    if (!vectors) {
      const embedder = await createEmbedder(config.embedder, { models: hub });
      const inputs = train.map((example) => example.input);
      ensureFitted(embedder, inputs);
      vectors = await embedder.embed(inputs);
    }
    return vectors;
  };
  let hardness: BuildResult['hardness'] = null;
  for (const sampler of unique(config.samplers)) {
    if (sampler === 'kmeans') sets.push(kmeansSamples(pool, await clusterVectors(), config.k, config.seed));
    if (sampler === 'hierarchical') sets.push(hierarchicalSamples(pool, await clusterVectors(), config.k, config.seed));
    if (sampler === 'random') sets.push(randomSamples(pool, config.k, config.seed));
    if (sampler === 'zero') sets.push(zeroSamples(config.seed));
    if (sampler === 'hard') {
      if (!config.weak) throw new InputError('the hard-sample sampler needs the weak model (--weak)', { field: 'weak' });
      const judged = await zeroShotCorrectness(hub, config, dataset, dir, templates);
      hardness = judged.summary;
      log(
        `hard samples: ${judged.summary.hard} of ${judged.summary.judged} answered wrong zero-shot by ${config.weak}` +
          (judged.summary.errors ? ` (${judged.summary.errors} failed calls left out)` : ''),
      );
      for (const ratio of config.hardRatios) {
        sets.push(hardSamples(pool, { k: config.k, ratio, seed: config.seed, correct: judged.correct, weakModel: config.weak }));
      }
    }
  }
  for (const set of sets) for (const note of set.notes) notes.push(`${sampleSetId(set.sampler)}: ${note}`);

  const strong = await hub.model(config.strong);
  const generation: GenerationSettings = { ...DEFAULT_GENERATION_SETTINGS, ...config.generation, templates };
  const grimoires: GrimoireArtifact[] = [];
  const failures: ManifestFailure[] = [];
  const limit = pLimit(Math.max(1, config.concurrency));
  await Promise.all(
    sets.map((set) =>
      limit(async () => {
        const name = sampleSetId(set.sampler);
        try {
          const pair = await generateGrimoirePair(strong, task, set, generation);
          for (const artifact of [pair.profound, pair.simple]) {
            if (!artifact) continue;
            writeGrimoire(dir, artifact);
            grimoires.push(artifact);
            log(`wrote ${artifact.id} (${artifact.usage.promptTokens}+${artifact.usage.completionTokens} tokens, $${artifact.usage.costUsd.toFixed(4)})`);
          }
          if (pair.simpleError) failures.push(failure(name, 'simple', pair.simpleError));
        } catch (error) {
          if (!(error instanceof ModelError)) throw error;
          failures.push(failure(name, undefined, error));
          log(`failed ${name}: ${error.kind}: ${error.message}`);
        }
      }),
    ),
  );
  const order = new Map(sets.map((set, i) => [sampleSetId(set.sampler), i]));
  grimoires.sort((a, b) => (order.get(setOf(a)) ?? 0) - (order.get(setOf(b)) ?? 0) || a.variant.localeCompare(b.variant));

  const manifest: GrimoireManifest = {
    format: 'apprentice.grimoire-set',
    version: 1,
    task: task.name,
    definition: task,
    dataset: config.dataset,
    strongModel: config.strong,
    weakModel: config.weak ?? null,
    embedder: config.embedder,
    seed: config.seed,
    k: config.k,
    validationIds,
    grimoires: grimoires.map((g) => ({ id: g.id, file: `${g.id}.json`, variant: g.variant, sampler: g.sampler.name })),
    failures,
    usage: grimoires.reduce(
      (sum, g) => ({
        promptTokens: sum.promptTokens + g.usage.promptTokens,
        completionTokens: sum.completionTokens + g.usage.completionTokens,
        costUsd: sum.costUsd + g.usage.costUsd,
      }),
      { promptTokens: 0, completionTokens: 0, costUsd: 0 },
    ),
    createdAt: new Date().toISOString(),
    provenance: {
      command: 'grimoire build',
      version: VERSION,
      source: dataset.source,
      datasetContent: datasetDigest(loaded),
      samplers: config.samplers,
      hardRatios: config.hardRatios,
      validationSize: validationIds?.length ?? null,
      hardPoolSize: config.hardPoolSize,
      generation: { maxTokens: generation.maxTokens, temperature: generation.temperature },
      templateDir: config.templateDir ?? null,
      hardness,
      notes,
    },
  };
  writeManifest(dir, manifest);
  return { dir, manifest, grimoires, sampleSets: sets, notes, hardness };
}

function setOf(artifact: GrimoireArtifact): string {
  return sampleSetId(artifact.sampler);
}

function withValidation(dataset: Dataset, config: BuildConfig): { dataset: Dataset; validationIds: string[] | null } {
  if (dataset.splits.validation) return { dataset, validationIds: null };
  const train = dataset.splits.train ?? [];
  if (config.validationSize <= 0 || train.length <= config.validationSize) return { dataset, validationIds: null };
  const held = holdOutValidation(dataset, { size: config.validationSize, seed: config.seed });
  return { dataset: held, validationIds: (held.splits.validation ?? []).map((example) => example.id) };
}

/**
 * HSS's hardness: the weak model answers a seeded subset of train zero-shot (through the hub, so
 * cached). Failed calls are left out, never counted as hard. Saved to `zero-shot-correctness.json`.
 */
async function zeroShotCorrectness(
  hub: ModelHub,
  config: BuildConfig,
  dataset: Dataset,
  dir: string,
  templates: ReturnType<typeof loadTemplates>,
): Promise<{ correct: Map<string, boolean>; summary: NonNullable<BuildResult['hardness']> }> {
  const weak = await hub.model(config.weak!);
  const train = dataset.splits.train ?? [];
  const pool: Example[] = selectExamples(train, { sample: Math.min(config.hardPoolSize, train.length), seed: config.seed });
  const settings: AnswerSettings = { ...DEFAULT_ANSWER_SETTINGS, ...config.answer, templates };
  const limit = pLimit(Math.max(1, config.concurrency));
  const records = await Promise.all(pool.map((example) => limit(() => answerWithContext(weak, dataset.task, example, { kind: 'zero-shot' }, settings))));
  const correct = new Map<string, boolean>();
  let errors = 0;
  let costUsd = 0;
  records.forEach((record) => {
    costUsd += record.costUsd;
    if (record.error || record.correct === null) errors++;
    else correct.set(record.id, record.correct);
  });
  const hard = [...correct.values()].filter((ok) => !ok).length;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'zero-shot-correctness.json'),
    redactSecrets(
      JSON.stringify(
        {
          weakModel: config.weak,
          easy: [...correct].filter(([, ok]) => ok).map(([id]) => id),
          hard: [...correct].filter(([, ok]) => !ok).map(([id]) => id),
          failed: records.filter((r) => r.error).map((r) => ({ id: r.id, error: r.error })),
        },
        null,
        2,
      ),
    ) + '\n',
  );
  return { correct, summary: { weakModel: config.weak!, judged: correct.size, hard, errors, costUsd } };
}

function failure(sampler: string, variant: 'profound' | 'simple' | undefined, error: ModelError): ManifestFailure {
  return { sampler, ...(variant ? { variant } : {}), error: { kind: error.kind, message: error.message } };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
