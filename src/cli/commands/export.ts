/** `apprentice export`: a student checkpoint as a GGUF file (llama.cpp, node-llama-cpp), an Ollama folder or a Hugging Face folder. */
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import { common, outputOptions } from '../commonOptions.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';

const exportOptions = {
  format: option(
    '--format <format>',
    "gguf (one file), ollama (folder: GGUF + Modelfile) or hf (Hugging Face folder); a LoRA run's adapter alone: peft (PEFT folder) or lora-gguf (llama.cpp adapter)",
    z.enum(['gguf', 'ollama', 'hf', 'peft', 'lora-gguf']),
    { default: 'gguf' },
  ),
  dtype: option('--dtype <type>', 'GGUF matrix storage: f32 (exact), f16 (half the size) or q8_0 (about a quarter)', z.enum(['f32', 'f16', 'q8_0']), {
    default: 'f32',
  }),
  out: { ...common.out, flags: '--out <path>', help: 'the .gguf file (gguf, lora-gguf) or the folder (ollama, hf, peft) to write' },
  json: { ...outputOptions.json, help: 'print one JSON object' },
};

export function registerExport(program: Command): void {
  defineCommand(program, {
    name: 'export',
    description: 'write a student checkpoint folder (from apprentice train) as a GGUF file, an Ollama folder or a Hugging Face folder',
    arguments: [['<dir>', 'the checkpoint folder']],
    options: exportOptions,
    examples: [
      'apprentice export runs/student --out student.gguf --dtype f16',
      'apprentice export runs/student --format ollama --out ollama/student',
      'apprentice export runs/student --format hf --out hf/student',
      'apprentice export runs/lora --format lora-gguf --out lora.gguf',
    ],
    action: async (options, dir: string) => {
      const engine = await import('../../engine/export.js');
      const say = (result: Record<string, unknown>, text: string): void => {
        process.stdout.write(options.json ? JSON.stringify({ ...result, format: options.format }) + '\n' : text + '\n');
      };
      if (options.format === 'peft') {
        const result = await engine.exportPeft(dir, options.out);
        say(result, `wrote ${result.path} (${result.files.join(', ')}; ${result.parameters.toLocaleString('en-US')} adapter parameters)`);
        return;
      }
      if (options.format === 'lora-gguf') {
        const result = await engine.exportLoraGguf(dir, options.out);
        say(result, `wrote ${result.path} (${result.parameters.toLocaleString('en-US')} adapter parameters, f32; load it with the GGUF of ${result.base})`);
        return;
      }
      if (options.format === 'hf') {
        const result = await engine.exportHf(dir, options.out);
        say(result, `wrote ${result.path} (${result.files.join(', ')})`);
        return;
      }
      const result =
        options.format === 'ollama'
          ? await engine.exportOllama(dir, options.out, { dtype: options.dtype })
          : await engine.exportGguf(dir, options.out, { dtype: options.dtype });
      const what = `${result.parameters.toLocaleString('en-US')} parameters, ${options.dtype}`;
      const modelfile = 'modelfile' in result ? `; ${result.modelfile}: ollama create <name> -f ${result.modelfile}` : '';
      say({ ...result, dtype: options.dtype }, `wrote ${result.path} (${what})${modelfile}`);
    },
  });
}
