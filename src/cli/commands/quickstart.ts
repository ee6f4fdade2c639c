/**
 * `apprentice quickstart`: the product's offline main job — distillation end to end on the built-in
 * synthetic task family and engine (src/distill/quickstart.ts): a simulated teacher (the family's own
 * chains with a stated error rate) annotates a pool, students are trained by standard fine-tuning, CoT
 * specialization, distilling step-by-step (both label settings) and standard distillation at several data
 * fractions and seeds, evaluated on a held-out test set, and a report is written.
 *
 * `apprentice quickstart --example palm-svamp` scores the bundled recorded chain-of-thought answers of
 * PaLM 540B on SVAMP (test) through the evaluation harness instead.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import { formatPercent } from '../../report/format.js';
import { sweepSummaryJson, sweepTableLines, withSweepReport } from '../sweepOutput.js';
import { formatSummaryTable } from '../format.js';
import { common, outputOptions, runFolderOptions } from '../commonOptions.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { positiveInt } from '../validate.js';

const EXAMPLE_DIR = fileURLToPath(new URL('../../../examples/svamp-palm/', import.meta.url));

const quickstartOptions = {
  out: { ...common.out, help: 'folder for the teacher, annotations, students and the report (rerun to resume)', required: false, default: 'runs/quickstart' },
  scale: option('--scale <name>', 'default | tiny (a smoke test: seconds, its numbers mean nothing)', z.enum(['default', 'tiny']), { default: 'default' }),
  pool: option(
    '--pool <n>',
    'students trained and answered at once, each in its own process on its share of the cores (default: 2, or 1 on one core)',
    positiveInt.optional(),
    { to: 'pool' },
  ),
  example: option('--example <name>', 'palm-svamp: score the bundled recorded PaLM 540B answers on SVAMP (test) instead', z.enum(['palm-svamp']).optional()),
  runs: { ...runFolderOptions.runs, help: "with --example: parent folder for the example's run folder", schema: z.string().min(1) },
  ...outputOptions,
};

export function registerQuickstart(program: Command): void {
  defineCommand(program, {
    name: 'quickstart',
    description:
      'offline main job: a simulated teacher (10% errors) annotates a pool, students are distilled (standard fine-tuning, a CoT student, step-by-step with gold and with teacher labels, standard distillation) over three seeds, and a report says what was found, with intervals',
    options: quickstartOptions,
    examples: ['apprentice quickstart', 'apprentice quickstart --scale tiny --json', 'apprentice quickstart --example palm-svamp'],
    action: async (options) => {
      if (options.example === 'palm-svamp') {
        await palmExample(options);
        return;
      }
      const log = options.progress ? (line: string) => process.stderr.write(line + '\n') : undefined;
      const [{ QUICKSTART_SCALES, runQuickstart }, { computeLines, formatDuration, idleWallRange, StageClock }] = await Promise.all([
        import('../../distill/quickstart.js'),
        import('../../distill/stageTimes.js'),
      ]);
      const finished = await runQuickstart({
        out: options.out,
        scale: QUICKSTART_SCALES[options.scale],
        scaleName: options.scale,
        ...(options.pool ? { pool: options.pool } : {}),
        ...(log ? { log } : {}),
      });
      const reportClock = new StageClock();
      const result = await reportClock.measure('report (html, markdown, chart)', () => withSweepReport(finished));
      const stages = [...finished.stages, ...reportClock.stages()];
      const total = { cpuSeconds: stages.reduce((sum, s) => sum + s.cpuSeconds, 0), wallSeconds: stages.reduce((sum, s) => sum + s.wallSeconds, 0) };
      if (options.json) {
        const compute = { cpuSeconds: total.cpuSeconds, stages, idleTwoCores: { ...idleWallRange(total.cpuSeconds, 2), measured: false } };
        process.stdout.write(JSON.stringify(sweepSummaryJson(result, { scale: options.scale, cpuSeconds: finished.cpuSeconds, compute })) + '\n');
        return;
      }
      const test = result.teacher.test;
      const lines = [
        ...(options.scale === 'tiny'
          ? [
              'SMOKE TEST (--scale tiny): a few training steps on a few examples; the numbers below show that the pipeline runs, not what distillation does.',
              '',
            ]
          : []),
        `Distillation on synthetic arithmetic (${result.sweep.cells[0]?.n ?? 0} test problems): ${formatDuration(total.wallSeconds)} wall time here, ${total.cpuSeconds.toFixed(0)} s CPU (measured; finished stages of an earlier run are kept, not redone):`,
        '',
        ...sweepTableLines(result, [
          `${result.teacher.name.padEnd(26)} ${''.padStart(8)} ${String(test.n).padStart(7)}  ${formatPercent(test.accuracy)}${test.ci95 ? ` [${formatPercent(test.ci95[0])}, ${formatPercent(test.ci95[1])}] (95% Wilson CI)` : ''}`,
        ]),
      ];
      lines.push('', ...computeLines(stages, total));
      process.stdout.write(lines.join('\n') + '\n');
    },
  });
}

async function palmExample(options: { runs: string; json?: boolean; progress: boolean }): Promise<void> {
  const [{ EVAL_DEFAULTS, runEvalJob }, { ModelHub }] = await Promise.all([import('../../eval/job.js'), import('../../models/hub.js')]);
  const hub = new ModelHub({ cachePath: 'none' });
  try {
    const { summary } = await runEvalJob(
      {
        ...EVAL_DEFAULTS,
        dataset: `svamp:${EXAMPLE_DIR}`,
        predictions: resolve(EXAMPLE_DIR, 'palm-540b-cot.predictions.jsonl'),
        concurrency: 8,
        runsRoot: resolve(options.runs),
      },
      hub,
      { showProgress: options.progress },
    );
    if (options.json) {
      process.stdout.write(JSON.stringify(summary) + '\n');
      return;
    }
    process.stdout.write(
      'PaLM 540B chain-of-thought answers (recorded) on SVAMP test, scored by value of the final expression:\n\n' +
        formatSummaryTable({ ...summary, model: 'PaLM 540B (recorded predictions)' }) +
        '\n',
    );
  } finally {
    await hub.close();
  }
}
