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
import { DemoIndex, selectDemos } from '../eval/demos.js';
import type { ExampleRecord } from '../eval/records.js';
import { runExamples } from '../eval/runner.js';
import { summarizeRecords, type RunSummary } from '../eval/summary.js';
import type { ModelHub } from '../models/hub.js';
import { openRunDir, runIdFor, SUMMARY_FILE } from '../runs/runDir.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { InputError } from '../util/errors.js';
import { formatPercent } from '../util/numberFormat.js';
import { VERSION } from '../version.js';
import { answerWithContext, DEFAULT_ANSWER_SETTINGS, type AnswerSettings } from './answer.js';
import { GRIMOIRE_EVAL_KIND, methodRunName, validationRunName, type DemoKind, type GrimoireEvalResult, type MethodResult } from './evalResult.js';
import { RANKER_FILE, readGrimoireSet } from './artifact.js';
import type { PromptContext } from './prompt.js';
import { embedGrimoires, GrimoireRanker, mostSimilar, type TrainSettings, type ValidationAnswer } from './ranker.js';
import { loadTemplates } from './templates.js';
import type { EvalMethod, GrimoireArtifact } from './types.js';

export { EVAL_METHODS, type EvalMethod } from './types.js';
export type { DemoKind, GrimoireEvalResult, MethodResult } from './evalResult.js';

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
  /** Also write the trained ranker into the grimoire set folder, for the library API. */
  saveRanker?: boolean;
  log?: (line: string) => void;
}

type RoutedRecord = ExampleRecord & { grimoire?: string };

