/**
 * `apprentice serve`: an OpenAI-compatible HTTP API (chat and completions, streaming too) for one model,
 * or for a weak model boosted by a built grimoire set (`serve <set dir> [--weak <spec>] [--dataset <spec>]`).
 */
import type { Command } from 'commander';
import * as z from '../../util/zod.js';
import type { GrimoireSet } from '../../grimoire/index.js';
import type { ModelHub } from '../../models/hub.js';
import { resolveServeTarget } from '../../server/target.js';
import { InputError } from '../../util/errors.js';
import { common } from '../commonOptions.js';
import { defineCommand } from '../command.js';
import { createHub, modelLayerOptions } from '../modelOptions.js';
import { fineTuningServeOptions, startFineTuning } from '../fineTuning/serveFineTuning.js';
import { serverKeyFor, untilInterrupted } from '../listening.js';
import { configFrom, option, type OptionValues } from '../options.js';
import { positiveInt } from '../validate.js';
import { CONFIDENCE_SIGNALS } from '../../cascade/confidence.js';

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
  port: { ...common.port, default: '8080', to: 'server.port' as const },
  host: { ...common.host, to: 'server.host' as const },
  serverKey: common.serverKey,
  name: option('--name <id>', 'model id clients use (default: the file or folder name, or the model name)', z.string().min(1).optional()),
  store: option(
    '--store <dir>',
    'capture every exchange (request, response, client metadata; never keys) in <dir>/exchanges.sqlite',
    z.string().min(1).optional(),
  ),
  cascade: option('--cascade', 'serve a cascade: --student answers first, --teacher when the student is not confident enough', z.boolean().optional()),
  student: option('--student <spec>', 'with --cascade: the student model', z.string().min(1).optional()),
  teacher: option('--teacher <spec>', 'with --cascade: the teacher model', z.string().min(1).optional()),
  threshold: option(
    '--threshold <x>',
    'with --cascade: the student answers when its confidence (0-1) is at least this (pick it with `cascade calibrate`)',
    z.coerce.number().min(0).max(1),
    {
      default: '0.5',
      to: 'cascade.threshold',
    },
  ),
  signal: option(
    '--signal <kind>',
    'with --cascade: confidence signal, logprob (token log-probabilities) or agreement (k samples)',
    z.enum(CONFIDENCE_SIGNALS),
    {
      default: 'logprob',
      to: 'cascade.signal',
    },
  ),
  samples: option('--samples <k>', 'with --signal agreement: samples that vote', positiveInt, { default: '5', to: 'cascade.samples' }),
  ...fineTuningServeOptions,
  ...modelLayerOptions,
};

type ServeOptions = OptionValues<typeof serveOptions>;

export function registerServe(program: Command): void {
  defineCommand(program, {
    name: 'serve',
    description: 'serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/models)',
    arguments: [
      [
        '[model]',
        'a .gguf file, a built-in checkpoint folder, a built grimoire set folder (with --weak), or any model spec (gguf:..., openai:...@..., replay:...); none with --cascade, optional with --fine-tuning',
      ],
    ],
    options: serveOptions,
    examples: [
      'apprentice serve student.gguf --port 8080',
      'apprentice serve openai:gpt-4o-mini --store runs/capture',
      'apprentice serve --cascade --student builtin:runs/student --teacher openai:gpt-4o-mini --threshold 0.62 --store runs/capture',
      'apprentice serve runs/grimoires/SST2 --weak gguf:phi-2.gguf',
      'apprentice serve --fine-tuning --base qwen=models/Qwen2.5-0.5B-Instruct --port 8080',
    ],
    action: serve,
  });
}

