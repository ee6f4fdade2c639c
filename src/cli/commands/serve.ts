/**
 * `apprentice serve`: an OpenAI-compatible HTTP API (chat and completions, streaming too) for one model,
 * or for a weak model boosted by a built grimoire set (`serve <set dir> [--weak <spec>] [--dataset <spec>]`).
 */
import { Command } from 'commander';
import { z } from 'zod';
import type { GrimoireSet } from '../../grimoire/index.js';
import type { ModelHub } from '../../models/hub.js';
import { resolveServeTarget } from '../../server/target.js';
import { InputError } from '../../util/errors.js';
import { common } from '../commonOptions.js';
import { withExamples } from '../help.js';
import { createHub, modelLayerOptions } from '../modelOptions.js';
import { serverKeyFor, untilInterrupted } from '../listening.js';
import { addOptions, option, parseOptions } from '../options.js';

const serveOptions = {
  weak: option(
    '--weak <spec>',
    'with a grimoire set folder: the weak model that answers with the chosen grimoire (default: the one the set was built for)',
    z.string().min(1).optional(),
  ),
  dataset: option(
    '--dataset <spec>',
    'with a grimoire set that does not record its task (an imported one): the dataset whose task the weak model is told, e.g. grimoire:data/SST2',
    z.string().min(1).optional(),
  ),
  port: { ...common.port, default: '8080' },
  host: common.host,
  serverKey: common.serverKey,
  name: option('--name <id>', 'model id clients use (default: the file or folder name, or the model name)', z.string().min(1).optional()),
  ...modelLayerOptions,
};

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description('serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/models)')
    .argument('<model>', 'a .gguf file, a built-in checkpoint folder, a built grimoire set folder (with --weak), or any model spec (gguf:..., openai:...@..., replay:...)');
  withExamples(addOptions(command, serveOptions), [
    'apprentice serve student.gguf --port 8080',
    'apprentice serve runs/grimoires/SST2 --weak gguf:phi-2.gguf',
  ]).action(async (target: string, raw: Record<string, unknown>) => {
    const options = parseOptions(serveOptions, raw);
    const serverKey = serverKeyFor(options.host, options.serverKey, 'use this model');
    const { spec, name: defaultName, grimoireSet } = resolveServeTarget(target, { weak: options.weak });
    const name = options.name ?? defaultName;
    const hub = await createHub(options);
    try {
      const model = await hub.model(spec); // load now, so a bad file fails before listening
      if (options.dataset && !grimoireSet) throw new InputError('--dataset is only for a grimoire set folder', { field: 'dataset' });
      const set = grimoireSet ? await loadGrimoireSet(grimoireSet, options.dataset, hub) : undefined;
      const [{ startApiServer }, { grimoireRouter }] = await Promise.all([import('../../server/app.js'), import('../../server/grimoire.js')]);
      const server = await startApiServer({ model, name, host: options.host, port: options.port, serverKey, route: set ? grimoireRouter(set) : undefined });
      const what = set
        ? `${spec} with ${set.grimoires.length} grimoires of ${grimoireSet}, chosen by ${set.ranker ? 'the saved ranker' : 'similarity'}`
        : spec;
      process.stdout.write(
        `serving ${name} (${what}) at ${server.url}/v1${model.generateStream ? '' : ' (no token streaming: streamed answers come whole)'}\n`,
      );
      await untilInterrupted();
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

/** A built grimoire set for the weak model; `dataset` names the task of a set that does not record it (an imported one). */
async function loadGrimoireSet(dir: string, dataset: string | undefined, hub: ModelHub): Promise<GrimoireSet> {
  const [{ loadDataset }, { GrimoireSet }] = await Promise.all([import('../../data/load.js'), import('../../grimoire/index.js')]);
  const task = dataset ? (await loadDataset(dataset)).task : undefined;
  return GrimoireSet.load(dir, { models: hub, ...(task ? { task } : {}) });
}
