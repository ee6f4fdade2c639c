/**
 * `grimoire eval`: the paper's Table 1 for one task and one weak model — zero-shot, few-shot (random
 * and nearest-neighbour demos), every single grimoire, the best single grimoire chosen on
 * validation, SLEICL with similarity ranking and SLEICL with the learned ranker — each with a 95%
 * bootstrap CI, invalid, cut (run-on) and failed counts, and cost.
 *
 * Honesty rules: validation comes from train (the ids the build held out before sampling, or a
 * seeded stratified hold-out for imported sets) and is the only data used to pick the best grimoire
 * and to train the ranker; the evaluated examples are the split's first N or a seeded sample, never
 * repeated or padded; a failed call is an error, not a wrong answer. Every method is a resumable
 * run folder (records.jsonl, summary.json) under one parent folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { datasetDigest } from '../data/digest.js';
import { loadDataset, type DatasetOptions } from '../data/load.js';
import { holdOutValidation, selectExamples } from '../data/split.js';
import { refuseOversizedInputs } from '../eval/inputSize.js';
import type { Dataset, Example } from '../data/types.js';
import { createEmbedder, ensureFitted } from '../embed/index.js';
import type { Embedder } from '../embed/types.js';
import { DemoIndex, selectDemos } from '../eval/demos.js';
import type { ExampleRecord } from '../eval/records.js';
import type { RunSummary } from '../eval/summary.js';
import type { ModelHub } from '../models/hub.js';
import { openRunDir, runIdFor, SUMMARY_FILE } from '../runs/runDir.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { InputError } from '../util/errors.js';
import { formatPercent } from '../util/numberFormat.js';
import { VERSION } from '../version.js';
import { DEFAULT_ANSWER_SETTINGS, type AnswerSettings } from './answer.js';
import { GRIMOIRE_EVAL_KIND, methodRunName, validationRunName, type DemoKind, type GrimoireEvalResult, type MethodResult } from './evalResult.js';
import { RANKER_FILE, readGrimoireSet } from './artifact.js';
import { embedGrimoires, GrimoireRanker, mostSimilar, type GrimoireSpace, type TrainSettings, type ValidationAnswer } from './ranker.js';
import { hashText, MethodRuns, type MethodRun, type RoutedRecord } from './evaluateRuns.js';
import { loadTemplates } from './templates.js';
import type { EvalMethod, GrimoireArtifact } from './types.js';

export { EVAL_METHODS, type EvalMethod } from './types.js';
export type { DemoKind, GrimoireEvalResult, MethodResult } from './evalResult.js';

/** What {@link evaluateGrimoires} evaluates: the dataset, the weak model, the grimoire set and the methods. */
export interface GrimoireEvalConfig {
  dataset: string;
  datasetOptions?: DatasetOptions;
  weak: string;
  /** A grimoire set folder (from build or import). */
  grimoires: string;
  split: string;
  limit?: number;
  sample?: number;
  seed: number;
  methods: EvalMethod[];
  /** Demonstrations for few-shot. Default 4. */
  shots: number;
  fewShotDemos: DemoKind[];
  /** For similarity ranking, the ranker's features and nearest demos. */
  embedder: string;
  /** Validation held out of train when the set's manifest names none. */
  validationSize: number;
  answer?: Partial<Omit<AnswerSettings, 'templates'>>;
  templateDir?: string;
  ranker?: Partial<TrainSettings>;
  concurrency: number;
  runsRoot: string;
  runDir?: string;
  /** A human name for the run folder: `<runsRoot>/<name>-<12 hex of the identity>`; the identity is unaffected. */
  name?: string;
  /** Also write the trained ranker into the grimoire set folder, for the library API. */
  saveRanker?: boolean;
  log?: (line: string) => void;
}

