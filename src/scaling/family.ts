/**
 * The built-in family: students of several engine sizes trained on the synthetic multi-step
 * arithmetic family (one difficulty level per number of steps), then `scale run` on them, so the
 * report shows at which size (if any) multi-step ability appears with and without chain of thought.
 *
 * Training data are exactly the prompts the evaluation sends (chat messages rendered as the plain
 * transcript the GGUF runtime uses for a model without a chat template), on a mix of completions:
 *
 *   direct         zero-shot prompt                         -> " <answer>"
 *   rationale      zero-shot CoT, first stage               -> " <gold rationale> The answer is <answer>."
 *   answer         zero-shot CoT, answer-extraction stage   -> " <answer>"
 *   cot            few-shot CoT prompt (k demos from train) -> " <gold rationale> The answer is <answer>."
 *
 * so chain of thought is learnable: the gold rationales spell out every intermediate result.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadDataset } from '../data/load.js';
import type { Dataset, Example } from '../data/types.js';
import { selectDemos } from '../eval/demos.js';
import { buildAnswerExtractionPrompt, buildPrompt } from '../eval/prompts.js';
import { train, type TrainEvent, type TrainResult } from '../engine/train.js';
import type { TrainingExample } from '../engine/trainingData.js';
import { plainTranscript } from '../models/core/transcript.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { parseFamilySize, stepsFor } from './familySizes.js';
import type { Prompting } from './scaleRun.js';

export interface FamilyTrainingConfig {
  /** Named engine sizes or custom `<dim>x<layers>` (familySizes.ts). */
  sizes: readonly string[];
  /** Steps per problem, one difficulty level each (e.g. [1, 2, 3]). */
  difficulties: readonly number[];
  digits: number;
  /** Training problems per difficulty level. */
  trainPerLevel: number;
  /** Test problems per difficulty level. */
  testPerLevel: number;
  /** Validation problems per level (validation loss during training). */
  validationPerLevel: number;
  prompting: readonly Prompting[];
  /** Demonstrations in few-shot CoT prompts (training and evaluation alike). */
  shots: number;
  /** Steps of the smallest size. */
  optimizerSteps: number;
  /** Steps grow as (parameters / smallest's)^this (default 0: every size the same steps). */
  stepsExponent?: number;
  batchSize: number;
  learningRate: number;
  contextLength: number;
  seed: number;
  outDir: string;
  onEvent?: (size: string, event: TrainEvent) => void;
}

export interface TrainedStudent {
  size: string;
  dir: string;
  parameters: number;
  /** null when an existing checkpoint of the same recipe was reused. */
  result: Pick<TrainResult, 'steps' | 'trainLoss' | 'validationLoss' | 'validationAccuracy' | 'tokensPerSecond'> & { seconds: number };
  reused: boolean;
}

/** One synthetic dataset spec per difficulty level (test first, so the test set never changes with train size). */
export function familyDatasets(
  config: Pick<FamilyTrainingConfig, 'difficulties' | 'digits' | 'trainPerLevel' | 'testPerLevel' | 'validationPerLevel' | 'seed'>,
) {
  return config.difficulties.map((steps) => ({
    spec: `synthetic:steps=${steps},digits=${config.digits},distractors=0,train=${config.trainPerLevel},validation=${config.validationPerLevel},test=${config.testPerLevel},seed=${config.seed}`,
    options: { taskName: `arithmetic ${steps}-step` },
  }));
}

