/**
 * `apprentice distill`: teacher annotations (import precomputed outputs, or annotate by calling a
 * teacher live or through the OpenAI Batch API) and the training data built from them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import type { AnnotateResult } from '../../distill/annotate.js';
import { buildTrainingData, COT_FORMATS, type CotFormat, METHODS, type BuildResult } from '../../distill/builders.js';
import { EXPORT_FORMATS, exportLines, type ExportFormat } from '../../distill/exportFormats.js';
import type { AnnotationStats } from '../../distill/stats.js';
import { expandStepByStep, isSweepMethod, LABEL_SETTINGS, SWEEP_METHODS, type SweepMethod } from '../../distill/methods.js';
import { isModelSize, MODEL_SIZES, type ModelSize } from '../../engine/sizes.js';
import { formatPercent } from '../../report/format.js';
import { sweepSummaryJson, sweepTableLines, withSweepReport } from '../sweepOutput.js';
import { InputError } from '../../util/errors.js';
import { common, outputOptions, subsetOptions } from '../commonOptions.js';
import { datasetOptions, datasetOptionsFrom } from '../datasetOptions.js';
import { withExamples } from '../help.js';
import { defineCommand } from '../command.js';
import { modelLayerOptions, withHub } from '../modelOptions.js';
import { configFrom, option } from '../options.js';
import { commaList, nonNegativeInt, nonNegativeNumber, positiveInt, unescapeCliText } from '../validate.js';

const importOptions = {
  teacherOutputs: option('--teacher-outputs <dir>', 'folder of <split>_CoT_<k>.json arrays of completions, in input order', z.string().min(1), {
    required: true,
    to: 'teacherOutputs',
  }),
  out: { ...common.out, help: 'annotations folder to write' },
  teacher: option('--teacher <name>', 'name recorded for the teacher (default: import:<folder name>)', z.string().optional(), { to: 'teacher' }),
  answerPattern: common.answerPattern,
  json: outputOptions.json,
  ...datasetOptions,
};

const fromStoreOptions = {
  out: { ...common.out, help: 'annotations folder to write' },
  where: option(
    '--where <metadata.key=value>',
    'only exchanges whose client metadata has this value (repeatable; all must match)',
    z.array(z.string()).optional(),
    {
      repeatable: true,
    },
  ),
  since: option('--since <iso>', 'only exchanges stored at or after this ISO 8601 date or time', z.string().min(1).optional(), { to: 'filter.since' }),
  answeredBy: option(
    '--answered-by <model>',
    "only exchanges a cascade answered this way: 'teacher' keeps the student's escalations",
    z.enum(['student', 'teacher']).optional(),
    {
      to: 'filter.answeredBy',
    },
  ),
  heldOut: option('--held-out <share>', 'share of conversations held out as the validation split (by a seeded hash of the conversation)', nonNegativeNumber, {
    default: '0.1',
    to: 'heldOut',
  }),
  test: option(
    '--test <share>',
    "share of conversations held out as the test split of the folder's dataset (distill run tests students on it; never annotated)",
    nonNegativeNumber,
    {
      default: '0.1',
      to: 'test',
    },
  ),
  seed: { ...common.seed, help: 'seed of the held-out hash' },
  json: outputOptions.json,
};

/** `--where metadata.k=v` values as a key -> value filter. */
function whereFilter(values: string[]): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const value of values) {
    const match = /^metadata\.([^=]+)=(.*)$/.exec(value);
    if (!match) throw new InputError(`--where takes metadata.<key>=<value>, got "${value}"`, { field: 'where' });
    filter[match[1]!] = match[2]!;
  }
  return filter;
}