export async function evaluateGrimoires(config: GrimoireEvalConfig, hub: ModelHub): Promise<GrimoireEvalResult> {
  const log = config.log ?? (() => {});
  const methods = [...new Set(config.methods)];
  if (!methods.length) throw new InputError('no methods to evaluate', { field: 'methods' });
  const set = readGrimoireSet(resolve(config.grimoires));
  const loaded = await loadDataset(config.dataset, config.datasetOptions ?? {});
  const task = loaded.task;
  if (task.answer.kind !== 'label') throw new InputError(`grimoires are for classification tasks; "${task.name}" is ${task.answer.kind}`, { field: 'dataset' });
  if (set.manifest.task.toLowerCase() !== task.name.toLowerCase()) {
    throw new InputError(`the grimoire set is for task "${set.manifest.task}", the dataset is "${task.name}"`, { field: 'grimoires' });
  }
  if (config.split === 'train') throw new InputError('grimoires are written from train; evaluate on test (or validation)', { field: 'split' });
  const needsValidation = methods.includes('best-single') || methods.includes('ranker');
  if (config.split === 'validation' && needsValidation) {
    throw new InputError('best-single and ranker are chosen on validation, so they cannot be evaluated on it', { field: 'split' });
  }
  const { train, validation, source } = splitValidation(loaded, set.manifest.validationIds, config);
  const pool = config.split === 'validation' ? validation : loaded.splits[config.split];
  if (!pool) throw new InputError(`split "${config.split}" not found; available: ${Object.keys(loaded.splits).join(', ')}`, { field: 'split' });
  const examples = selectExamples(pool, { limit: config.limit, sample: config.sample, seed: config.seed });
  if (!examples.length) throw new InputError(`no examples to evaluate in split "${config.split}"`, { field: 'split' });
  refuseOversizedInputs(needsValidation ? [...examples, ...validation] : examples, config.dataset, config.weak);

  const templates = loadTemplates(config.templateDir);
  const settings: AnswerSettings = { ...DEFAULT_ANSWER_SETTINGS, ...config.answer, templates };
  const grimoires = set.grimoires;
  const common = {
    dataset: config.dataset,
    datasetContent: datasetDigest(loaded),
    datasetOptions: config.datasetOptions ?? {},
    weak: config.weak,
    maxTokens: settings.maxTokens,
    temperature: settings.temperature,
    templates: sha256Hex(canonicalJson(templates)).slice(0, 16),
    ...(settings.answerPattern ? { answerPattern: settings.answerPattern.source } : {}),
  };
  const rootIdentity = {
    ...common,
    kind: GRIMOIRE_EVAL_KIND,
    split: config.split,
    examples: examples.map((e) => e.index),
    grimoires: grimoires.map((g) => [g.id, hashText(g.text)]),
    validation: validation.map((e) => e.id),
    seed: config.seed,
  };
  const root = config.runDir ?? join(config.runsRoot, runIdFor(`grimoire-${task.name}-${config.weak}`, rootIdentity));
  const rootRun = openRunDir(root, { identity: rootIdentity, resolved: { command: 'grimoire eval', version: VERSION, config: { ...config, log: undefined } } });

  const weak = await hub.model(config.weak);
  const memo = new Map<string, Promise<ExampleRecord>>();
  const answerWith = (grimoire: GrimoireArtifact, example: Example, split: string) => {
    const key = `${grimoire.id}\u0000${split}\u0000${example.index}`;
    let record = memo.get(key);
    if (!record) {
      record = answerWithContext(weak, task, example, { kind: 'grimoire', text: grimoire.text }, settings);
      memo.set(key, record);
    }
    return record;
  };

  const run = async (name: string, split: string, items: Example[], evaluate: (e: Example) => Promise<RoutedRecord>, identity: unknown) => {
    const handle = openRunDir<RoutedRecord>(join(root, name), {
      identity: { ...common, name, split, examples: items.map((e) => e.index), ...(identity as object) },
      resolved: { command: 'grimoire eval', version: VERSION, method: name },
    });
    const { records } = await runExamples({ examples: items, evaluate, runDir: handle, concurrency: config.concurrency, showProgress: false });
    const summary = summarizeRecords(records, items.length, config.seed);
    handle.writeJson(SUMMARY_FILE, summary);
    log(`${name}: ${summary.correct}/${summary.scored} correct${summary.errors ? `, ${summary.errors} failed` : ''}`);
    return { records, summary, dir: handle.dir };
  };
  const grimoireRun = (g: GrimoireArtifact, split: string, items: Example[], name: string) => {
    // Records already on disk (resumed) are fed back to the memo, so other methods reuse them.
    const evaluate = (example: Example) => answerWith(g, example, split);
    return run(name, split, items, evaluate, { grimoire: g.id, text: hashText(g.text) }).then((result) => {
      for (const record of result.records) {
        const key = `${g.id}\u0000${split}\u0000${record.index}`;
        if (!memo.has(key) && !record.error) memo.set(key, Promise.resolve(record));
      }
      return result;
    });
  };

  // 1. Validation answers with every grimoire: best single and ranker training data.
  let validationInfo: GrimoireEvalResult['validation'] = null;
  let bestSingle: GrimoireArtifact | undefined;
  let selectionCostUsd = 0;
  let validationErrors = 0;
  let validationScored = true;
  const validationRecords = new Map<string, ExampleRecord[]>();
  if (needsValidation) {
    if (!validation.length) throw new InputError('no validation examples to choose a grimoire on', { field: 'validation-size' });
    const results = await Promise.all(grimoires.map((g) => grimoireRun(g, 'validation', validation, validationRunName(g.id))));
    const perGrimoire = grimoires.map((g, i) => {
      validationRecords.set(g.id, results[i]!.records);
      selectionCostUsd += results[i]!.summary.usage.costUsd;
      validationErrors += results[i]!.summary.errors;
      const { accuracy, scored, cutOutputs } = results[i]!.summary;
      return { id: g.id, accuracy, scored, cutOutputs };
    });
    validationInfo = { n: validation.length, source, grimoires: perGrimoire };
    validationScored = perGrimoire.some((entry) => entry.scored > 0);
    let bestIndex = 0;
    perGrimoire.forEach((entry, i) => {
      if ((entry.accuracy ?? -1) > (perGrimoire[bestIndex]!.accuracy ?? -1)) bestIndex = i;
    });
    if (validationScored) {
      bestSingle = grimoires[bestIndex];
      log(`best single grimoire on validation: ${bestSingle!.id} (${formatPercent(perGrimoire[bestIndex]!.accuracy)})`);
    } else {
      log(`every validation answer failed (${validationErrors} calls): best-single and ranker are skipped; run the same command again to retry only the failures`);
    }
  }

  // 2. The embedding space for similarity, the ranker and nearest demos: fitted on train + grimoires only.
  const needsSpace = methods.includes('similarity') || methods.includes('ranker') || (methods.includes('few-shot') && config.fewShotDemos.includes('nearest'));
  const embedder = needsSpace ? await createEmbedder(config.embedder, { models: hub }) : undefined;
  if (embedder) ensureFitted(embedder, [...train.map((e) => e.input), ...grimoires.map((g) => g.text)]);
  const space = embedder && (methods.includes('similarity') || methods.includes('ranker')) ? await embedGrimoires(embedder, grimoires) : undefined;
  const questionVectors = space ? await space.embedder.embed(examples.map((e) => e.input)) : [];
  const vectorOf = new Map(examples.map((e, i) => [e.index, questionVectors[i]!]));

  // 3. The ranker, trained on validation only.
  let ranker: GrimoireRanker | undefined;
  let rankerInfo: GrimoireEvalResult['ranker'] = null;
  if (methods.includes('ranker') && validationScored) {
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
    ranker = await GrimoireRanker.train({
      task: task.name,
      labelCount: task.answer.labels.length,
      weakModel: config.weak,
      space: space!,
      answers,
      settings: { seed: config.seed, ...config.ranker },
    });
    const file = join(root, RANKER_FILE);
    writeFileSync(file, JSON.stringify(ranker.toJSON()) + '\n');
    if (config.saveRanker) writeFileSync(join(set.dir, RANKER_FILE), JSON.stringify(ranker.toJSON()) + '\n');
    rankerInfo = { file, validation: ranker.saved.validation };
    const v = ranker.saved.validation;
    log(`ranker: trained on ${v.fitQuestions} validation questions (best epoch ${v.bestEpoch}); on ${v.checkQuestions} held-back ones it routes to ${formatPercent(v.checkRoutedAccuracy)} vs best single ${formatPercent(v.checkBestSingleAccuracy)} (mode ${v.mode})`);
  }

  // 4. The methods on the evaluated split.
  const rows: MethodResult[] = [];
  const row = (base: Omit<MethodResult, keyof RunSummary | 'runDir' | 'costUsd' | 'costPerQuestionUsd'> & { method: EvalMethod }, result: { summary: RunSummary; dir: string; records: RoutedRecord[] }) => {
    const s = result.summary;
    rows.push({
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
    });
  };
  const split = config.split;
  const context = (c: PromptContext) => (example: Example) => answerWithContext(weak, task, example, c, settings);

  if (methods.includes('zero-shot')) {
    row({ method: 'zero-shot' }, await run(methodRunName({ method: 'zero-shot' }), split, examples, context({ kind: 'zero-shot' }), { method: 'zero-shot' }));
  }
  if (methods.includes('few-shot')) {
    for (const demos of config.fewShotDemos) {
      let demosFor: (example: Example) => Promise<Example[]>;
      if (demos === 'random') {
        demosFor = (example) => selectDemos(train, example, config.shots, { strategy: 'random', seed: config.seed, balanced: true });
      } else {
        const index = await DemoIndex.build(train, embedder!);
        demosFor = (example) => index.nearestTo(example, config.shots);
      }
      const evaluate = async (example: Example) =>
        answerWithContext(weak, task, example, { kind: 'examples', examples: await demosFor(example) }, settings);
      row(
        { method: 'few-shot', demos },
        await run(methodRunName({ method: 'few-shot', demos }), split, examples, evaluate, { shots: config.shots, demos, embedder: demos === 'nearest' ? config.embedder : null }),
      );
    }
  }
  if (methods.includes('single')) {
    const results = await Promise.all(grimoires.map((g) => grimoireRun(g, split, examples, methodRunName({ method: 'single', grimoire: g.id }))));
    results.forEach((result, i) => row({ method: 'single', grimoire: grimoires[i]!.id }, result));
  }
  if (methods.includes('best-single') && bestSingle) {
    const chosen = bestSingle;
    const evaluate = async (example: Example) => ({ ...(await answerWith(chosen, example, split)), grimoire: chosen.id });
    row(
      { method: 'best-single', grimoire: chosen.id, selectionCostUsd },
      await run(methodRunName({ method: 'best-single' }), split, examples, evaluate, { grimoire: chosen.id, text: hashText(chosen.text), validation: validation.map((e) => e.id) }),
    );
  }
  const routed = async (method: 'similarity' | 'ranker', pick: (example: Example) => GrimoireArtifact, identity: unknown, extra: Partial<MethodResult>) => {
    const chosen: Record<string, number> = {};
    const evaluate = async (example: Example) => {
      const g = pick(example);
      return { ...(await answerWith(g, example, split)), grimoire: g.id };
    };
    const result = await run(methodRunName({ method }), split, examples, evaluate, identity);
    for (const record of result.records as RoutedRecord[]) if (record.grimoire) chosen[record.grimoire] = (chosen[record.grimoire] ?? 0) + 1;
    row({ method, ...extra, chosen }, result);
  };
  if (methods.includes('similarity')) {
    await routed('similarity', (example) => grimoires[mostSimilar(space!, vectorOf.get(example.index)!)]!, { embedder: embedder!.id }, {});
  }
  if (methods.includes('ranker') && ranker) {
    const byId = new Map(grimoires.map((g) => [g.id, g]));
    const trained = ranker;
    await routed(
      'ranker',
      (example) => byId.get(trained.rankVector(vectorOf.get(example.index)!, example.input.length)[0]!.id)!,
      { ranker: sha256Hex(canonicalJson(trained.saved.mlp)).slice(0, 16) },
      { selectionCostUsd },
    );
  }

  const result: GrimoireEvalResult = {
    task: task.name,
    split,
    weak: config.weak,
    grimoireSet: set.dir,
    n: examples.length,
    validation: validationInfo,
    bestSingle: bestSingle ? { grimoire: bestSingle.id, validationAccuracy: validationInfo?.grimoires.find((g) => g.id === bestSingle!.id)?.accuracy ?? null } : null,
    ranker: rankerInfo,
    methods: rows,
    runDir: rootRun.dir,
    errors: rows.reduce((sum, r) => sum + r.errors, 0) + validationErrors,
    validationErrors,
  };
  mkdirSync(root, { recursive: true });
  rootRun.writeJson(SUMMARY_FILE, result);
  return result;
}