/** Evaluates a grimoire set with a weak model against the baselines, into a run folder. */
export async function evaluateGrimoires(config: GrimoireEvalConfig, hub: ModelHub): Promise<GrimoireEvalResult> {
  const log = config.log ?? (() => {});
  const plan = await planEvaluation(config);
  const { methods, set, task, examples, validation, settings } = plan;
  const grimoires = set.grimoires;
  const identity = sharedIdentity(config, plan);
  const rootIdentity = {
    ...identity,
    kind: GRIMOIRE_EVAL_KIND,
    split: config.split,
    examples: examples.map((e) => e.index),
    grimoires: grimoires.map((g) => [g.id, hashText(g.text)]),
    validation: validation.map((e) => e.id),
    seed: config.seed,
  };
  const root = config.runDir ?? join(config.runsRoot, runIdFor(config.name ?? `grimoire-${task.name}-${config.weak}`, rootIdentity));
  const rootRun = openRunDir(root, { identity: rootIdentity, resolved: { command: 'grimoire eval', version: VERSION, config: { ...config, log: undefined } } });
  const weak = await hub.model(config.weak);
  const runs = new MethodRuns({ root, identity, weak, task, answer: settings, concurrency: config.concurrency, seed: config.seed, log });

  const chosen = plan.needsValidation ? await chooseOnValidation(runs, grimoires, validation, plan.validationSource, log) : NOT_CHOSEN;
  const space = await embeddingSpace(config, plan, hub);
  const ranker = methods.includes('ranker') && chosen.scored ? await trainRanker(config, plan, chosen.records, space, root) : undefined;
  if (ranker) log(rankerLine(ranker.info));
  const rows = await evaluateMethods(config, plan, runs, {
    bestSingle: chosen.bestSingle,
    selectionCostUsd: chosen.selectionCostUsd,
    space,
    ranker: ranker?.ranker,
  });

  const bestSingle = chosen.bestSingle;
  const result: GrimoireEvalResult = {
    task: task.name,
    split: config.split,
    weak: config.weak,
    grimoireSet: set.dir,
    n: examples.length,
    validation: chosen.info,
    bestSingle: bestSingle
      ? { grimoire: bestSingle.id, validationAccuracy: chosen.info?.grimoires.find((g) => g.id === bestSingle.id)?.accuracy ?? null }
      : null,
    ranker: ranker?.info ?? null,
    methods: rows,
    runDir: rootRun.dir,
    errors: rows.reduce((sum, r) => sum + r.errors, 0) + chosen.errors,
    validationErrors: chosen.errors,
  };
  mkdirSync(root, { recursive: true });
  rootRun.writeJson(SUMMARY_FILE, result);
  return result;
}

/** What an evaluation needs before any call: checked inputs, the examples, validation and the answer settings. */
interface EvaluationPlan {
  methods: EvalMethod[];
  needsValidation: boolean;
  set: ReturnType<typeof readGrimoireSet>;
  dataset: Dataset;
  task: Dataset['task'];
  train: Example[];
  validation: Example[];
  validationSource: ValidationSource;
  examples: Example[];
  templates: ReturnType<typeof loadTemplates>;
  settings: AnswerSettings;
}

async function planEvaluation(config: GrimoireEvalConfig): Promise<EvaluationPlan> {
  const methods = [...new Set(config.methods)];
  if (!methods.length) throw new InputError('no methods to evaluate', { field: 'methods' });
  const set = readGrimoireSet(resolve(config.grimoires));
  const dataset = await loadDataset(config.dataset, config.datasetOptions ?? {});
  const task = dataset.task;
  if (task.answer.kind !== 'label') throw new InputError(`grimoires are for classification tasks; "${task.name}" is ${task.answer.kind}`, { field: 'dataset' });
  if (set.manifest.task.toLowerCase() !== task.name.toLowerCase()) {
    throw new InputError(`the grimoire set is for task "${set.manifest.task}", the dataset is "${task.name}"`, { field: 'grimoires' });
  }
  if (config.split === 'train') throw new InputError('grimoires are written from train; evaluate on test (or validation)', { field: 'split' });
  const needsValidation = methods.includes('best-single') || methods.includes('ranker');
  if (config.split === 'validation' && needsValidation) {
    throw new InputError('best-single and ranker are chosen on validation, so they cannot be evaluated on it', { field: 'split' });
  }
  const { train, validation, source } = splitValidation(dataset, set.manifest.validationIds, config);
  const pool = config.split === 'validation' ? validation : dataset.splits[config.split];
  if (!pool) throw new InputError(`split "${config.split}" not found; available: ${Object.keys(dataset.splits).join(', ')}`, { field: 'split' });
  const examples = selectExamples(pool, { limit: config.limit, sample: config.sample, seed: config.seed });
  if (!examples.length) throw new InputError(`no examples to evaluate in split "${config.split}"`, { field: 'split' });
  refuseOversizedInputs(needsValidation ? [...examples, ...validation] : examples, config.dataset, config.weak);
  const templates = loadTemplates(config.templateDir);
  const settings: AnswerSettings = { ...DEFAULT_ANSWER_SETTINGS, ...config.answer, templates };
  return { methods, needsValidation, set, dataset, task, train, validation, validationSource: source, examples, templates, settings };
}

