/**
 * `apprentice cascade`: choosing the threshold of a student-then-teacher cascade on validation
 * (`calibrate`: the cost-accuracy curve with 95% intervals, the cheapest threshold meeting the target) and
 * measuring it, unchanged, on test (`eval`: teacher calls and cost saved, accuracy lost with a paired test).
 * Both write the cascade report. Serve the result with `serve --cascade --threshold <chosen>`.
 */
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import { CONFIDENCE_SIGNALS } from '../../cascade/confidence.js';
import { InputError } from '../../util/errors.js';
import { formatPercent } from '../../report/format.js';
import { common, outputOptions } from '../commonOptions.js';
import { datasetOptions, datasetOptionsFrom } from '../datasetOptions.js';
import { defineCommand } from '../command.js';
import { withExamples } from '../help.js';
import { modelLayerOptions, withHub } from '../modelOptions.js';
import { configFrom, option } from '../options.js';
import { positiveInt } from '../validate.js';

const share = z.coerce.number().min(0).max(1);

const calibrateOptions = {
  student: option('--student <spec>', 'the student model (answers first)', z.string().min(1), { required: true, to: 'config.student' }),
  teacher: option('--teacher <spec>', 'the teacher model (answers what the student is not sure of)', z.string().min(1), {
    required: true,
    to: 'config.teacher',
  }),
  split: { ...common.split, help: 'split the threshold is chosen on (never test)', default: 'validation' },
  targetAccuracy: option('--target-accuracy <a>', 'choose the cheapest threshold whose accuracy is at least a (0-1)', share.optional()),
  maxTeacherShare: option('--max-teacher-share <s>', 'or: the most accurate threshold sending at most this share of requests to the teacher', share.optional()),
  signal: option('--signal <kind>', 'confidence signal: logprob (token log-probabilities) or agreement (k samples)', z.enum(CONFIDENCE_SIGNALS), {
    default: 'logprob',
    to: 'config.signal',
  }),
  samples: option('--samples <k>', 'with --signal agreement: samples that vote', positiveInt, { default: '5', to: 'config.samples' }),
  promptStyle: option('--prompt-style <style>', 'zero-shot | cot', z.enum(['zero-shot', 'cot']), {
    default: 'zero-shot',
    to: 'config.style',
    deprecatedAlias: '--style',
  }),
  maxTokens: { ...common.maxTokens, to: 'config.maxTokens' as const },
  limit: option('--limit <n>', 'the first N examples of the split', positiveInt.optional(), { to: 'config.limit' }),
  seed: { ...common.seed, help: 'seed for the held-out validation split and the bootstrap', to: 'config.seed' as const },
  validationFraction: { ...common.validationFraction, to: 'config.validationFraction' as const },
  out: { ...common.out, help: 'calibration folder (rerun the same command to resume)' },
  ...outputOptions,
  progress: { ...outputOptions.progress, to: 'showProgress' as const },
  ...datasetOptions,
  dataset: { ...datasetOptions.dataset, to: 'config.dataset' as const },
  ...modelLayerOptions,
};

const evalOptions = {
  calibration: option('--calibration <dir>', 'folder written by `cascade calibrate`', z.string().min(1), { required: true, to: 'calibrationDir' }),
  split: { ...common.split, help: 'held-out split to measure the chosen threshold on' },
  ...outputOptions,
  progress: { ...outputOptions.progress, to: 'showProgress' as const },
  ...modelLayerOptions,
};