const annotateOptions = {
  teacher: option('--teacher <spec>', 'teacher model spec, e.g. openai:gpt-4o-mini', z.string().min(1), { required: true, to: 'teacher' }),
  out: { ...common.out, help: 'annotations folder (rerun the same command to resume)' },
  splits: option('--splits <a,b>', 'splits to annotate (validation is held out of train when absent)', commaList, { default: 'train', to: 'splits' }),
  samples: option('--samples <n>', 'chains per input; more than one is self-consistency (majority vote)', positiveInt, { default: '1', to: 'samples' }),
  temperature: {
    ...common.temperature,
    help: 'sampling temperature (default 0 for one sample, 0.7 for several)',
    schema: nonNegativeNumber.optional(),
    default: undefined,
  },
  maxTokens: { ...common.maxTokens, help: 'maximum tokens per chain' },
  demosFile: option(
    '--demos-file <file>',
    'JSON/JSONL of {input, rationale, answer, choices?} demonstrations (default: built-in template)',
    z.string().optional(),
    {
      to: 'demos',
      deprecatedAlias: '--demos',
    },
  ),
  shots: { ...common.shots, help: 'use at most k demonstrations', schema: nonNegativeInt.optional(), default: undefined },
  limit: { ...subsetOptions.limit, help: 'the first N examples of each split' },
  sample: { ...subsetOptions.sample, help: 'a seeded random N examples of each split' },
  seed: { ...common.seed, help: 'seed for sampling, held-out validation and CIs' },
  validationFraction: { ...common.validationFraction, help: 'share of train held out as validation when needed' },
  batchApi: option('--batch-api', 'send the requests through the OpenAI Batch API (openai: teachers; half price, up to 24 h)', z.boolean().optional()),
  pollSeconds: option('--poll-seconds <s>', 'Batch API: seconds between status checks', nonNegativeNumber, { default: '30' }),
  wait: option('--no-wait', 'Batch API: submit and return; run the same command again to collect', z.boolean()),
  answerPattern: common.answerPattern,
  ...outputOptions,
  progress: { ...outputOptions.progress, to: 'showProgress' as const },
  ...datasetOptions,
  ...modelLayerOptions,
};

const buildOptions = {
  annotations: option('--annotations <dir>', 'annotations folder (from distill import or distill annotate)', z.string().min(1), { required: true }),
  method: option('--method <m>', METHODS.join(' | '), z.enum(METHODS), { required: true, to: 'method' }),
  out: { ...common.out, flags: '--out <file>', help: 'JSONL file to write', to: undefined },
  split: { ...common.split, help: 'annotated split to build from', default: 'train', to: undefined },
  alpha: option('--alpha <a>', 'step-by-step: weight of the label task (the rationale task gets 1 - alpha)', z.coerce.number().min(0).max(1), {
    default: '0.5',
    to: 'alpha',
  }),
  filter: option('--filter <how>', 'none | gold (keep only teacher answers that match gold)', z.enum(['none', 'gold']), { default: 'none', to: 'filter' }),
  chains: option('--chains <which>', 'cot: all (every chain reaching gold) | one', z.enum(['one', 'all']), { default: 'all', to: 'chains' }),
  mix: option('--mix <f=w,...>', `cot: share of each format (${COT_FORMATS.join(', ')}); default all equal`, z.string().optional()),
  shots: { ...common.shots, help: 'cot in-context formats: demonstrations per prompt' },
  fraction: option('--fraction <f>', 'share of the inputs to use, seeded (nested across fractions)', z.coerce.number().gt(0).max(1), {
    default: '1',
    to: 'fraction',
  }),
  seed: { ...common.seed, help: 'seed for the fraction, the format mix and demos' },
  format: option('--format <f>', EXPORT_FORMATS.join(' | '), z.enum(EXPORT_FORMATS)),
  system: option('--system <text>', 'openai format: a system message before every example', z.string().transform(unescapeCliText).optional()),
  json: { ...outputOptions.json, help: 'print the build report as one JSON object' },
};

