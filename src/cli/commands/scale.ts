/** `apprentice scale`: how task scores change with model size (emergence, BIG-bench statistics). */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { analyzeScaling } from '../../scaling/analyzeScaling.js';
import { formatAnalysisTable } from '../../scaling/formatAnalysis.js';
import { importGrimoireCorrectness } from '../../scaling/grimoireCorrectness.js';
import type { resolveFamily } from '../../scaling/modelFamily.js';
import { PROMPTINGS, type Prompting } from '../../scaling/promptings.js';
import type { runScale } from '../../scaling/scaleRun.js';
import { writeScoreRows } from '../../scaling/writeScoreRows.js';
import { addDatasetOptions, datasetOptionsFrom, datasetSchema } from '../datasetOptions.js';
import { addModelLayerOptions, createHub, modelLayerSchema } from '../modelOptions.js';
import { isModelSize, MODEL_SIZES, type ModelSize } from '../../engine/sizes.js';
import { commaList, nonNegativeInt, parseOptions, positiveInt, positiveNumber } from '../validate.js';

const analyzeSchema = z.object({ json: z.boolean().optional(), out: z.string().optional() });
const importSchema = z.object({ out: z.string().min(1), tasks: z.string().optional() });

export function registerScale(program: Command): void {
  const scale = program.command('scale').description('how scores change with model size: normalized scores, linearity, breakthroughness');

  scale
    .command('analyze')
    .description('per task and metric: normalized scores by model size, BIG-bench linearity and breakthroughness, a verdict')
    .argument('<file>', 'CSV/JSON/JSONL rows of model, params, task, metric, score (optional: random, max, labels, n, ci_low, ci_high, params_estimated)')
    .option('--json', 'print one JSON array instead of tables')
    .option('--out <dir>', 'also write analysis.json, analysis.md, scaling.svg, report.html and report.md to this folder')
    .action(async (file: string, raw: Record<string, unknown>) => {
      const options = parseOptions(analyzeSchema, raw);
      const { readScoreRows } = await import('../../scaling/readScoreRows.js');
      const analyses = analyzeScaling(await readScoreRows(file));
      if (options.out) {
        const { writeScalingReport } = await import('../../scaling/scalingReport.js');
        await writeScalingReport(options.out, { analyses, source: file });
      }
      process.stdout.write((options.json ? JSON.stringify(analyses) : formatAnalysisTable(analyses)) + '\n');
    });

  scale
    .command('import-grimoire-correctness')
    .description("turn the Grimoire paper's recorded zero-shot correctness (keep_hard_<TASK>_<MODEL>.json) into score rows")
    .argument('<dir>', 'the zero-shot-correctness folder')
    .requiredOption('--out <file>', 'where to write the rows (.csv or .json)')
    .option('--tasks <file>', 'tasks.json with each task\'s labels (default: <dir>/../../tasks.json)')
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const options = parseOptions(importSchema, raw);
      const rows = await importGrimoireCorrectness(dir, options.tasks ? { tasksFile: options.tasks } : {});
      await writeScoreRows(options.out, rows);
      const tasks = new Set(rows.map((row) => row.task)).size;
      const models = new Set(rows.map((row) => row.model)).size;
      process.stderr.write(`wrote ${rows.length} rows (${tasks} tasks × ${models} models) to ${options.out}\n`);
    });

  registerScaleRun(scale);
  registerScaleFamily(scale);
}

const promptingList = commaList.pipe(z.array(z.enum(PROMPTINGS as [Prompting, ...Prompting[]])).min(1));

export const scaleRunSchema = modelLayerSchema.merge(datasetSchema).extend({
  models: z.string().min(1),
  dataset: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  prompting: promptingList,
  out: z.string().min(1),
  split: z.string(),
  limit: positiveInt.optional(),
  sample: positiveInt.optional(),
  seed: nonNegativeInt,
  shots: nonNegativeInt,
  demoSplit: z.string(),
  maxTokens: positiveInt,
  validationFraction: z.coerce.number().gt(0).lt(1),
  logprobMetrics: z.boolean(),
  json: z.boolean().optional(),
  progress: z.boolean(),
});

