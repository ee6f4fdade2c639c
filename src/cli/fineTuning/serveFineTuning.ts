/**
 * What `serve --fine-tuning` adds to the server: the local fine-tuning service on its folder (resuming the
 * job a stopped server was running), the Files and fine-tuning routes, and its fine-tuned models as
 * models the server answers.
 */
import { resolve } from 'node:path';
import * as z from '../../util/zod.js';
import type { ApiServerOptions } from '../../server/app.js';
import type { ModelHub } from '../../models/hub.js';
import { InputError } from '../../util/errors.js';
import { option } from '../options.js';

export const fineTuningServeOptions = {
  fineTuning: option(
    '--fine-tuning',
    "also serve OpenAI's Files and fine-tuning API (/v1/files, /v1/fine_tuning/jobs); the model argument becomes optional",
    z.boolean().optional(),
  ),
  base: option(
    '--base <name=path>',
    'with --fine-tuning: a pretrained base jobs may name as their model (a student or Hugging Face folder, or a GGUF file; repeatable); the built-in sizes tiny, small and base are always there',
    z.array(z.string()).optional(),
    { repeatable: true },
  ),
  fineTuningDir: option(
    '--fine-tuning-dir <dir>',
    'with --fine-tuning: where files, jobs and fine-tuned models are kept (a restarted server resumes from it)',
    z.string().min(1),
    { default: 'runs/fine-tuning' },
  ),
};

export function parseBases(entries: readonly string[] | undefined): Record<string, string> {
  const bases: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0 || at === entry.length - 1) throw new InputError(`expected <name>=<folder or file.gguf>, got "${entry}"`, { field: 'base' });
    bases[entry.slice(0, at)] = resolve(entry.slice(at + 1));
  }
  return bases;
}

export interface FineTuningServer {
  serverOptions: Pick<ApiServerOptions, 'catalog' | 'extend'>;
  close(): Promise<void>;
}

export async function startFineTuning(options: { fineTuningDir: string; base?: string[] }, hub: ModelHub): Promise<FineTuningServer> {
  const [{ FineTuningService }, { registerFineTuningRoutes }, { fineTunedModelCatalog }] = await Promise.all([
    import('../../finetune/service.js'),
    import('../../server/fineTuning/routes.js'),
    import('../../server/fineTuning/models.js'),
  ]);
  const service = new FineTuningService({ dir: resolve(options.fineTuningDir), bases: parseBases(options.base) });
  service.start();
  const releaseSignals = holdSignals();
  return {
    serverOptions: {
      catalog: fineTunedModelCatalog(service, (spec) => hub.model(spec)),
      extend: (app) => registerFineTuningRoutes(app, service),
    },
    close: async () => {
      try {
        await service.close();
      } finally {
        releaseSignals();
      }
    },
  };
}

/**
 * Fine-tuned models are loaded (node-llama-cpp) while the server already waits for Ctrl-C. Observed: once the
 * native library was loaded after the wait's signal listener, the process dies of the signal (exit 130,
 * shutdown cut short) as soon as untilInterrupted removes its listener. So a listener stays until the
 * fine-tuning service is closed: it leaves the first signal to untilInterrupted and ends the process on a
 * second, as the default would.
 */
function holdSignals(): () => void {
  let received = 0;
  const onSignal = () => {
    received += 1;
    if (received > 1) process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