const runOptions = {
  annotations: option(
    '--annotations <dir>',
    'annotations folder (from distill import or distill annotate); only standard-ft runs without one',
    z.string().optional(),
    { to: 'annotations' },
  ),
  methods: option('--methods <a,b>', `methods: ${SWEEP_METHODS.join(', ')}`, commaList, { default: 'standard-ft,standard-distill,step-by-step' }),
  fractions: option('--fractions <f,g>', 'shares of the training inputs (nested for a seed)', commaList, { default: '0.125,0.25,0.5,1' }),
  stepByStepLabels: option(
    '--step-by-step-labels <which>',
    "step-by-step (--labels names a dataset's label set): gold (gold labels + teacher rationales, against standard fine-tuning) | teacher (teacher labels + teacher rationales, against standard distillation) | both",
    z.enum(LABEL_SETTINGS),
    { default: 'both' },
  ),
  seeds: option(
    '--seeds <n|a,b>',
    'number of seeds (0..n-1) or a list of seeds; intervals and verdicts come from a bootstrap over seeds and examples',
    z.string().min(1),
    { default: '3' },
  ),
  student: option('--student <size>', `student size: ${Object.keys(MODEL_SIZES).join(', ')} (default small)`, z.string().optional()),
  size: option('--size <size>', 'same as --student', z.string().optional()),
  steps: option('--steps <n>', 'optimizer steps per student', positiveInt, { default: '300', to: 'student.steps' }),
  batchSize: option('--batch-size <n>', 'examples per optimizer step', positiveInt, { default: '16', to: 'student.batchSize' }),
  lr: option('--lr <rate>', 'peak learning rate', z.coerce.number().positive(), { default: '0.001', to: 'student.learningRate' }),
  context: option('--context <tokens>', 'sequence length', positiveInt, { default: '256', to: 'student.contextLength' }),
  evalEvery: option('--eval-every <steps>', 'steps between validations (checkpoint selection); default steps / 10', positiveInt.optional(), {
    to: 'student.evalEvery',
  }),
  maxTokens: { ...common.maxTokens, help: 'tokens a student may write for an answer', default: '16', to: 'student.maxTokens.answer' as const },
  cotMaxTokens: option('--cot-max-tokens <n>', 'tokens a CoT-specialized student may write', positiveInt, { default: '256', to: 'student.maxTokens.cot' }),
  alpha: { ...buildOptions.alpha, help: 'step-by-step: weight of the label task' },
  filter: buildOptions.filter,
  split: { ...common.split, help: 'annotated split the students learn from', default: 'train' },
  testSplit: option('--test-split <name>', 'dataset split the students are tested on', z.string(), { default: 'test', to: 'testSplit' }),
  testLimit: option('--test-limit <n>', 'the first N test examples', positiveInt.optional(), { to: 'testLimit' }),
  testSample: option('--test-sample <n>', 'a seeded random N test examples', positiveInt.optional(), { to: 'testSample' }),
  validationFraction: {
    ...common.validationFraction,
    help: 'share of the training inputs held out for validation when the annotations have no validation split',
  },
  seed: { ...common.seed, help: 'seed of the held-out validation and the test sample' },
  generic: option('--generic <name=dataset>', 'out-of-task dataset for the generic-ability comparison (repeatable)', z.array(z.string()).optional(), {
    repeatable: true,
  }),
  genericTrain: option('--generic-train <n>', 'out-of-task training examples per set for the generalist', nonNegativeInt, {
    default: '200',
    to: 'genericTrainPerSet',
  }),
  genericLimit: option('--generic-limit <n>', 'at most N test examples per out-of-task set', positiveInt.optional(), { to: 'genericLimit' }),
  selectOn: option(
    '--select-on <how>',
    "each student's checkpoint: validation-loss (in-task validation; step-by-step: the label task's) | held-out-tasks (highest accuracy on --held-out tasks' validation questions, Fu et al. 2023)",
    z.enum(['validation-loss', 'held-out-tasks']),
    { default: 'validation-loss', to: 'selectOn' },
  ),
  heldOut: option(
    '--held-out <name=dataset>',
    'with --select-on held-out-tasks: a task the students never train on, whose validation split chooses the checkpoint (repeatable)',
    z.array(z.string()).optional(),
    { repeatable: true },
  ),
  heldOutLimit: option('--held-out-limit <n>', 'validation questions per held-out task', positiveInt, { default: '50', to: 'heldOutLimit' }),
  lossNormalization: option(
    '--loss-normalization <how>',
    "step-by-step: task (each task's loss averaged over its own tokens, then mixed by alpha, as the paper) | token (one pool of tokens)",
    z.enum(['token', 'task']),
    { default: 'task', to: 'lossNormalization' },
  ),
  pool: option(
    '--pool <n>',
    'students trained and answered at once, each in its own process on its share of the cores (default: 2, or 1 on one core)',
    positiveInt.optional(),
    { to: 'pool' },
  ),
  out: { ...common.out, help: 'experiment folder (rerun the same command to resume: finished cells are kept)' },
  ...outputOptions,
  ...datasetOptions,
  dataset: {
    ...datasetOptions.dataset,
    help: `${datasetOptions.dataset.help} (default: the dataset the --annotations folder names, e.g. the captured: dataset of distill from-store)`,
    schema: z.string().min(1).optional(),
    required: false,
  },
};

