/** `apprentice serve`: an OpenAI-compatible HTTP API (chat and completions, streaming too) for one model. */
import { Command } from 'commander';
import { z } from 'zod';
import { startApiServer } from '../../server/app.js';
import { resolveServeTarget } from '../../server/target.js';
import { addModelLayerOptions, createHub, modelLayerSchema } from '../modelOptions.js';
import { parseOptions } from '../validate.js';

const schema = modelLayerSchema.extend({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  name: z.string().min(1).optional(),
});

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description('serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/models)')
    .argument('<model>', 'a .gguf file, a built-in checkpoint folder, or any model spec (gguf:..., openai:...@..., replay:...)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to bind; the default serves this machine only', '127.0.0.1')
    .option('--name <id>', 'model id clients use (default: the file or folder name, or the model name)')
    .option('--config <file>', 'read options from a YAML/JSON file');
  addModelLayerOptions(command).action(async (target: string, raw: Record<string, unknown>, self: Command) => {
    const options = parseOptions(schema, raw);
    const { spec, name: defaultName } = resolveServeTarget(target);
    const name = options.name ?? defaultName;
    // An in-process model answers one call at a time; with one slot, waiting requests queue in the limiter
    // (untimed, first come first served) instead of inside the provider, where the per-call timeout runs.
    const local = spec.startsWith('gguf:') || spec.startsWith('builtin:');
    const concurrency = local && self.getOptionValueSource('concurrency') === 'default' ? 1 : options.concurrency;
    const hub = createHub({ ...options, concurrency });
    try {
      const model = await hub.model(spec); // load now, so a bad file fails before listening
      const server = await startApiServer({ model, name, host: options.host, port: options.port });
      if (!LOOPBACK.has(options.host)) {
        process.stderr.write(`warning: listening on ${options.host} without authentication: anyone who can reach it can use this model\n`);
      }
      process.stdout.write(
        `serving ${name} (${spec}) at ${server.url}/v1${model.generateStream ? '' : ' (no token streaming: streamed answers come whole)'}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      const usage = hub.usage.snapshot().overall;
      process.stdout.write(
        `served ${usage.calls} calls (${usage.cached} from the cache, ${usage.errors} failed): ` +
          `${usage.promptTokens} prompt + ${usage.completionTokens} completion tokens, $${usage.costUsd.toFixed(4)}\n`,
      );
    } finally {
      await hub.close();
    }
  });
}
