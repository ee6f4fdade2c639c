/** `apprentice scale`: how task scores change with model size (emergence, BIG-bench statistics). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { analyzeScaling } from '../../scaling/analyzeScaling.js';
import { formatAnalysisMarkdown, formatAnalysisTable } from '../../scaling/formatAnalysis.js';
import { importGrimoireCorrectness } from '../../scaling/grimoireCorrectness.js';
import { readScoreRows } from '../../scaling/readScoreRows.js';
import { writeScoreRows } from '../../scaling/writeScoreRows.js';
import { parseOptions } from '../validate.js';

const analyzeSchema = z.object({ json: z.boolean().optional(), out: z.string().optional() });
const importSchema = z.object({ out: z.string().min(1), tasks: z.string().optional() });

export function registerScale(program: Command): void {
  const scale = program.command('scale').description('how scores change with model size: normalized scores, linearity, breakthroughness');

  scale
    .command('analyze')
    .description('per task and metric: normalized scores by model size, BIG-bench linearity and breakthroughness, a verdict')
    .argument('<file>', 'CSV/JSON/JSONL rows of model, params, task, metric, score (optional: random, max, labels, n, ci_low, ci_high, params_estimated)')
    .option('--json', 'print one JSON array instead of tables')
    .option('--out <dir>', 'also write analysis.json and analysis.md to this folder')
    .action(async (file: string, raw: Record<string, unknown>) => {
      const options = parseOptions(analyzeSchema, raw);
      const analyses = analyzeScaling(await readScoreRows(file));
      if (options.out) {
        await mkdir(options.out, { recursive: true });
        await writeFile(join(options.out, 'analysis.json'), JSON.stringify(analyses, null, 2) + '\n');
        await writeFile(join(options.out, 'analysis.md'), formatAnalysisMarkdown(analyses, file));
      }
      process.stdout.write((options.json ? JSON.stringify(analyses) : formatAnalysisTable(analyses)) + '\n');
    });

  scale
    .command('import-grimoire-correctness')
    .description("turn the Grimoire paper's recorded zero-shot correctness (keep_hard_<TASK>_<MODEL>.json) into score rows")
    .argument('<dir>', 'the zero-shot-correctness folder')
    .requiredOption('--out <file>', 'where to write the rows (.csv or .json)')
    .option('--tasks <file>', 'tasks.json with each task\'s labels (default: <dir>/../../tasks.json)')
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const options = parseOptions(importSchema, raw);
      const rows = await importGrimoireCorrectness(dir, options.tasks ? { tasksFile: options.tasks } : {});
      await writeScoreRows(options.out, rows);
      const tasks = new Set(rows.map((row) => row.task)).size;
      const models = new Set(rows.map((row) => row.model)).size;
      process.stderr.write(`wrote ${rows.length} rows (${tasks} tasks × ${models} models) to ${options.out}\n`);
    });
}