/** --dataset, or the dataset the annotations folder names (a from-store folder names its own conversations). */
async function datasetOfRun(dataset: string | undefined, annotations: string | undefined): Promise<string> {
  if (dataset !== undefined) return dataset;
  if (annotations === undefined)
    throw new InputError('give --dataset <kind:path> (or --annotations <dir> whose manifest names its dataset)', { field: 'dataset' });
  const { readManifest, MANIFEST_FILE } = await import('../../distill/store.js');
  const { dataset: named } = readManifest(annotations);
  if (named.startsWith('store:')) {
    // Folders from-store wrote before it kept its conversations as a dataset.
    throw new InputError(`the folder names no dataset its students can be tested on (${named}); run distill from-store again, or give --dataset`, {
      file: join(annotations, MANIFEST_FILE),
      field: 'dataset',
    });
  }
  return named;
}

/** "2" -> seeds 0 and 1; "0,3" -> seeds 0 and 3. */
function parseSeeds(text: string): number[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const numbers = parts.map(Number);
  if (!numbers.length || numbers.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InputError(`--seeds takes a count ("2") or a list ("0,3"), got "${text}"`, { field: 'seeds' });
  }
  if (parts.length === 1) {
    if (numbers[0]! < 1) throw new InputError('--seeds must be at least 1', { field: 'seeds' });
    return [...Array(numbers[0]!).keys()];
  }
  return numbers;
}

function parseFractions(values: string[]): number[] {
  const fractions = values.map(Number);
  for (const [i, f] of fractions.entries()) {
    if (!(f > 0 && f <= 1)) throw new InputError(`fraction must be in (0, 1], got "${values[i]}"`, { field: 'fractions' });
  }
  return [...new Set(fractions)].sort((a, b) => a - b);
}

/** "name=spec" or a bare spec (named by itself). */
function parseGeneric(values: string[] | undefined): { name: string; dataset: string }[] {
  return (values ?? []).map((value) => {
    const match = /^([^:=]+)=(.+)$/.exec(value);
    return match ? { name: match[1]!.trim(), dataset: match[2]!.trim() } : { name: value, dataset: value };
  });
}

