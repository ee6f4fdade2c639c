/** `apprentice generate`: one completion from any model, for quick checks. */
import { Command } from 'commander';
import * as z from '../../util/zod.js';
import { common, outputOptions } from '../commonOptions.js';
import { defineCommand } from '../command.js';
import { modelLayerOptions, withHub } from '../modelOptions.js';
import { option } from '../options.js';
import { unescapeCliText } from '../validate.js';
import { InputError } from '../../util/errors.js';

const generateOptions = {
  model: option('--model <spec>', 'model spec, e.g. openai:gpt-4o-mini, gguf:model.gguf, replay:calls.jsonl', z.string().min(1), { required: true }),
  prompt: option('--prompt <text>', 'the user message (\\n for newlines)', z.string(), { required: true }),
  system: option('--system <text>', 'a system message', z.string().optional()),
  maxTokens: { ...common.maxTokens, help: 'maximum tokens to generate' },
  temperature: common.temperature,
  stop: option('--stop <s>', 'a stop string', z.string().optional()),
  raw: option('--raw', 'send the prompt text as it is, without the chat template or prompt format (not with --system)', z.boolean().optional()),
  json: { ...outputOptions.json, help: 'print the full response as JSON' },
  ...modelLayerOptions,
};

export function registerGenerate(program: Command): void {
  defineCommand(program, {
    name: 'generate',
    description: 'print one completion (greedy at temperature 0) from any model',
    options: generateOptions,
    examples: [
      'apprentice generate --model openai:gpt-4o-mini --prompt "What is 17 * 23?"',
      'apprentice generate --model gguf:student.gguf --prompt "Q: 2 + 3\\nA:" --max-tokens 16',
      'apprentice generate --model builtin:students/svamp --raw --prompt "Question: 2 + 3\\nAnswer:"',
    ],
    action: async (options) => {
      await withHub(options, async (hub) => {
        const model = await hub.model(options.model);
        const messages = [
          ...(options.system ? [{ role: 'system' as const, content: unescapeCliText(options.system) }] : []),
          { role: 'user' as const, content: unescapeCliText(options.prompt) },
        ];
        if (options.raw && options.system) throw new InputError('--raw sends the prompt as it is: leave out --system', { field: 'system' });
        const response = await model.generate({
          ...(options.raw ? { prompt: unescapeCliText(options.prompt), raw: true } : { messages }),
          maxTokens: options.maxTokens,
          temperature: options.temperature,
          ...(options.stop ? { stop: [unescapeCliText(options.stop)] } : {}),
        });
        if (options.json) process.stdout.write(JSON.stringify(response, null, 2) + '\n');
        else process.stdout.write((response.completions[0]?.text ?? '') + '\n');
      });
    },
  });
}