function registerScaleRun(scale: Command): void {
  const command = scale
    .command('run')
    .description('evaluate a family of models of different sizes on tasks under direct and chain-of-thought prompting; write score rows and the analysis')
    .requiredOption('--models <list>', 'comma-separated <spec>=<params> (7B, 350M, 1.3e9); gguf: and builtin: models may omit =<params> (counted from the file)')
    .option('--prompting <list>', `comma-separated: ${PROMPTINGS.join(', ')} (direct = zero-shot answer only; cot = few-shot chain of thought)`, 'direct,cot,zero-shot-cot')
    .requiredOption('--out <dir>', 'output folder: scores.csv, scores.json, evaluations.json, analysis.*, scaling.svg, report.html, report.md, runs/')
    .option('--split <name>', 'split to evaluate', 'test')
    .option('--limit <n>', 'the first N examples of the split')
    .option('--sample <n>', 'a seeded random subset of N examples')
    .option('--seed <n>', 'seed for sampling, demos and bootstrap', '0')
    .option('--shots <k>', 'demonstrations for few-shot and cot', '4')
    .option('--demo-split <name>', 'split the demonstrations come from', 'train')
    .option('--max-tokens <n>', 'maximum tokens per completion (answer-only promptings use at most 64)', '256')
    .option('--validation-fraction <f>', 'fraction of train held out as validation when needed', '0.1')
    .option('--no-logprob-metrics', 'skip multiple-choice grade and log P(target) even for models that give log-probs')
    .option('--json', 'print one JSON object (rows, analysis, evaluations, files) instead of tables')
    .option('--no-progress', 'no progress output');
  addDatasetOptions(command);
  // --dataset may be given more than once.
  command.options.find((option) => option.long === '--dataset')?.argParser((value: string, previous: unknown) =>
    Array.isArray(previous) ? [...(previous as string[]), value] : [value],
  );
  addModelLayerOptions(command).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(scaleRunSchema, raw);
    const datasets = Array.isArray(options.dataset) ? options.dataset : [options.dataset];
    const [{ parseModelsOption, resolveFamily }, { runScale }] = await Promise.all([import('../../scaling/modelFamily.js'), import('../../scaling/scaleRun.js')]);
    const models = await resolveFamily(parseModelsOption(options.models));
    const hub = await createHub(options);
    const out = resolve(options.out);
    try {
      const result = await runScale(
        {
          models,
          datasets,
          datasetOptions: datasetOptionsFrom({ ...options, dataset: datasets[0] as string }),
          prompting: options.prompting,
          split: options.split,
          limit: options.limit,
          sample: options.sample,
          seed: options.seed,
          shots: options.shots,
          demoSplit: options.demoSplit,
          maxTokens: options.maxTokens,
          validationFraction: options.validationFraction,
          concurrency: options.concurrency,
          logprobMetrics: options.logprobMetrics,
          outDir: out,
          showProgress: options.progress && !options.json,
        },
        hub,
      );
      await reportScaleRun(out, result, models, options.json ?? false);
    } finally {
      await hub.close();
    }
  });
}

/** Writes rows, analysis and report of a finished `scale run`, prints them, sets the exit code. */
export async function reportScaleRun(
  out: string,
  result: Awaited<ReturnType<typeof runScale>>,
  models: Awaited<ReturnType<typeof resolveFamily>>,
  json: boolean,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const scores = { csv: join(out, 'scores.csv'), json: join(out, 'scores.json') };
  await writeScoreRows(scores.csv, result.rows);
  await writeScoreRows(scores.json, result.rows);
  await writeFile(join(out, 'evaluations.json'), JSON.stringify({ models, evaluations: result.evaluations, notes: result.notes }, null, 2) + '\n');
  const analyses = analyzeScaling(result.rows);
  const { writeScalingReport } = await import('../../scaling/scalingReport.js');
  const files = await writeScalingReport(out, {
    analyses,
    source: scores.csv,
    title: 'Scaling run',
    evaluations: result.evaluations,
    notes: result.notes,
    configuration: { models, ...extra },
  });
  const errors = result.evaluations.reduce((sum, e) => sum + e.errors, 0);
  const missing = result.evaluations.reduce((sum, e) => sum + e.missing, 0);
  if (json) {
    process.stdout.write(
      JSON.stringify({ ...extra, models, rows: result.rows, analysis: analyses, evaluations: result.evaluations, notes: result.notes, files: { ...files, scores } }) + '\n',
    );
  } else {
    process.stdout.write(formatAnalysisTable(analyses) + '\n');
    for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
    process.stderr.write(`wrote ${result.rows.length} score rows to ${scores.csv} and the report to ${files.html}\n`);
  }
  if (errors > 0 || missing > 0) {
    process.stderr.write(`${errors} example(s) failed and ${missing} were not run; they are not scored. Run the same command again to retry only them.\n`);
    process.exitCode = 3;
  }
}