/** What every run folder of the evaluation is identified by: the data, the weak model and how it is asked. */
function sharedIdentity(config: GrimoireEvalConfig, plan: EvaluationPlan): Record<string, unknown> {
  return {
    dataset: config.dataset,
    datasetContent: datasetDigest(plan.dataset),
    datasetOptions: config.datasetOptions ?? {},
    weak: config.weak,
    maxTokens: plan.settings.maxTokens,
    temperature: plan.settings.temperature,
    templates: sha256Hex(canonicalJson(plan.templates)).slice(0, 16),
    ...(plan.settings.answerPattern ? { answerPattern: plan.settings.answerPattern.source } : {}),
  };
}

/** Every grimoire's answers on validation, and the best single grimoire chosen on them. */
interface ValidationChoice {
  info: GrimoireEvalResult['validation'];
  bestSingle: GrimoireArtifact | undefined;
  /** The validation answers' cost: what choosing cost. */
  selectionCostUsd: number;
  errors: number;
  /** Some validation answer was scored (else nothing can be chosen). */
  scored: boolean;
  records: Map<string, ExampleRecord[]>;
}

const NOT_CHOSEN: ValidationChoice = { info: null, bestSingle: undefined, selectionCostUsd: 0, errors: 0, scored: true, records: new Map() };

async function chooseOnValidation(
  runs: MethodRuns,
  grimoires: GrimoireArtifact[],
  validation: Example[],
  source: ValidationSource,
  log: (line: string) => void,
): Promise<ValidationChoice> {
  if (!validation.length) throw new InputError('no validation examples to choose a grimoire on', { field: 'validation-size' });
  const results = await Promise.all(grimoires.map((g) => runs.grimoireRun(g, 'validation', validation, validationRunName(g.id))));
  const records = new Map(grimoires.map((g, i) => [g.id, results[i]!.records]));
  const selectionCostUsd = results.reduce((sum, r) => sum + r.summary.usage.costUsd, 0);
  const errors = results.reduce((sum, r) => sum + r.summary.errors, 0);
  const perGrimoire = grimoires.map((g, i) => {
    const { accuracy, scored, cutOutputs } = results[i]!.summary;
    return { id: g.id, accuracy, scored, cutOutputs };
  });
  const info = { n: validation.length, source, grimoires: perGrimoire };
  const scored = perGrimoire.some((entry) => entry.scored > 0);
  if (!scored) {
    log(`every validation answer failed (${errors} calls): best-single and ranker are skipped; run the same command again to retry only the failures`);
    return { info, bestSingle: undefined, selectionCostUsd, errors, scored, records };
  }
  let bestIndex = 0;
  perGrimoire.forEach((entry, i) => {
    if ((entry.accuracy ?? -1) > (perGrimoire[bestIndex]!.accuracy ?? -1)) bestIndex = i;
  });
  const bestSingle = grimoires[bestIndex]!;
  log(`best single grimoire on validation: ${bestSingle.id} (${formatPercent(perGrimoire[bestIndex]!.accuracy)})`);
  return { info, bestSingle, selectionCostUsd, errors, scored, records };
}

/** The embedding space for similarity, the ranker and nearest demos, fitted on train and the grimoires only. */
interface EmbeddingSpace {
  embedder: Embedder | undefined;
  grimoires: GrimoireSpace | undefined;
  /** Each evaluated question's vector (when grimoires are embedded), by example index. */
  vectorOf: Map<number, Float32Array>;
}

async function embeddingSpace(config: GrimoireEvalConfig, plan: EvaluationPlan, hub: ModelHub): Promise<EmbeddingSpace> {
  const { methods, train, examples } = plan;
  const grimoires = plan.set.grimoires;
  const routes = methods.includes('similarity') || methods.includes('ranker');
  const needsSpace = routes || (methods.includes('few-shot') && config.fewShotDemos.includes('nearest'));
  const embedder = needsSpace ? await createEmbedder(config.embedder, { models: hub }) : undefined;
  if (embedder) ensureFitted(embedder, [...train.map((e) => e.input), ...grimoires.map((g) => g.text)]);
  const space = embedder && routes ? await embedGrimoires(embedder, grimoires) : undefined;
  const questionVectors = space ? await space.embedder.embed(examples.map((e) => e.input)) : [];
  return { embedder, grimoires: space, vectorOf: new Map(examples.map((e, i) => [e.index, questionVectors[i]!])) };
}

