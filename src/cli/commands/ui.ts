/** `apprentice ui`: the dashboard, a local web app over a runs folder. */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import { InputError } from '../../util/errors.js';
import { serverKeyFor, untilInterrupted } from '../listening.js';
import { common, runFolderOptions } from '../commonOptions.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';

const uiOptions = {
  runs: {
    ...runFolderOptions.runs,
    help: 'folder searched (recursively) for runs (config.json + records.jsonl), grimoire eval roots (config.json + summary.json) and distillation sweeps (results.json)',
    schema: z.string().min(1),
  },
  port: { ...common.port, default: '4173' },
  host: common.host,
  serverKey: common.serverKey,
  scores: option(
    '--scores <file...>',
    'score-row files (CSV/JSON/JSONL) for the scaling page, besides analysis.json files under --runs',
    z.array(z.string().min(1)).optional(),
  ),
  seed: { ...common.seed, help: 'bootstrap seed of the paired comparisons' },
};

export function registerUi(program: Command): void {
  defineCommand(program, {
    name: 'ui',
    description: 'a local web dashboard: runs, per-example tables, paired comparisons, grimoire evaluations, distillation sweeps, scaling plots',
    options: uiOptions,
    examples: ['apprentice ui', 'apprentice ui --runs experiments --port 0 --scores scores.csv'],
    action: async (options) => {
      const serverKey = serverKeyFor(options.host, options.serverKey, 'read these runs');
      if (!existsSync(options.runs)) throw new InputError('no such folder', { file: options.runs, field: 'runs' });
      const { startDashboard } = await import('../../server/dashboard/app.js');
      const server = await startDashboard({
        runsDir: options.runs,
        host: options.host,
        port: options.port,
        scoreFiles: options.scores,
        seed: options.seed,
        serverKey,
      });
      process.stdout.write(`dashboard of ${options.runs} at ${server.url}/\n`);
      if (serverKey) process.stdout.write(`open it once as ${server.url}/?key=<your --server-key> (a cookie keeps it)\n`);
      await untilInterrupted();
      await server.close();
    },
  });
}
