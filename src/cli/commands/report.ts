/** `apprentice report`: a self-contained HTML report and a Markdown summary of one or more runs. */
import { Command } from 'commander';
import { z } from 'zod';
import { writeEvalReport } from '../../report/evalReport.js';
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
    .description('write report.html (every example, charts, configuration) and report.md for one or more evaluation runs')
    .argument('<runDir...>', 'run folders written by `apprentice eval`; with several, each is compared with the first')
    .option('--out <dir>', 'where report.html and report.md go (default: the first run folder)')
    .option('--title <text>', 'title of the report')
    .option('--seed <n>', 'bootstrap seed of the paired comparisons', '0')
    .option('--json', 'print the written paths as JSON')
    .action(async (runDirs: string[], raw: Record<string, unknown>) => {
      const options = parseOptions(schema, raw);
      const written = await writeEvalReport(runDirs, { outDir: options.out, title: options.title, seed: options.seed });
      if (options.json) {
        process.stdout.write(JSON.stringify({ html: written.htmlPath, markdown: written.markdownPath, runs: written.runs.map((run) => run.dir) }) + '\n');
        return;
      }
      process.stdout.write(`wrote ${written.htmlPath}\nwrote ${written.markdownPath}\n`);
    });
}