export function registerCascade(program: Command): void {
  const cascade = program.command('cascade').description('a student-then-teacher cascade: choose its threshold on validation, measure it on test');
  withExamples(cascade, [
    'apprentice cascade calibrate --student builtin:runs/student --teacher openai:gpt-4o-mini --dataset svamp:data/svamp --target-accuracy 0.8 --out runs/cascade',
    'apprentice cascade eval --calibration runs/cascade --split test',
  ]);

  defineCommand(cascade, {
    name: 'calibrate',
    description: 'accuracy and teacher share at every threshold on validation (95% intervals); picks the cheapest threshold meeting the target',
    options: calibrateOptions,
    examples: [
      'apprentice cascade calibrate --student builtin:runs/student --teacher openai:gpt-4o-mini --dataset svamp:data/svamp --target-accuracy 0.8 --out runs/cascade',
    ],
    action: async (options) => {
      if ((options.targetAccuracy === undefined) === (options.maxTeacherShare === undefined)) {
        throw new InputError('give one target: --target-accuracy <a> or --max-teacher-share <s>', { field: 'target-accuracy' });
      }
      const target = options.targetAccuracy !== undefined ? { accuracy: options.targetAccuracy } : { maxTeacherShare: options.maxTeacherShare! };
      const [{ calibrateCascade, checkCalibrationSplit }, { writeCascadeReport }] = await Promise.all([
        import('../../cascade/calibrate.js'),
        import('../../report/cascadeReport.js'),
      ]);
      checkCalibrationSplit(options.split);
      const routed = configFrom(calibrateOptions, options);
      const calibration = await withHub(options, (hub) =>
        calibrateCascade({
          ...routed,
          config: { ...routed.config, datasetOptions: datasetOptionsFrom(options) as Record<string, unknown> },
          target,
          hub,
          concurrency: options.concurrency,
        }),
      );
      const report = await writeCascadeReport(options.out, { seed: options.seed });
      if (options.json) process.stdout.write(`${JSON.stringify(calibration, null, 2)}\n`);
      else {
        const chosen = calibration.chosen;
        process.stdout.write(
          `${calibration.examples} ${calibration.split} examples: teacher alone ${formatPercent(calibration.teacherOnly.accuracy)}, student alone ${formatPercent(calibration.studentOnly.accuracy)}\n` +
            (chosen
              ? `chosen threshold ${chosen.threshold.toFixed(4)}: accuracy ${formatPercent(chosen.accuracy)} [${formatPercent(chosen.accuracyCi95[0])}, ${formatPercent(chosen.accuracyCi95[1])}], teacher share ${formatPercent(chosen.teacherShare)}\n`
              : 'no threshold meets the target\n') +
            `report: ${report.htmlPath}\n`,
        );
      }
      if (!calibration.chosen) process.exitCode = 1;
    },
  });

  defineCommand(cascade, {
    name: 'eval',
    description: 'the calibrated threshold, unchanged, on a held-out split: teacher calls and cost saved, accuracy lost (paired test)',
    options: evalOptions,
    examples: ['apprentice cascade eval --calibration runs/cascade --split test'],
    action: async (options) => {
      const [{ evaluateCascade }, { writeCascadeReport }] = await Promise.all([import('../../cascade/calibrate.js'), import('../../report/cascadeReport.js')]);
      const evaluation = await withHub(options, (hub) => evaluateCascade({ ...configFrom(evalOptions, options), hub, concurrency: options.concurrency }));
      const report = await writeCascadeReport(options.calibration);
      if (options.json) process.stdout.write(`${JSON.stringify(evaluation, null, 2)}\n`);
      else {
        const lost = evaluation.accuracyLost;
        process.stdout.write(
          `${evaluation.examples} ${evaluation.split} examples at threshold ${evaluation.threshold.toFixed(4)} (chosen on ${evaluation.calibrationSplit}): ` +
            `cascade ${formatPercent(evaluation.cascade.accuracy)} vs teacher ${formatPercent(evaluation.teacherOnly.accuracy)}; ` +
            `accuracy lost ${formatPercent(lost.estimate)} [${formatPercent(lost.ci95[0])}, ${formatPercent(lost.ci95[1])}] (McNemar p ${lost.mcnemarP.toFixed(3)}); ` +
            `teacher calls saved ${formatPercent(evaluation.teacherCallsSaved)}\nreport: ${report.htmlPath}\n`,
        );
      }
    },
  });
}