/** The learned ranker, trained on the validation answers only; written into the evaluation (and the set when asked). */
async function trainRanker(
  config: GrimoireEvalConfig,
  plan: EvaluationPlan,
  validationRecords: Map<string, ExampleRecord[]>,
  space: EmbeddingSpace,
  root: string,
): Promise<{ ranker: GrimoireRanker; info: NonNullable<GrimoireEvalResult['ranker']> }> {
  const { task, validation } = plan;
  const grimoires = plan.set.grimoires;
  const byIndex = new Map(grimoires.map((g) => [g.id, new Map((validationRecords.get(g.id) ?? []).map((r) => [r.index, r]))]));
  const answers: ValidationAnswer[] = validation.map((example) => ({
    id: example.id,
    input: example.input,
    correct: new Map(
      grimoires.flatMap((g) => {
        const record = byIndex.get(g.id)!.get(example.index);
        // Failed calls are left out: they say nothing about the grimoire.
        return record && !record.error && record.correct !== null ? [[g.id, record.correct] as const] : [];
      }),
    ),
  }));
  const ranker = await GrimoireRanker.train({
    task: task.name,
    labelCount: task.answer.kind === 'label' ? task.answer.labels.length : 0,
    weakModel: config.weak,
    space: space.grimoires!,
    answers,
    settings: { seed: config.seed, ...config.ranker },
  });
  const file = join(root, RANKER_FILE);
  writeFileSync(file, JSON.stringify(ranker.toJSON()) + '\n');
  if (config.saveRanker) writeFileSync(join(plan.set.dir, RANKER_FILE), JSON.stringify(ranker.toJSON()) + '\n');
  return { ranker, info: { file, validation: ranker.saved.validation } };
}

function rankerLine(info: NonNullable<GrimoireEvalResult['ranker']>): string {
  const v = info.validation;
  return `ranker: trained on ${v.fitQuestions} validation questions (best epoch ${v.bestEpoch}); on ${v.checkQuestions} held-back ones it routes to ${formatPercent(v.checkRoutedAccuracy)} vs best single ${formatPercent(v.checkBestSingleAccuracy)} (mode ${v.mode})`;
}

interface Chosen {
  bestSingle: GrimoireArtifact | undefined;
  selectionCostUsd: number;
  space: EmbeddingSpace;
  ranker: GrimoireRanker | undefined;
}

type RowBase = Omit<MethodResult, keyof RunSummary | 'runDir' | 'costUsd' | 'costPerQuestionUsd'> & { method: EvalMethod };

/** The methods on the evaluated split, one row each, in the paper's order. */
async function evaluateMethods(config: GrimoireEvalConfig, plan: EvaluationPlan, runs: MethodRuns, chosen: Chosen): Promise<MethodResult[]> {
  const { methods, examples } = plan;
  const grimoires = plan.set.grimoires;
  const split = config.split;
  const rows: MethodResult[] = [];
  if (methods.includes('zero-shot')) {
    const evaluate = (example: Example) => runs.answerWithContext(example, { kind: 'zero-shot' });
    rows.push(methodRow({ method: 'zero-shot' }, await runs.run(methodRunName({ method: 'zero-shot' }), split, examples, evaluate, { method: 'zero-shot' })));
  }
  if (methods.includes('few-shot')) {
    for (const demos of config.fewShotDemos) rows.push(await fewShot(config, plan, runs, demos, chosen.space));
  }
  if (methods.includes('single')) {
    const results = await Promise.all(grimoires.map((g) => runs.grimoireRun(g, split, examples, methodRunName({ method: 'single', grimoire: g.id }))));
    results.forEach((result, i) => rows.push(methodRow({ method: 'single', grimoire: grimoires[i]!.id }, result)));
  }
  if (methods.includes('best-single') && chosen.bestSingle) {
    const grimoire = chosen.bestSingle;
    const identity = { grimoire: grimoire.id, text: hashText(grimoire.text), validation: plan.validation.map((e) => e.id) };
    const result = await routedRun(runs, 'best-single', split, examples, () => grimoire, identity);
    rows.push(methodRow({ method: 'best-single', grimoire: grimoire.id, selectionCostUsd: chosen.selectionCostUsd }, result));
  }
  const { vectorOf } = chosen.space;
  if (methods.includes('similarity')) {
    const space = chosen.space.grimoires!;
    const result = await routedRun(runs, 'similarity', split, examples, (example) => grimoires[mostSimilar(space, vectorOf.get(example.index)!)]!, {
      embedder: chosen.space.embedder!.id,
    });
    rows.push(methodRow({ method: 'similarity', chosen: chosenCounts(result.records) }, result));
  }
  if (methods.includes('ranker') && chosen.ranker) {
    const byId = new Map(grimoires.map((g) => [g.id, g]));
    const ranker = chosen.ranker;
    const pick = (example: Example) => byId.get(ranker.rankVector(vectorOf.get(example.index)!, example.input.length)[0]!.id)!;
    const result = await routedRun(runs, 'ranker', split, examples, pick, { ranker: sha256Hex(canonicalJson(ranker.saved.mlp)).slice(0, 16) });
    rows.push(methodRow({ method: 'ranker', selectionCostUsd: chosen.selectionCostUsd, chosen: chosenCounts(result.records) }, result));
  }
  return rows;
}

