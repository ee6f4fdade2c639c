/** `apprentice report`: a self-contained HTML report and a Markdown summary of any run folder, or a comparison of evaluation runs. */
import { Command } from 'commander';
import { z } from 'zod';
import { nonNegativeInt, parseOptions } from '../validate.js';

const schema = z.object({
  out: z.string().optional(),
  title: z.string().optional(),
  seed: nonNegativeInt,
  json: z.boolean().optional(),
});

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write report.html (tables with CIs, charts, every example, configuration, version) and report.md for a run folder of any kind')
    .argument(
      '<runDir...>',
      'an evaluation run, a grimoire eval root, a distillation sweep (distill run, quickstart) or a scaling folder (scale run, scale analyze --out); several evaluation runs are each compared with the first',
    )
    .option('--out <dir>', 'where report.html and report.md go (default: the (first) folder)')
    .option('--title <text>', 'title of the report')
    .option('--seed <n>', 'bootstrap seed of the paired comparisons', '0')
    .option('--json', 'print the written paths as JSON')
    .action(async (runDirs: string[], raw: Record<string, unknown>) => {
      const options = parseOptions(schema, raw);
      const { writeReport } = await import('../../report/writeReport.js');
      const written = await writeReport(runDirs, { outDir: options.out, title: options.title, seed: options.seed });
      if (options.json) {
        process.stdout.write(JSON.stringify({ kind: written.kind, html: written.htmlPath, markdown: written.markdownPath, runs: written.dirs }) + '\n');
        return;
      }
      process.stdout.write(`wrote ${written.htmlPath}\nwrote ${written.markdownPath}\n`);
    });
}
