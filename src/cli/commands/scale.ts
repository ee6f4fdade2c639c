/** `apprentice scale`: how task scores change with model size (emergence, BIG-bench statistics). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import { analyzeScaling } from '../../scaling/analyzeScaling.js';
import { formatAnalysisTable } from '../../scaling/formatAnalysis.js';
import { importGrimoireCorrectness } from '../../scaling/grimoireCorrectness.js';
import type { resolveFamily } from '../../scaling/modelFamily.js';
import { PROMPTINGS, type Prompting } from '../../scaling/promptings.js';
import type { runScale } from '../../scaling/scaleRun.js';
import { writeScoreRows } from '../../scaling/writeScoreRows.js';
import { common, outputOptions, subsetOptions } from '../commonOptions.js';
import { datasetOptions, datasetOptionsFrom } from '../datasetOptions.js';
import { withExamples } from '../help.js';
import { defineCommand } from '../command.js';
import { modelLayerOptions, withHub } from '../modelOptions.js';
import { configFrom, option } from '../options.js';
import { isModelSize, MODEL_SIZES } from '../../engine/sizes.js';
import { absolutePath, commaList, nonNegativeInt, positiveInt, positiveNumber } from '../validate.js';

const analyzeOptions = {
  json: { ...outputOptions.json, help: 'print one JSON array instead of tables' },
  out: {
    ...common.out,
    help: 'also write analysis.json, analysis.md, scaling.svg, report.html and report.md to this folder',
    schema: z.string().optional(),
    required: false,
  },
};

const importOptions = {
  out: { ...common.out, flags: '--out <file>', help: 'where to write the rows (.csv or .json)' },
  tasks: option('--tasks <file>', "tasks.json with each task's labels (default: <dir>/../../tasks.json)", z.string().optional()),
};

export function registerScale(program: Command): void {
  const scale = program.command('scale').description('how scores change with model size: normalized scores, linearity, breakthroughness');
  withExamples(scale, ['apprentice scale analyze scores.csv', 'apprentice scale family --out runs/family']);

  defineCommand(scale, {
    name: 'analyze',
    description: 'per task and metric: normalized scores by model size, BIG-bench linearity and breakthroughness, a verdict',
    arguments: [
      [
        '<file>',
        'CSV/JSON/JSONL rows of model, params, task, metric, score (optional: random, max, labels, n, cut_outputs, ci_low, ci_high, params_estimated)',
      ],
    ],
    options: analyzeOptions,
    examples: ['apprentice scale analyze scores.csv', 'apprentice scale analyze scores.csv --out reports/scaling --json'],
    action: async (options, file: string) => {
      const { readScoreRows } = await import('../../scaling/readScoreRows.js');
      const analyses = analyzeScaling(await readScoreRows(file));
      if (options.out) {
        const [{ writeScalingResults }, { writeScalingReport }] = await Promise.all([
          import('../../scaling/scalingResults.js'),
          import('../../report/scalingReport.js'),
        ]);
        await writeScalingResults(options.out, { analyses, source: file });
        await writeScalingReport(options.out);
      }
      process.stdout.write((options.json ? JSON.stringify(analyses) : formatAnalysisTable(analyses)) + '\n');
    },
  });

  defineCommand(scale, {
    name: 'import-grimoire-correctness',
    description: "turn the Grimoire paper's recorded zero-shot correctness (keep_hard_<TASK>_<MODEL>.json) into score rows",
    arguments: [['<dir>', 'the zero-shot-correctness folder']],
    options: importOptions,
    examples: ['apprentice scale import-grimoire-correctness recorded/zero-shot-correctness --out scores.csv'],
    action: async (options, dir: string) => {
      const rows = await importGrimoireCorrectness(dir, options.tasks ? { tasksFile: options.tasks } : {});
      await writeScoreRows(options.out, rows);
      const tasks = new Set(rows.map((row) => row.task)).size;
      const models = new Set(rows.map((row) => row.model)).size;
      process.stderr.write(`wrote ${rows.length} rows (${tasks} tasks × ${models} models) to ${options.out}\n`);
    },
  });

  registerScaleRun(scale);
  registerScaleFamily(scale);
}

const promptingList = commaList.pipe(z.array(z.enum(PROMPTINGS as [Prompting, ...Prompting[]])).min(1));

export const scaleRunOptions = {
  models: option(
    '--models <list>',
    'comma-separated <spec>=<params> (7B, 350M, 1.3e9); gguf: and builtin: models may omit =<params> (counted from the file)',
    z.string().min(1),
    { required: true },
  ),
  prompting: option(
    '--prompting <list>',
    `comma-separated: ${PROMPTINGS.join(', ')} (direct = zero-shot answer only; cot = few-shot chain of thought)`,
    promptingList,
    { default: 'direct,cot,zero-shot-cot', to: 'prompting' },
  ),
  out: {
    ...common.out,
    help: 'output folder: scores.csv, scores.json, evaluations.json, analysis.*, scaling.svg, report.html, report.md, runs/',
    schema: absolutePath,
    to: 'outDir' as const,
  },
  split: common.split,
  ...subsetOptions,
  seed: common.seed,
  shots: common.shots,
  demoSplit: common.demoSplit,
  maxTokens: { ...common.maxTokens, help: 'maximum tokens per completion (answer-only promptings use at most 64)' },
  validationFraction: common.validationFraction,
  logprobMetrics: option('--no-logprob-metrics', 'skip multiple-choice grade and log P(target) even for models that give log-probs', z.boolean(), {
    to: 'logprobMetrics',
  }),
  json: { ...outputOptions.json, help: 'print one JSON object (rows, analysis, evaluations, files) instead of tables' },
  progress: outputOptions.progress,
  ...datasetOptions,
  // --dataset may be given more than once.
  dataset: {
    ...datasetOptions.dataset,
    schema: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((value) => (Array.isArray(value) ? value : [value])),
    repeatable: true,
    to: 'datasets' as const,
  },
  ...modelLayerOptions,
};

function registerScaleRun(scale: Command): void {
  defineCommand(scale, {
    name: 'run',
    description: 'evaluate a family of models of different sizes on tasks under direct and chain-of-thought prompting; write score rows and the analysis',
    options: scaleRunOptions,
    examples: [
      'apprentice scale run --models gguf:qwen-0.5b.gguf,gguf:qwen-1.5b.gguf --dataset gsm8k:data/gsm8k --limit 100 --out runs/scale',
      'apprentice scale run --models openai:gpt-4o-mini=8B,openai:gpt-4o=200B --dataset svamp:data/svamp --dataset gsm8k:data/gsm8k --out runs/scale',
    ],
    action: async (options) => {
      const [{ parseModelsOption, resolveFamily }, { runScale }] = await Promise.all([
        import('../../scaling/modelFamily.js'),
        import('../../scaling/scaleRun.js'),
      ]);
      const models = await resolveFamily(parseModelsOption(options.models));
      await withHub(options, async (hub) => {
        const result = await runScale(
          { ...configFrom(scaleRunOptions, options), models, datasetOptions: datasetOptionsFrom(options), showProgress: options.progress && !options.json },
          hub,
        );
        await reportScaleRun(options.out, result, models, options.json ?? false);
      });
    },
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
  const [{ writeScaleRunResults, writeScalingResults }, { writeScalingReport }] = await Promise.all([
    import('../../scaling/scalingResults.js'),
    import('../../report/scalingReport.js'),
  ]);
  const scores = await writeScaleRunResults(out, { rows: result.rows, evaluations: result.evaluations, notes: result.notes, models });
  const analyses = analyzeScaling(result.rows);
  const written = await writeScalingResults(out, { analyses, source: scores.csv, title: 'Scaling run', configuration: { models, ...extra } });
  const report = await writeScalingReport(out);
  const files = { html: report.htmlPath, markdown: report.markdownPath, svg: report.svgPath, ...written };
  const errors = result.evaluations.reduce((sum, e) => sum + e.errors, 0);
  const missing = result.evaluations.reduce((sum, e) => sum + e.missing, 0);
  if (json) {
    process.stdout.write(
      JSON.stringify({
        ...extra,
        models,
        rows: result.rows,
        analysis: analyses,
        evaluations: result.evaluations,
        notes: result.notes,
        files: { ...files, scores },
      }) + '\n',
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

const familyOptions = {
  sizes: option(
    '--sizes <list>',
    `engine sizes: ${Object.keys(MODEL_SIZES).join(', ')}, or <dim>x<layers> (e.g. 32x1,48x2,64x2,96x3,128x4); a smooth/emergent verdict needs at least 4 sizes`,
    commaList.pipe(
      z
        .array(
          z.string().refine((s) => isModelSize(s) || /^\d+x\d+$/.test(s), { message: `sizes are ${Object.keys(MODEL_SIZES).join(', ')} or <dim>x<layers>` }),
        )
        .min(1),
    ),
    { default: 'tiny,small', to: 'sizes' },
  ),
  difficulties: option(
    '--difficulties <list>',
    'arithmetic steps per problem, one task per level',
    commaList.pipe(
      z
        .array(
          z
            .string()
            .regex(/^[1-8]$/, 'each difficulty is a number of steps from 1 to 8')
            .transform(Number),
        )
        .min(1),
    ),
    { default: '1,2,3', to: 'difficulties' },
  ),
  digits: option('--digits <n>', 'digits of the numbers in the problems', z.coerce.number().int().min(1).max(4), { default: '1', to: 'digits' }),
  train: option('--train <n>', 'training problems per level', positiveInt, { default: '400', to: 'trainPerLevel' }),
  test: option('--test <n>', 'test problems per level', positiveInt, { default: '50', to: 'testPerLevel' }),
  validationSize: option('--validation-size <n>', 'validation problems per level (validation loss while training)', nonNegativeInt, {
    default: '20',
    to: 'validationPerLevel',
    deprecatedAlias: '--validation',
  }),
  steps: option('--steps <n>', 'optimizer steps of the smallest size', positiveInt, { default: '300', to: 'optimizerSteps' }),
  stepsExponent: option(
    '--steps-exponent <e>',
    "steps grow as (parameters / smallest's)^e: 0 = every size the same, 1 = fixed tokens per parameter",
    z.coerce.number().min(0).max(2),
    { default: '0', to: 'stepsExponent' },
  ),
  batchSize: option('--batch-size <n>', 'examples per optimizer step', positiveInt, { default: '16', to: 'batchSize' }),
  lr: option('--lr <rate>', 'peak learning rate', positiveNumber, { default: '0.002', to: 'learningRate' }),
  context: option('--context <tokens>', 'sequence length of the students', positiveInt, { default: '384', to: 'contextLength' }),
  shots: { ...common.shots, help: 'demonstrations in few-shot chain-of-thought prompts (training and evaluation)', default: '1' },
  prompting: { ...scaleRunOptions.prompting, help: `comma-separated: ${PROMPTINGS.join(', ')}` },
  seed: { ...common.seed, help: 'seed of the problems, the initialisation and the data order' },
  // the recipe (recorded in family.json) is what the options fill in; the evaluation settings are not part of it
  maxTokens: { ...common.maxTokens, default: '160', to: undefined },
  out: { ...common.out, help: 'output folder: models/<size>/ checkpoints, then everything `scale run` writes', schema: absolutePath, to: 'outDir' as const },
  json: { ...outputOptions.json, help: 'print one JSON object' },
  progress: outputOptions.progress,
  ...modelLayerOptions,
  concurrency: { ...modelLayerOptions.concurrency, to: undefined },
};

function registerScaleFamily(scale: Command): void {
  defineCommand(scale, {
    name: 'family',
    description: 'train built-in students of several sizes on the synthetic multi-step arithmetic family, then `scale run` them',
    options: familyOptions,
    examples: ['apprentice scale family --out runs/family', 'apprentice scale family --sizes tiny,small --difficulties 1,2,3,4 --steps 600 --out runs/family'],
    action: async (options) => {
      const { out } = options;
      const recipe = configFrom(familyOptions, options);
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
          if (event.type === 'start')
            process.stderr.write(`family: training ${size} (${event.parameters.toLocaleString('en-US')} parameters, ${event.trainExamples} examples)\n`);
          else if (event.type === 'step' && (Date.now() - last > 5000 || event.step === event.steps)) {
            last = Date.now();
            process.stderr.write(
              `family: ${size} step ${event.step}/${event.steps} loss ${event.loss.toFixed(3)} ${Math.round(event.tokensPerSecond)} tokens/s\n`,
            );
          }
        },
      });
      const models = await resolveFamily(students.map((student) => ({ spec: `builtin:${student.dir}` })));
      await withHub(options, async (hub) => {
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
        const [{ accuracyByLoss }, { writeAccuracyByLoss }] = await Promise.all([
          import('../../scaling/lossAxis.js'),
          import('../../report/accuracyByLoss.js'),
        ]);
        const byLoss = accuracyByLoss(students, result.rows);
        const lossFiles = byLoss.length ? await writeAccuracyByLoss(out, byLoss) : null;
        await writeFile(join(out, 'family.json'), JSON.stringify({ recipe, students, accuracyByLoss: byLoss }, null, 2) + '\n');
        if (lossFiles && !options.json)
          process.stderr.write(`family: accuracy against validation loss (Du et al. 2024): ${lossFiles.markdown}, ${lossFiles.svg}\n`);
        await reportScaleRun(out, result, models, options.json ?? false, { students });
      });
    },
  });
}
