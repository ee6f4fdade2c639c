/** `apprentice export`: a student checkpoint as a GGUF file for llama.cpp, Ollama and node-llama-cpp. */
import { Command } from 'commander';
import { z } from 'zod';
import { common, outputOptions } from '../commonOptions.js';
import { withExamples } from '../help.js';
import { addOptions, option, parseOptions } from '../options.js';

const exportOptions = {
  format: option('--format <format>', 'output format: gguf', z.enum(['gguf']), { default: 'gguf' }),
  dtype: option('--dtype <type>', 'matrix storage: f32 (exact) or f16 (half the size)', z.enum(['f32', 'f16']), { default: 'f32' }),
  out: { ...common.out, flags: '--out <file>', help: 'the .gguf file to write' },
  json: { ...outputOptions.json, help: 'print one JSON object' },
};

export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description('write a student checkpoint folder (from apprentice train) as a GGUF file')
    .argument('<dir>', 'the checkpoint folder');
  withExamples(addOptions(command, exportOptions), ['apprentice export runs/student --out student.gguf --dtype f16'])
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const options = parseOptions(exportOptions, raw);
      const { exportGguf } = await import('../../engine/export.js');
      const result = await exportGguf(dir, options.out, { dtype: options.dtype });
      if (options.json) process.stdout.write(JSON.stringify({ ...result, format: options.format, dtype: options.dtype }) + '\n');
      else process.stdout.write(`wrote ${result.path} (${result.parameters.toLocaleString('en-US')} parameters, ${options.dtype})\n`);
    });
}
