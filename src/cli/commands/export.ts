/** `apprentice export`: a student checkpoint as a GGUF file for llama.cpp, Ollama and node-llama-cpp. */
import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions } from '../validate.js';

const schema = z.object({
  format: z.enum(['gguf']),
  dtype: z.enum(['f32', 'f16']),
  out: z.string().min(1),
  json: z.boolean().optional(),
});

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a student checkpoint folder (from apprentice train) as a GGUF file')
    .argument('<dir>', 'the checkpoint folder')
    .option('--format <format>', 'output format: gguf', 'gguf')
    .option('--dtype <type>', 'matrix storage: f32 (exact) or f16 (half the size)', 'f32')
    .requiredOption('--out <file>', 'the .gguf file to write')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const options = parseOptions(schema, raw);
      const { exportGguf } = await import('../../engine/export.js');
      const result = await exportGguf(dir, options.out, { dtype: options.dtype });
      if (options.json) process.stdout.write(JSON.stringify({ ...result, format: options.format, dtype: options.dtype }) + '\n');
      else process.stdout.write(`wrote ${result.path} (${result.parameters.toLocaleString('en-US')} parameters, ${options.dtype})\n`);
    });
}