export async function familyTrainingExamples(
  dataset: Dataset,
  split: string,
  config: Pick<FamilyTrainingConfig, 'prompting' | 'shots' | 'seed'>,
): Promise<TrainingExample[]> {
  const pool = dataset.splits[split] ?? [];
  const demoPool = dataset.splits.train ?? [];
  const out: TrainingExample[] = [];
  const add = (prompt: string, completion: string, task: string, example: Example) =>
    out.push({ prompt, completion, weight: 1, task, source: { file: `${dataset.source}#${split}`, line: example.index + 1 } });
  for (const example of pool) {
    const reasoning = `${example.rationale ?? ''} The answer is ${example.target}.`.trim();
    add(plainTranscript(buildPrompt('zero-shot', dataset.task, example, []).messages), ` ${example.target}`, 'direct', example);
    if (config.prompting.includes('few-shot') && config.shots > 0) {
      const demos = await selectDemos(demoPool, example, Math.min(config.shots, demoPool.length - 1), { strategy: 'random', seed: config.seed });
      add(plainTranscript(buildPrompt('few-shot', dataset.task, example, demos).messages), ` ${example.target}`, 'direct', example);
    }
    if (config.prompting.includes('zero-shot-cot')) {
      const first = buildPrompt('zero-shot-cot', dataset.task, example, []);
      add(plainTranscript(first.messages), ` ${reasoning}`, 'rationale', example);
      const second = buildAnswerExtractionPrompt(dataset.task, example, first.messages, ` ${reasoning}`);
      add(plainTranscript(second.messages), ` ${example.target}`, 'answer', example);
    }
    if (config.prompting.includes('cot') && config.shots > 0) {
      const demos = await selectDemos(demoPool, example, Math.min(config.shots, demoPool.length - 1), { strategy: 'random', seed: config.seed });
      add(plainTranscript(buildPrompt('cot', dataset.task, example, demos).messages), ` ${reasoning}`, 'rationale', example);
    }
  }
  return out;
}

/** Trains every size on the mixed data of all levels; a checkpoint already trained with the same recipe is reused. */
export async function trainFamily(config: FamilyTrainingConfig): Promise<TrainedStudent[]> {
  const trainExamples: TrainingExample[] = [];
  const validationExamples: TrainingExample[] = [];
  for (const entry of familyDatasets(config)) {
    const dataset = await loadDataset(entry.spec, entry.options);
    trainExamples.push(...(await familyTrainingExamples(dataset, 'train', config)));
    if (dataset.splits.validation) validationExamples.push(...(await familyTrainingExamples(dataset, 'validation', config)));
  }
  const students: TrainedStudent[] = [];
  const sizes = config.sizes.map(parseFamilySize);
  const steps = stepsFor(sizes, config.optimizerSteps, config.stepsExponent ?? 0);
  for (const [i, { name: size, size: base, model }] of sizes.entries()) {
    const dir = resolve(join(config.outDir, 'models', size));
    const recipe = {
      size,
      ...(model ? { model } : {}),
      data: sha256Hex(canonicalJson(trainExamples.map(({ prompt, completion, task }) => [prompt, completion, task]))),
      steps: steps[i]!,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      contextLength: config.contextLength,
      seed: config.seed,
    };
    const recipeFile = join(dir, 'family-recipe.json');
    const previous = await readFile(recipeFile, 'utf8').then(
      (text) => JSON.parse(text) as { recipe: unknown; student: TrainedStudent },
      () => null,
    );
    if (previous && canonicalJson(previous.recipe) === canonicalJson(recipe)) {
      students.push({ ...previous.student, dir, reused: true });
      continue;
    }
    const started = Date.now();
    const result = await train({
      train: trainExamples,
      validation: validationExamples,
      outDir: dir,
      size: base,
      ...(model ? { model } : {}),
      steps: steps[i]!,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      contextLength: config.contextLength,
      seed: config.seed,
      info: { family: recipe, difficulties: config.difficulties },
      // A size interrupted mid-training continues from its last saved state (same recipe) when run again.
      resume: true,
      onEvent: (event) => config.onEvent?.(size, event),
    });
    const student: TrainedStudent = {
      size,
      dir,
      parameters: result.parameters,
      result: {
        steps: result.steps,
        trainLoss: result.trainLoss,
        validationLoss: result.validationLoss,
        validationAccuracy: result.validationAccuracy,
        tokensPerSecond: result.tokensPerSecond,
        seconds: (Date.now() - started) / 1000,
      },
      reused: false,
    };
    await mkdir(dir, { recursive: true });
    await writeFile(recipeFile, JSON.stringify({ recipe, student }, null, 2) + '\n');
    students.push(student);
  }
  return students;
}
