/** `apprentice ui`: the dashboard, a local web app over a runs folder. */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { z } from 'zod';
import { InputError } from '../../util/errors.js';
import { untilInterrupted, warnIfExposed } from '../listening.js';
import { nonNegativeInt, parseOptions } from '../validate.js';

const schema = z.object({
  runs: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  scores: z.array(z.string().min(1)).optional(),
  seed: nonNegativeInt,
});

export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('a local web dashboard: runs, per-example tables, paired comparisons, grimoire evaluations, distillation sweeps, scaling plots')
    .option('--runs <dir>', 'folder searched (recursively) for runs (config.json + records.jsonl), grimoire eval roots (config.json + summary.json) and distillation sweeps (results.json)', 'runs')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '4173')
    .option('--host <address>', 'address to bind; the default serves this machine only', '127.0.0.1')
    .option('--scores <file...>', 'score-row files (CSV/JSON/JSONL) for the scaling page, besides analysis.json files under --runs')
    .option('--seed <n>', 'bootstrap seed of the paired comparisons', '0')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(schema, raw);
      if (!existsSync(options.runs)) throw new InputError('no such folder', { file: options.runs, field: 'runs' });
      const { startDashboard } = await import('../../server/dashboard/app.js');
      const server = await startDashboard({ runsDir: options.runs, host: options.host, port: options.port, scoreFiles: options.scores, seed: options.seed });
      warnIfExposed(options.host, 'read these runs');
      process.stdout.write(`dashboard of ${options.runs} at ${server.url}/\n`);
      await untilInterrupted();
      await server.close();
    });
}