export function registerDistill(program: Command): void {
  const distill = program
    .command('distill')
    .description('distillation: teacher annotations (import, live or Batch API) and training data (standard, step-by-step, CoT specialization)');
  withExamples(distill, [
    'apprentice distill annotate --dataset svamp:data/svamp --teacher openai:gpt-4o-mini --out runs/annotations/svamp',
    'apprentice distill run --dataset svamp:data/svamp --annotations runs/annotations/svamp --out runs/sweep',
  ]);

  defineCommand(distill, {
    name: 'import',
    description: 'import precomputed teacher outputs (<split>_CoT_<k>.json) as annotations, with parse rate and teacher accuracy per split',
    options: importOptions,
    examples: ['apprentice distill import --dataset svamp:data/svamp --teacher-outputs recorded/palm-svamp --out runs/annotations/svamp'],
    action: async (options) => {
      const { importTeacherOutputs } = await import('../../distill/importTeacher.js');
      const result = await importTeacherOutputs({ ...configFrom(importOptions, options), datasetOptions: datasetOptionsFrom(options) });
      printResult({ out: result.out, teacher: result.teacher, method: 'import', dataset: result.manifest.dataset, splits: result.splits }, options.json);
    },
  });

  defineCommand(distill, {
    name: 'from-store',
    description: 'captured traffic (serve --store) as an annotations folder: duplicates collapsed, seeded held-out validation and test splits by conversation',
    arguments: [['<store>', 'folder given to serve --store (holds exchanges.sqlite)']],
    options: fromStoreOptions,
    examples: [
      'apprentice distill from-store runs/capture --out runs/annotations/captured',
      'apprentice distill from-store runs/capture --where metadata.app=support --since 2026-01-01 --out runs/annotations/support',
    ],
    action: async (options, store) => {
      const { fromStore } = await import('../../distill/fromStore.js');
      const config = configFrom(fromStoreOptions, options);
      const result = fromStore({
        ...config,
        store: store!,
        // Unset filters are left out: the filter is part of the folder's identity.
        filter: {
          where: whereFilter(options.where ?? []),
          ...(config.filter.since ? { since: config.filter.since } : {}),
          ...(config.filter.answeredBy ? { answeredBy: config.filter.answeredBy } : {}),
        },
      });
      process.stdout.write(
        `${result.exchanges} stored exchanges, ${result.conversations} distinct conversations (${result.testConversations} held out as test)\n`,
      );
      printResult(
        { out: result.out, teacher: result.manifest.teacher, method: 'from-store', dataset: result.manifest.dataset, splits: result.splits },
        options.json,
      );
    },
  });

  defineCommand(distill, {
    name: 'annotate',
    description: 'annotate inputs with a teacher: few-shot chain of thought, optional self-consistency, live or through the OpenAI Batch API',
    options: annotateOptions,
    examples: [
      'apprentice distill annotate --dataset svamp:data/svamp --teacher openai:gpt-4o-mini --out runs/annotations/svamp',
      'apprentice distill annotate --dataset svamp:data/svamp --teacher openai:gpt-4o-mini --samples 5 --batch-api --out runs/annotations/svamp-sc',
    ],
    action: async (options) => {
      const config = { ...configFrom(annotateOptions, options), datasetOptions: datasetOptionsFrom(options) };
      let result: AnnotateResult;
      if (options.batchApi) {
        const [{ annotateBatch }, { loadPriceTable, Pricer }] = await Promise.all([import('../../distill/batch.js'), import('../../models/pricing.js')]);
        result = await annotateBatch(config, {
          pricer: new Pricer(options.prices ? loadPriceTable(options.prices) : {}),
          apiKey: options.apiKey,
          pollSeconds: options.pollSeconds,
          wait: options.wait,
          budgetUsd: options.budget,
        });
      } else {
        const { annotateLive } = await import('../../distill/annotate.js');
        result = await withHub(options, (hub) => annotateLive(config, hub));
      }
      printResult(
        {
          out: result.out,
          teacher: result.teacher,
          method: result.method,
          dataset: result.manifest.dataset,
          splits: result.splits,
          ...(result.pending ? { pending: result.pending } : {}),
        },
        options.json,
      );
      if (result.pending?.length) {
        process.stderr.write(`batch(es) ${result.pending.join(', ')} still running; run the same command again to collect them.\n`);
        return;
      }
      const errors = Object.values(result.splits).reduce((sum, stats) => sum + stats.errors, 0);
      const missing = Object.values(result.splits).reduce((sum, stats) => sum + stats.missing, 0);
      if (errors + missing > 0) {
        process.stderr.write(`${errors} input(s) failed and ${missing} were not run; they are not annotated. Run the same command again to retry only them.\n`);
        process.exitCode = 3;
      }
    },
  });

  defineCommand(distill, {
    name: 'run',
    description:
      'sweep methods × training-data fractions × seeds: train students with the built-in engine, select on validation, test, report with 95% CIs and a data-efficiency plot',
    options: runOptions,
    examples: [
      'apprentice distill run --dataset svamp:data/svamp --annotations runs/annotations/svamp --out runs/sweep',
      'apprentice distill run --dataset svamp:data/svamp --annotations runs/annotations/svamp --methods step-by-step --fractions 0.5,1 --seeds 3 --out runs/sweep',
      'apprentice distill run --annotations runs/annotations/captured --methods standard-distill --out runs/captured-sweep',
    ],
    action: async (options) => {
      const methods = options.methods.map((method) => {
        if (!isSweepMethod(method)) throw new InputError(`unknown method "${method}"; methods: ${SWEEP_METHODS.join(', ')}`, { field: 'methods' });
        return method as SweepMethod;
      });
      const size = options.student ?? options.size ?? 'small';
      if (!isModelSize(size)) throw new InputError(`unknown size "${size}"; sizes: ${Object.keys(MODEL_SIZES).join(', ')}`, { field: 'student' });
      const log = options.progress ? (line: string) => process.stderr.write(line + '\n') : undefined;
      const { runDistillExperiment } = await import('../../distill/experiment.js');
      const config = configFrom(runOptions, options);
      const result = await withSweepReport(
        await runDistillExperiment({
          ...config,
          dataset: await datasetOfRun(options.dataset, options.annotations),
          datasetOptions: datasetOptionsFrom(options),
          methods: expandStepByStep(methods, options.stepByStepLabels),
          fractions: parseFractions(options.fractions),
          seeds: parseSeeds(options.seeds),
          student: { size: size as ModelSize, ...config.student },
          generic: parseGeneric(options.generic),
          heldOut: parseGeneric(options.heldOut),
          ...(log ? { log } : {}),
        }),
      );
      if (options.json) {
        process.stdout.write(JSON.stringify(sweepSummaryJson(result)) + '\n');
        return;
      }
      const lines = sweepTableLines(
        result,
        result.teacher.map((t) => `${t.label}: ${formatPercent(t.accuracy)} (n = ${t.n})`),
      );
      process.stdout.write(lines.join('\n') + '\n');
    },
  });

  const defineBuild = (name: string, description: string, defaultFormat: ExportFormat, examples: string[]) =>
    defineCommand(distill, {
      name,
      description,
      options: { ...buildOptions, format: { ...buildOptions.format, default: defaultFormat } },
      examples,
      action: async (options) => {
        const { readAnnotations } = await import('../../distill/store.js');
        const annotations = readAnnotations(options.annotations);
        const records = annotations.splits[options.split];
        if (!records) {
          throw new InputError(`no annotations for split "${options.split}"; annotated splits: ${Object.keys(annotations.splits).join(', ') || 'none'}`, {
            field: 'split',
          });
        }
        const built: BuildResult = buildTrainingData(annotations.manifest.task, records, {
          ...configFrom(buildOptions, options),
          ...(options.mix ? { mix: parseMix(options.mix) } : {}),
        });
        const { lines, warnings } = exportLines(built.rows, options.format, { system: options.system });
        for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
        const out = resolve(options.out);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, lines.length ? lines.join('\n') + '\n' : '');
        const report = { out, format: options.format, ...built.report };
        if (options.json) process.stdout.write(JSON.stringify(report) + '\n');
        else process.stdout.write(`wrote ${built.report.rows} rows from ${built.report.used} of ${built.report.inputs} inputs to ${out}\n`);
      },
    });

  defineBuild('build', 'training data for `apprentice train --data`: JSONL of {prompt, completion, weight?, task?}', 'apprentice', [
    'apprentice distill build --annotations runs/annotations/svamp --method step-by-step --out train.jsonl',
  ]);
  defineBuild('export', 'training data for external trainers: OpenAI chat fine-tuning JSONL or Hugging Face prompt/completion JSONL', 'hf', [
    'apprentice distill export --annotations runs/annotations/svamp --method cot --format openai --out finetune.jsonl',
  ]);
}

