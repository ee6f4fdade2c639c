/**
 * `apprentice quickstart`: the offline main job on what ships with Apprentice. Until the built-in
 * engine lands it scores the bundled example — PaLM 540B's recorded chain-of-thought answers to the
 * SVAMP test split — through the same evaluation harness every run uses.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { runEvalJob } from '../../eval/job.js';
import { ModelHub } from '../../models/hub.js';
import { formatSummaryTable } from '../format.js';

const EXAMPLE_DIR = fileURLToPath(new URL('../../../examples/svamp-palm/', import.meta.url));

export function registerQuickstart(program: Command): void {
  program
    .command('quickstart')
    .description('offline: score the bundled recorded answers of PaLM 540B on SVAMP (test) with 95% CIs')
    .option('--runs <dir>', 'parent folder for run folders', 'runs')
    .option('--json', 'print one JSON object instead of a table')
    .option('--no-progress', 'no progress output')
    .action(async (options: { runs: string; json?: boolean; progress: boolean }) => {
      const hub = new ModelHub({ cachePath: 'none' });
      try {
        const { summary } = await runEvalJob(
          {
            dataset: `svamp:${EXAMPLE_DIR}`,
            datasetOptions: {},
            split: 'test',
            seed: 0,
            predictions: resolve(EXAMPLE_DIR, 'palm-540b-cot.predictions.jsonl'),
            style: 'zero-shot',
            shots: 0,
            demoSelection: 'random',
            demoSplit: 'train',
            embedder: 'builtin',
            scoring: 'generate',
            maxTokens: 256,
            temperature: 0,
            targetLogprob: false,
            validationFraction: 0.1,
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
    });
}
