/**
 * `apprentice distill`: teacher annotations (import precomputed outputs, or annotate by calling a
 * teacher live or through the OpenAI Batch API) and the training data built from them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import type { AnnotateResult } from '../../distill/annotate.js';
import { buildTrainingData, COT_FORMATS, type CotFormat, METHODS, type BuildResult } from '../../distill/builders.js';
import { EXPORT_FORMATS, exportLines, type ExportFormat } from '../../distill/exportFormats.js';
import type { AnnotationStats } from '../../distill/stats.js';
import { isSweepMethod, SWEEP_METHODS, type SweepMethod } from '../../distill/methods.js';
import { isModelSize, MODEL_SIZES, type ModelSize } from '../../engine/sizes.js';
import { formatPercent } from '../../report/format.js';
import { sweepSummaryJson, sweepTableLines } from '../sweepOutput.js';
import { InputError } from '../../util/errors.js';
import { addDatasetOptions, datasetOptionsFrom, datasetSchema } from '../datasetOptions.js';
import { addModelLayerOptions, createHub, modelLayerSchema } from '../modelOptions.js';
import { commaList, nonNegativeInt, nonNegativeNumber, parseOptions, positiveInt, unescapeCliText } from '../validate.js';

const importSchema = datasetSchema.extend({
  teacherOutputs: z.string().min(1),
  out: z.string().min(1),
  teacher: z.string().optional(),
  json: z.boolean().optional(),
});

const annotateSchema = modelLayerSchema.merge(datasetSchema).extend({
  teacher: z.string().min(1),
  out: z.string().min(1),
  splits: commaList,
  samples: positiveInt,
  temperature: nonNegativeNumber.optional(),
  maxTokens: positiveInt,
  demos: z.string().optional(),
  shots: nonNegativeInt.optional(),
  limit: positiveInt.optional(),
  sample: positiveInt.optional(),
  seed: nonNegativeInt,
  validationFraction: z.coerce.number().gt(0).lt(1),
  batchApi: z.boolean().optional(),
  pollSeconds: nonNegativeNumber,
  wait: z.boolean(),
  json: z.boolean().optional(),
  progress: z.boolean(),
});

const buildSchema = z.object({
  annotations: z.string().min(1),
  method: z.enum(METHODS),
  split: z.string(),
  alpha: z.coerce.number().min(0).max(1),
  filter: z.enum(['none', 'gold']),
  chains: z.enum(['one', 'all']),
  mix: z.string().optional(),
  shots: nonNegativeInt,
  fraction: z.coerce.number().gt(0).max(1),
  seed: nonNegativeInt,
  out: z.string().min(1),
  format: z.enum(EXPORT_FORMATS),
  system: z.string().transform(unescapeCliText).optional(),
  json: z.boolean().optional(),
});

const runSchema = datasetSchema.extend({
  annotations: z.string().optional(),
  methods: commaList,
  fractions: commaList,
  seeds: z.string().min(1),
  student: z.string().optional(),
  size: z.string().optional(),
  steps: positiveInt,
  batchSize: positiveInt,
  lr: z.coerce.number().positive(),
  context: positiveInt,
  evalEvery: positiveInt.optional(),
  maxTokens: positiveInt,
  cotMaxTokens: positiveInt,
  alpha: z.coerce.number().min(0).max(1),
  filter: z.enum(['none', 'gold']),
  split: z.string(),
  testSplit: z.string(),
  testLimit: positiveInt.optional(),
  testSample: positiveInt.optional(),
  validationFraction: z.coerce.number().gt(0).lt(1),
  seed: nonNegativeInt,
  generic: z.array(z.string()).optional(),
  genericTrain: nonNegativeInt,
  genericLimit: positiveInt.optional(),
  lossNormalization: z.enum(['token', 'task']),
  out: z.string().min(1),
  json: z.boolean().optional(),
  progress: z.boolean(),
});

/** "2" -> seeds 0 and 1; "0,3" -> seeds 0 and 3. */
function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
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

  const importCommand = distill
    .command('import')
    .description('import precomputed teacher outputs (<split>_CoT_<k>.json) as annotations, with parse rate and teacher accuracy per split')
    .requiredOption('--teacher-outputs <dir>', 'folder of <split>_CoT_<k>.json arrays of completions, in input order')
    .requiredOption('--out <dir>', 'annotations folder to write')
    .option('--teacher <name>', 'name recorded for the teacher (default: import:<folder name>)')
    .option('--json', 'print one JSON object instead of a table');
  addDatasetOptions(importCommand).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(importSchema, raw);
    const { importTeacherOutputs } = await import('../../distill/importTeacher.js');
    const result = await importTeacherOutputs({
      dataset: options.dataset,
      datasetOptions: datasetOptionsFrom(options),
      teacherOutputs: options.teacherOutputs,
      out: options.out,
      teacher: options.teacher,
    });
    printResult({ out: result.out, teacher: result.teacher, method: 'import', dataset: result.manifest.dataset, splits: result.splits }, options.json);
  });

  const annotateCommand = distill
    .command('annotate')
    .description('annotate inputs with a teacher: few-shot chain of thought, optional self-consistency, live or through the OpenAI Batch API')
    .requiredOption('--teacher <spec>', 'teacher model spec, e.g. openai:gpt-4o-mini')
    .requiredOption('--out <dir>', 'annotations folder (rerun the same command to resume)')
    .option('--splits <a,b>', 'splits to annotate (validation is held out of train when absent)', 'train')
    .option('--samples <n>', 'chains per input; more than one is self-consistency (majority vote)', '1')
    .option('--temperature <t>', 'sampling temperature (default 0 for one sample, 0.7 for several)')
    .option('--max-tokens <n>', 'maximum tokens per chain', '256')
    .option('--demos <file>', 'JSON/JSONL of {input, rationale, answer, choices?} demonstrations (default: built-in template)')
    .option('--shots <k>', 'use at most k demonstrations')
    .option('--limit <n>', 'the first N examples of each split')
    .option('--sample <n>', 'a seeded random N examples of each split')
    .option('--seed <n>', 'seed for sampling, held-out validation and CIs', '0')
    .option('--validation-fraction <f>', 'share of train held out as validation when needed', '0.1')
    .option('--batch-api', 'send the requests through the OpenAI Batch API (openai: teachers; half price, up to 24 h)')
    .option('--poll-seconds <s>', 'Batch API: seconds between status checks', '30')
    .option('--no-wait', 'Batch API: submit and return; run the same command again to collect')
    .option('--json', 'print one JSON object instead of a table')
    .option('--no-progress', 'no progress output');
  addDatasetOptions(annotateCommand);
  addModelLayerOptions(annotateCommand).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(annotateSchema, raw);
    const config = {
      dataset: options.dataset,
      datasetOptions: datasetOptionsFrom(options),
      splits: options.splits,
      limit: options.limit,
      sample: options.sample,
      seed: options.seed,
      teacher: options.teacher,
      samples: options.samples,
      temperature: options.temperature,
      maxTokens: options.maxTokens,
      demos: options.demos,
      shots: options.shots,
      concurrency: options.concurrency,
      validationFraction: options.validationFraction,
      out: options.out,
      showProgress: options.progress,
    };
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
      const hub = await createHub(options);
      try {
        const { annotateLive } = await import('../../distill/annotate.js');
        result = await annotateLive(config, hub);
      } finally {
        await hub.close();
      }
    }
    printResult({ out: result.out, teacher: result.teacher, method: result.method, dataset: result.manifest.dataset, splits: result.splits, ...(result.pending ? { pending: result.pending } : {}) }, options.json);
    if (result.pending?.length) {
      process.stderr.write(`batch(es) ${result.pending.join(', ')} still running; run the same command again to collect them.\n`);
      return;
    }
    const errors = Object.values(result.splits).reduce((sum, stats) => sum + stats.errors, 0);
    const missing = Object.values(result.splits).reduce((sum, stats) => sum + stats.missing, 0);
    if (errors + missing > 0) {
      process.stderr.write(
        `${errors} input(s) failed and ${missing} were not run; they are not annotated. Run the same command again to retry only them.\n`,
      );
      process.exitCode = 3;
    }
  });

  const runCommand = distill
    .command('run')
    .description('sweep methods × training-data fractions × seeds: train students with the built-in engine, select on validation, test, report with 95% CIs and a data-efficiency plot')
    .option('--annotations <dir>', 'annotations folder (from distill import or distill annotate); only standard-ft runs without one')
    .option('--methods <a,b>', `methods: ${SWEEP_METHODS.join(', ')}`, 'standard-ft,standard-distill,step-by-step')
    .option('--fractions <f,g>', 'shares of the training inputs (nested for a seed)', '0.125,0.25,0.5,1')
    .option('--seeds <n|a,b>', 'number of seeds (0..n-1) or a list of seeds', '1')
    .option('--student <size>', `student size: ${Object.keys(MODEL_SIZES).join(', ')} (default small)`)
    .option('--size <size>', 'same as --student')
    .option('--steps <n>', 'optimizer steps per student', '300')
    .option('--batch-size <n>', 'examples per optimizer step', '16')
    .option('--lr <rate>', 'peak learning rate', '0.001')
    .option('--context <tokens>', 'sequence length', '256')
    .option('--eval-every <steps>', 'steps between validations (checkpoint selection); default steps / 10')
    .option('--max-tokens <n>', 'tokens a student may write for an answer', '16')
    .option('--cot-max-tokens <n>', 'tokens a CoT-specialized student may write', '256')
    .option('--alpha <a>', 'step-by-step: weight of the label task', '0.5')
    .option('--filter <how>', 'none | gold (keep only teacher answers that match gold)', 'none')
    .option('--split <name>', 'annotated split the students learn from', 'train')
    .option('--test-split <name>', 'dataset split the students are tested on', 'test')
    .option('--test-limit <n>', 'the first N test examples')
    .option('--test-sample <n>', 'a seeded random N test examples')
    .option('--validation-fraction <f>', 'share of the training inputs held out for validation when the annotations have no validation split', '0.1')
    .option('--seed <n>', 'seed of the held-out validation and the test sample', '0')
    .option('--generic <name=dataset>', 'out-of-task dataset for the generic-ability comparison (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--generic-train <n>', 'out-of-task training examples per set for the generalist', '200')
    .option('--generic-limit <n>', 'at most N test examples per out-of-task set')
    .option('--loss-normalization <how>', 'step-by-step: task (each task\'s loss averaged over its own tokens, then mixed by alpha, as the paper) | token (one pool of tokens)', 'task')
    .requiredOption('--out <dir>', 'experiment folder (rerun the same command to resume: finished cells are kept)')
    .option('--json', 'print one JSON object instead of a table')
    .option('--no-progress', 'no progress output');
  addDatasetOptions(runCommand).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(runSchema, raw);
    const methods = options.methods.map((method) => {
      if (!isSweepMethod(method)) throw new InputError(`unknown method "${method}"; methods: ${SWEEP_METHODS.join(', ')}`, { field: 'methods' });
      return method as SweepMethod;
    });
    const size = options.student ?? options.size ?? 'small';
    if (!isModelSize(size)) throw new InputError(`unknown size "${size}"; sizes: ${Object.keys(MODEL_SIZES).join(', ')}`, { field: 'student' });
    const log = options.progress ? (line: string) => process.stderr.write(line + '\n') : undefined;
    const { runDistillExperiment } = await import('../../distill/experiment.js');
    const result = await runDistillExperiment({
      dataset: options.dataset,
      datasetOptions: datasetOptionsFrom(options),
      ...(options.annotations ? { annotations: options.annotations } : {}),
      split: options.split,
      testSplit: options.testSplit,
      testLimit: options.testLimit,
      testSample: options.testSample,
      methods,
      fractions: parseFractions(options.fractions),
      seeds: parseSeeds(options.seeds),
      alpha: options.alpha,
      filter: options.filter,
      validationFraction: options.validationFraction,
      seed: options.seed,
      student: {
        size: size as ModelSize,
        steps: options.steps,
        batchSize: options.batchSize,
        learningRate: options.lr,
        contextLength: options.context,
        ...(options.evalEvery ? { evalEvery: options.evalEvery } : {}),
        maxTokens: { answer: options.maxTokens, cot: options.cotMaxTokens },
      },
      generic: parseGeneric(options.generic),
      genericTrainPerSet: options.genericTrain,
      genericLimit: options.genericLimit,
      lossNormalization: options.lossNormalization,
      out: options.out,
      ...(log ? { log } : {}),
    });
    if (options.json) {
      process.stdout.write(JSON.stringify(sweepSummaryJson(result)) + '\n');
      return;
    }
    const lines = sweepTableLines(result, result.teacher.map((t) => `${t.label}: ${formatPercent(t.accuracy)} (n = ${t.n})`));
    process.stdout.write(lines.join('\n') + '\n');
  });

  const addBuildOptions = (command: Command, defaultFormat: ExportFormat) =>
    command
      .requiredOption('--annotations <dir>', 'annotations folder (from distill import or distill annotate)')
      .requiredOption('--method <m>', METHODS.join(' | '))
      .requiredOption('--out <file>', 'JSONL file to write')
      .option('--split <name>', 'annotated split to build from', 'train')
      .option('--alpha <a>', 'step-by-step: weight of the label task (the rationale task gets 1 - alpha)', '0.5')
      .option('--filter <how>', 'none | gold (keep only teacher answers that match gold)', 'none')
      .option('--chains <which>', 'cot: all (every chain reaching gold) | one', 'all')
      .option('--mix <f=w,...>', `cot: share of each format (${COT_FORMATS.join(', ')}); default all equal`)
      .option('--shots <k>', 'cot in-context formats: demonstrations per prompt', '4')
      .option('--fraction <f>', 'share of the inputs to use, seeded (nested across fractions)', '1')
      .option('--seed <n>', 'seed for the fraction, the format mix and demos', '0')
      .option('--format <f>', EXPORT_FORMATS.join(' | '), defaultFormat)
      .option('--system <text>', 'openai format: a system message before every example')
      .option('--json', 'print the build report as one JSON object')
      .action(async (raw: Record<string, unknown>) => {
        const options = parseOptions(buildSchema, raw);
        const { readAnnotations } = await import('../../distill/store.js');
        const annotations = readAnnotations(options.annotations);
        const records = annotations.splits[options.split];
        if (!records) {
          throw new InputError(
            `no annotations for split "${options.split}"; annotated splits: ${Object.keys(annotations.splits).join(', ') || 'none'}`,
            { field: 'split' },
          );
        }
        const built: BuildResult = buildTrainingData(annotations.manifest.task, records, {
          method: options.method,
          alpha: options.alpha,
          filter: options.filter,
          chains: options.chains,
          ...(options.mix ? { mix: parseMix(options.mix) } : {}),
          shots: options.shots,
          fraction: options.fraction,
          seed: options.seed,
        });
        const { lines, warnings } = exportLines(built.rows, options.format, { system: options.system });
        for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
        const out = resolve(options.out);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, lines.length ? lines.join('\n') + '\n' : '');
        const report = { out, format: options.format, ...built.report };
        if (options.json) process.stdout.write(JSON.stringify(report) + '\n');
        else process.stdout.write(`wrote ${built.report.rows} rows from ${built.report.used} of ${built.report.inputs} inputs to ${out}\n`);
      });

  addBuildOptions(
    distill.command('build').description('training data for `apprentice train --data`: JSONL of {prompt, completion, weight?, task?}'),
    'apprentice',
  );
  addBuildOptions(
    distill.command('export').description('training data for external trainers: OpenAI chat fine-tuning JSONL or Hugging Face prompt/completion JSONL'),
    'hf',
  );
}

/** "zero-shot-cot=2,in-context-cot=1" -> shares per format. */
function parseMix(text: string): Partial<Record<CotFormat, number>> {
  const mix: Partial<Record<CotFormat, number>> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
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
  const pct = (value: number | null) => (value === null ? '-' : `${(100 * value).toFixed(1)}%`);
  const lines = [`${result.method} annotations of ${result.dataset} by ${result.teacher} -> ${result.out}`, ''];
  lines.push('split        n   parsed  parse rate  teacher acc  95% CI            errors');
  for (const [split, s] of Object.entries(result.splits)) {
    const ci = s.ci95 ? `[${pct(s.ci95[0])}, ${pct(s.ci95[1])}]` : '-';
    lines.push(
      `${split.padEnd(10)} ${String(s.n).padStart(5)} ${String(s.parsed).padStart(8)} ${pct(s.parseRate).padStart(11)} ${pct(s.teacherAccuracy).padStart(12)}  ${ci.padEnd(17)} ${String(s.errors).padStart(6)}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}