const familySchema = modelLayerSchema.extend({
  sizes: commaList.pipe(z.array(z.string().refine(isModelSize, { message: `sizes are ${Object.keys(MODEL_SIZES).join(', ')}` })).min(1)),
  difficulties: commaList.pipe(z.array(z.string().regex(/^[1-8]$/, 'each difficulty is a number of steps from 1 to 8').transform(Number)).min(1)),
  digits: z.coerce.number().int().min(1).max(4),
  train: positiveInt,
  test: positiveInt,
  validation: nonNegativeInt,
  steps: positiveInt,
  batchSize: positiveInt,
  lr: positiveNumber,
  context: positiveInt,
  shots: nonNegativeInt,
  prompting: promptingList,
  seed: nonNegativeInt,
  maxTokens: positiveInt,
  out: z.string().min(1),
  json: z.boolean().optional(),
  progress: z.boolean(),
});

function registerScaleFamily(scale: Command): void {
  const command = scale
    .command('family')
    .description('train built-in students of several sizes on the synthetic multi-step arithmetic family, then `scale run` them')
    .option('--sizes <list>', `engine sizes: ${Object.keys(MODEL_SIZES).join(', ')}`, 'tiny,small')
    .option('--difficulties <list>', 'arithmetic steps per problem, one task per level', '1,2,3')
    .option('--digits <n>', 'digits of the numbers in the problems', '1')
    .option('--train <n>', 'training problems per level', '400')
    .option('--test <n>', 'test problems per level', '50')
    .option('--validation <n>', 'validation problems per level (validation loss while training)', '20')
    .option('--steps <n>', 'optimizer steps per size', '300')
    .option('--batch-size <n>', 'examples per optimizer step', '16')
    .option('--lr <rate>', 'peak learning rate', '0.002')
    .option('--context <tokens>', 'sequence length of the students', '384')
    .option('--shots <k>', 'demonstrations in few-shot chain-of-thought prompts (training and evaluation)', '1')
    .option('--prompting <list>', `comma-separated: ${PROMPTINGS.join(', ')}`, 'direct,cot,zero-shot-cot')
    .option('--seed <n>', 'seed of the problems, the initialisation and the data order', '0')
    .option('--max-tokens <n>', 'maximum tokens per completion', '160')
    .requiredOption('--out <dir>', 'output folder: models/<size>/ checkpoints, then everything `scale run` writes')
    .option('--json', 'print one JSON object')
    .option('--no-progress', 'no progress output');
  addModelLayerOptions(command).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(familySchema, raw);
    const out = resolve(options.out);
    const recipe = {
      sizes: options.sizes as ModelSize[],
      difficulties: options.difficulties,
      digits: options.digits,
      trainPerLevel: options.train,
      testPerLevel: options.test,
      validationPerLevel: options.validation,
      prompting: options.prompting,
      shots: options.shots,
      optimizerSteps: options.steps,
      batchSize: options.batchSize,
      learningRate: options.lr,
      contextLength: options.context,
      seed: options.seed,
      outDir: out,
    };
    const [{ familyDatasets, trainFamily }, { resolveFamily }, { runScale }] = await Promise.all([
      import('../../scaling/family.js'),
      import('../../scaling/modelFamily.js'),
      import('../../scaling/scaleRun.js'),
    ]);
    let last = 0;
    const students = await trainFamily({
      ...recipe,
      onEvent: (size, event) => {
        if (!options.progress || options.json) return;
        if (event.type === 'start') process.stderr.write(`family: training ${size} (${event.parameters.toLocaleString('en-US')} parameters, ${event.trainExamples} examples)\n`);
        else if (event.type === 'step' && (Date.now() - last > 5000 || event.step === event.steps)) {
          last = Date.now();
          process.stderr.write(`family: ${size} step ${event.step}/${event.steps} loss ${event.loss.toFixed(3)} ${Math.round(event.tokensPerSecond)} tokens/s\n`);
        }
      },
    });
    const models = await resolveFamily(students.map((student) => ({ spec: `builtin:${student.dir}` })));
    const hub = await createHub(options);
    try {
      const result = await runScale(
        {
          models,
          datasets: familyDatasets(recipe),
          datasetOptions: {},
          prompting: options.prompting,
          split: 'test',
          seed: options.seed,
          shots: options.shots,
          demoSplit: 'train',
          maxTokens: options.maxTokens,
          validationFraction: 0.1,
          concurrency: options.concurrency,
          logprobMetrics: true,
          outDir: out,
          showProgress: options.progress && !options.json,
        },
        hub,
      );
      await writeFile(join(out, 'family.json'), JSON.stringify({ recipe, students }, null, 2) + '\n');
      await reportScaleRun(out, result, models, options.json ?? false, { students });
    } finally {
      await hub.close();
    }
  });
}