/**
 * Train minus validation, and validation: the build's held-out ids when the manifest has them
 * (so validation never overlaps the grimoires' samples), else the dataset's validation split,
 * else a seeded stratified hold-out of train.
 */
function splitValidation(
  dataset: Dataset,
  validationIds: string[] | null,
  config: GrimoireEvalConfig,
): { train: Example[]; validation: Example[]; source: 'manifest' | 'dataset' | 'held-out' } {
  const train = dataset.splits.train ?? [];
  if (validationIds) {
    const wanted = new Set(validationIds);
    const validation = train.filter((e) => wanted.has(e.id));
    if (validation.length !== wanted.size) {
      throw new InputError(`the grimoire set's manifest names ${wanted.size} validation ids but ${validation.length} are in this dataset's train split`, { field: 'grimoires' });
    }
    return { train: train.filter((e) => !wanted.has(e.id)), validation, source: 'manifest' };
  }
  if (dataset.splits.validation) return { train, validation: dataset.splits.validation, source: 'dataset' };
  const size = Math.min(config.validationSize, Math.max(0, train.length - 1));
  if (size < 1) return { train, validation: [], source: 'held-out' };
  const held = holdOutValidation(dataset, { size, seed: config.seed });
  return { train: held.splits.train ?? [], validation: held.splits.validation ?? [], source: 'held-out' };
}

function hashText(text: string): string {
  return sha256Hex(text).slice(0, 16);
}