async function serve(options: ServeOptions, target: string | undefined): Promise<void> {
  const config = configFrom(serveOptions, options);
  const serverKey = serverKeyFor(options.host, options.serverKey, 'use this model');
  if (target === undefined && !options.cascade && options.fineTuning) return serveFineTuningOnly(options, serverKey);
  const served = servedTarget(target, options);
  const hub = await createHub(options);
  const [{ startApiServer }, { grimoireRouter }, { cascadeAnswerer }, { captureTo }] = await Promise.all([
    import('../../server/app.js'),
    import('../../server/grimoire.js'),
    import('../../server/cascade.js'),
    import('../../server/capture/index.js'),
  ]);
  const capture = options.store ? captureTo(options.store) : undefined;
  let closeFineTuning: (() => Promise<void>) | undefined;
  try {
    const model = await hub.model(served.spec); // load now, so a bad file fails before listening
    const teacher = served.teacher ? await hub.model(served.teacher) : undefined;
    if (options.dataset && !served.grimoireSet) throw new InputError('--dataset is only for a grimoire set folder', { field: 'dataset' });
    const set = served.grimoireSet ? await loadGrimoireSet(served.grimoireSet, options.dataset, hub) : undefined;
    const answerer = teacher ? cascadeAnswerer({ student: model, teacher, ...config.cascade }) : undefined;
    const name = options.name ?? served.name;
    const fineTuning = options.fineTuning ? await startFineTuning(options, hub) : undefined;
    closeFineTuning = fineTuning?.close;
    const server = await startApiServer({
      ...fineTuning?.serverOptions,
      model,
      name,
      ...config.server,
      serverKey,
      route: set ? grimoireRouter(set) : undefined,
      answerer,
      capture: capture?.sink,
    });
    const what = set
      ? `${served.spec} with ${set.grimoires.length} grimoires of ${served.grimoireSet}, chosen by ${set.ranker ? 'the saved ranker' : 'similarity'}`
      : teacher
        ? `cascade: ${served.spec} first, ${served.teacher} when its ${options.signal} confidence is below ${options.threshold}`
        : served.spec;
    const streaming = model.generateStream && !teacher ? '' : ' (no token streaming: streamed answers come whole)';
    process.stdout.write(`serving ${name} (${what}) at ${server.url}/v1${streaming}${capture ? `, storing exchanges in ${capture.store.path}` : ''}\n`);
    await untilInterrupted();
    await server.close();
    const usage = hub.usage.snapshot().overall;
    process.stdout.write(
      `served ${usage.calls} calls (${usage.cached} from the cache, ${usage.errors} failed): ` +
        `${usage.promptTokens} prompt + ${usage.completionTokens} completion tokens, $${usage.costUsd.toFixed(4)}\n`,
    );
  } finally {
    capture?.close();
    // The hub first: it holds the fine-tuned models, whose native library needs the signal listener the service holds.
    try {
      await hub.close();
    } finally {
      await closeFineTuning?.();
    }
  }
}

/** What serve serves: the target (a model, a grimoire set), or with --cascade the student, with the teacher. */
function servedTarget(
  target: string | undefined,
  options: { cascade?: boolean; student?: string; teacher?: string; weak?: string },
): { spec: string; name: string; grimoireSet?: string; teacher?: string } {
  if (!options.cascade) {
    for (const field of ['student', 'teacher'] as const) {
      if (options[field]) throw new InputError(`--${field} is only for --cascade`, { field });
    }
    if (!target) throw new InputError('give the model to serve (or --cascade with --student and --teacher, or --fine-tuning)', { field: 'model' });
    return resolveServeTarget(target, { weak: options.weak });
  }
  if (target) throw new InputError('with --cascade, give the models as --student and --teacher, not as an argument', { field: 'model' });
  if (!options.student || !options.teacher)
    throw new InputError('--cascade needs --student <spec> and --teacher <spec>', { field: options.student ? 'teacher' : 'student' });
  const student = resolveServeTarget(options.student);
  const teacher = resolveServeTarget(options.teacher);
  return { spec: student.spec, name: `cascade-${student.name}`, teacher: teacher.spec };
}

/** A built grimoire set for the weak model; `dataset` names the task of a set that does not record it (an imported one). */
async function loadGrimoireSet(dir: string, dataset: string | undefined, hub: ModelHub): Promise<GrimoireSet> {
  const [{ loadDataset }, { GrimoireSet }] = await Promise.all([import('../../data/load.js'), import('../../grimoire/index.js')]);
  const task = dataset ? (await loadDataset(dataset)).task : undefined;
  return GrimoireSet.load(dir, { models: hub, ...(task ? { task } : {}) });
}

/** `serve --fine-tuning` without a model: the fine-tuning API and the models it trains. */
async function serveFineTuningOnly(options: ServeOptions, serverKey: string | undefined): Promise<void> {
  const hub = await createHub(options);
  const fineTuning = await startFineTuning(options, hub);
  try {
    const { startApiServer } = await import('../../server/app.js');
    const server = await startApiServer({ ...configFrom(serveOptions, options).server, serverKey, ...fineTuning.serverOptions });
    process.stdout.write(
      `serving the fine-tuning API (bases: tiny, small, base${options.base?.length ? ', ' + options.base.map((b) => b.split('=')[0]).join(', ') : ''}) at ${server.url}/v1\n`,
    );
    await untilInterrupted();
    await server.close();
  } finally {
    try {
      await hub.close();
    } finally {
      await fineTuning.close();
    }
  }
}