async function fewShot(config: GrimoireEvalConfig, plan: EvaluationPlan, runs: MethodRuns, demos: DemoKind, space: EmbeddingSpace): Promise<MethodResult> {
  let demosFor: (example: Example) => Promise<Example[]>;
  if (demos === 'random') {
    demosFor = (example) => selectDemos(plan.train, example, config.shots, { strategy: 'random', seed: config.seed, balanced: true });
  } else {
    const index = await DemoIndex.build(plan.train, space.embedder!);
    demosFor = (example) => index.nearestTo(example, config.shots);
  }
  const evaluate = async (example: Example) => runs.answerWithContext(example, { kind: 'examples', examples: await demosFor(example) });
  const identity = { shots: config.shots, demos, embedder: demos === 'nearest' ? config.embedder : null };
  return methodRow(
    { method: 'few-shot', demos },
    await runs.run(methodRunName({ method: 'few-shot', demos }), config.split, plan.examples, evaluate, identity),
  );
}

/** A method that answers each question with one grimoire it picks (shared with the other methods through the memo). */
function routedRun(
  runs: MethodRuns,
  method: 'best-single' | 'similarity' | 'ranker',
  split: string,
  examples: Example[],
  pick: (example: Example) => GrimoireArtifact,
  identity: object,
): Promise<MethodRun> {
  const evaluate = async (example: Example) => {
    const grimoire = pick(example);
    return { ...(await runs.answerWith(grimoire, example, split)), grimoire: grimoire.id };
  };
  return runs.run(methodRunName({ method }), split, examples, evaluate, identity);
}

function chosenCounts(records: RoutedRecord[]): Record<string, number> {
  const chosen: Record<string, number> = {};
  for (const record of records) if (record.grimoire) chosen[record.grimoire] = (chosen[record.grimoire] ?? 0) + 1;
  return chosen;
}

function methodRow(base: RowBase, result: MethodRun): MethodResult {
  const s = result.summary;
  return {
    ...base,
    n: s.n,
    scored: s.scored,
    correct: s.correct,
    accuracy: s.accuracy,
    ci95: s.ci95,
    invalid: s.invalid,
    cutOutputs: s.cutOutputs,
    errors: s.errors,
    errorsByKind: s.errorsByKind,
    costUsd: s.usage.costUsd,
    costPerQuestionUsd: s.costPerExampleUsd,
    costPerCorrectUsd: s.costPerCorrectUsd,
    runDir: result.dir,
  };
}

type ValidationSource = 'manifest' | 'dataset' | 'held-out';

/**
 * Train minus validation, and validation: the build's held-out ids when the manifest has them
 * (so validation never overlaps the grimoires' samples), else the dataset's validation split,
 * else a seeded stratified hold-out of train.
 */
function splitValidation(
  dataset: Dataset,
  validationIds: string[] | null,
  config: GrimoireEvalConfig,
): { train: Example[]; validation: Example[]; source: ValidationSource } {
  const train = dataset.splits.train ?? [];
  if (validationIds) {
    const wanted = new Set(validationIds);
    const validation = train.filter((e) => wanted.has(e.id));
    if (validation.length !== wanted.size) {
      throw new InputError(`the grimoire set's manifest names ${wanted.size} validation ids but ${validation.length} are in this dataset's train split`, {
        field: 'grimoires',
      });
    }
    return { train: train.filter((e) => !wanted.has(e.id)), validation, source: 'manifest' };
  }
  if (dataset.splits.validation) return { train, validation: dataset.splits.validation, source: 'dataset' };
  const size = Math.min(config.validationSize, Math.max(0, train.length - 1));
  if (size < 1) return { train, validation: [], source: 'held-out' };
  const held = holdOutValidation(dataset, { size, seed: config.seed });
  return { train: held.splits.train ?? [], validation: held.splits.validation ?? [], source: 'held-out' };
}
