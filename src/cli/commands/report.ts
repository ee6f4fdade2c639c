/** `apprentice report`: a self-contained HTML report and a Markdown summary of any run folder, or a comparison of evaluation runs. */
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import { common, outputOptions } from '../commonOptions.js';
import { defineCommand } from '../command.js';
import { configFrom, option } from '../options.js';

const reportOptions = {
  out: {
    ...common.out,
    help: 'where report.html and report.md go (default: the (first) folder)',
    schema: z.string().optional(),
    required: false,
    to: 'outDir' as const,
  },
  title: option('--title <text>', 'title of the report', z.string().optional(), { to: 'title' }),
  seed: { ...common.seed, help: 'bootstrap seed of the paired comparisons' },
  json: { ...outputOptions.json, help: 'print the written paths as JSON' },
};

export function registerReport(program: Command): void {
  defineCommand(program, {
    name: 'report',
    description: 'write report.html (tables with CIs, charts, every example, configuration, version) and report.md for a run folder of any kind',
    arguments: [
      [
        '<runDir...>',
        'an evaluation run, a grimoire eval root, a distillation sweep (distill run, quickstart) or a scaling folder (scale run, scale analyze --out); several evaluation runs are each compared with the first',
      ],
    ],
    options: reportOptions,
    examples: ['apprentice report runs/my-eval', 'apprentice report runs/zero-shot runs/cot --out reports/cot --title "CoT vs zero-shot"'],
    action: async (options, runDirs) => {
      const { writeReport } = await import('../../report/writeReport.js');
      const written = await writeReport(runDirs, configFrom(reportOptions, options));
      if (options.json) {
        process.stdout.write(JSON.stringify({ kind: written.kind, html: written.htmlPath, markdown: written.markdownPath, runs: written.dirs }) + '\n');
        return;
      }
      process.stdout.write(`wrote ${written.htmlPath}\nwrote ${written.markdownPath}\n`);
    },
  });
}