/** "zero-shot-cot=2,in-context-cot=1" -> shares per format. */
function parseMix(text: string): Partial<Record<CotFormat, number>> {
  const mix: Partial<Record<CotFormat, number>> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, share = '1'] = part.split('=').map((p) => p.trim());
    if (!COT_FORMATS.includes(name as CotFormat)) {
      throw new InputError(`unknown CoT format "${name}"; formats: ${COT_FORMATS.join(', ')}`, { field: 'mix' });
    }
    const value = Number(share);
    if (!Number.isFinite(value) || value < 0) throw new InputError(`share of ${name} must be a non-negative number, got "${share}"`, { field: 'mix' });
    mix[name as CotFormat] = value;
  }
  return mix;
}

interface Printable {
  out: string;
  teacher: string;
  method: string;
  dataset: string;
  splits: Record<string, AnnotationStats>;
  pending?: string[];
}

/** JSON: totals over the splits at the top, and per split under `splits`. */
function printResult(result: Printable, json: boolean | undefined): void {
  const stats = Object.values(result.splits);
  const sum = (pick: (s: AnnotationStats) => number) => stats.reduce((total, s) => total + pick(s), 0);
  const answered = sum((s) => s.answered);
  const withGold = sum((s) => s.withGold);
  const totals = {
    n: sum((s) => s.n),
    parsed: sum((s) => s.parsed),
    parseRate: answered ? sum((s) => s.parsed) / answered : null,
    correct: sum((s) => s.correct),
    teacherAccuracy: withGold ? sum((s) => s.correct) / withGold : null,
    errors: sum((s) => s.errors),
  };
  if (json) {
    process.stdout.write(JSON.stringify({ ...result, ...totals }) + '\n');
    return;
  }
  const pct = (value: number | null) => formatPercent(value, 1, '-');
  const lines = [`${result.method} annotations of ${result.dataset} by ${result.teacher} -> ${result.out}`, ''];
  lines.push('split        n   parsed  parse rate  teacher acc  95% CI            errors     cut');
  for (const [split, s] of Object.entries(result.splits)) {
    const ci = s.ci95 ? `[${pct(s.ci95[0])}, ${pct(s.ci95[1])}]` : '-';
    lines.push(
      `${split.padEnd(10)} ${String(s.n).padStart(5)} ${String(s.parsed).padStart(8)} ${pct(s.parseRate).padStart(11)} ${pct(s.teacherAccuracy).padStart(12)}  ${ci.padEnd(17)} ${String(s.errors).padStart(6)} ${String(s.cutOutputs).padStart(7)}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}
