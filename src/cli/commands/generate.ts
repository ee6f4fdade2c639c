/** `apprentice generate`: one completion from any model, for quick checks. */
import { Command } from 'commander';
import { z } from 'zod';
import { addModelLayerOptions, createHub, modelLayerSchema } from '../modelOptions.js';
import { InputError } from '../../util/errors.js';
import { nonNegativeNumber, parseOptions, positiveInt, unescapeCliText } from '../validate.js';

const schema = modelLayerSchema.extend({
  model: z.string().min(1),
  prompt: z.string(),
  system: z.string().optional(),
  maxTokens: positiveInt,
  temperature: nonNegativeNumber,
  stop: z.string().optional(),
  raw: z.boolean().optional(),
  json: z.boolean().optional(),
});

export function registerGenerate(program: Command): void {
  const command = program
    .command('generate')
    .description('print one completion (greedy at temperature 0) from any model')
    .requiredOption('--model <spec>', 'model spec, e.g. openai:gpt-4o-mini, gguf:model.gguf, replay:calls.jsonl')
    .requiredOption('--prompt <text>', 'the user message (\\n for newlines)')
    .option('--system <text>', 'a system message')
    .option('--max-tokens <n>', 'maximum tokens to generate', '256')
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', '0')
    .option('--stop <s>', 'a stop string')
    .option('--raw', 'send the prompt text as it is, without the chat template or prompt format (not with --system)')
    .option('--json', 'print the full response as JSON');
  addModelLayerOptions(command).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(schema, raw);
    const hub = await createHub(options);
    try {
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
    } finally {
      await hub.close();
    }
  });
}
