/** Shared pieces of the fine-tuning tests: a small chat training set, a GGUF base and a server with the fine-tuning API. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportGguf } from '../../src/engine/export.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import { tokenizerFiles } from '../../src/engine/tokenizers/files.js';
import { FineTuningService } from '../../src/finetune/service.js';
import { ModelHub } from '../../src/models/hub.js';
import { startApiServer, type RunningServer } from '../../src/server/app.js';
import { fineTunedModelCatalog } from '../../src/server/fineTuning/models.js';
import { registerFineTuningRoutes } from '../../src/server/fineTuning/routes.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';

export const COLOURS = ['red', 'blue', 'green', 'yellow', 'black', 'white', 'pink', 'brown', 'grey', 'orange', 'purple', 'gold'];

/** Chat lines teaching "colour of <thing>?" -> "<colour>" (the same colour for each thing, so it is learnable). */
export function chatTrainingJsonl(count = 12): string {
  return (
    Array.from({ length: count }, (_, i) => {
      const colour = COLOURS[i % COLOURS.length]!;
      return JSON.stringify({
        messages: [
          { role: 'system', content: 'Answer with one colour.' },
          { role: 'user', content: `What colour is thing ${i}?` },
          { role: 'assistant', content: colour },
        ],
      });
    }).join('\n') + '\n'
  );
}

export interface FineTuningTestServer {
  server: RunningServer;
  service: FineTuningService;
  baseURL: string;
  close(): Promise<void>;
}

export async function startFineTuningServer(dir: string, options: { serverKey?: string; bases?: Record<string, string> } = {}): Promise<FineTuningTestServer> {
  const hub = new ModelHub({ cachePath: ':memory:' });
  const service = new FineTuningService({ dir, bases: options.bases });
  service.start();
  const server = await startApiServer({
    serverKey: options.serverKey,
    catalog: fineTunedModelCatalog(service, (spec) => hub.model(spec)),
    extend: (app) => registerFineTuningRoutes(app, service),
  });
  return {
    server,
    service,
    baseURL: `${server.url}/v1`,
    close: async () => {
      await server.close();
      await service.close();
      await hub.close();
    },
  };
}

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'apprentice-ft-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls until the job reaches a terminal status (as a client would), or fails the test after timeoutMs. */
export async function pollUntilDone<J extends { status: string }>(retrieve: () => Promise<J>, timeoutMs = 50_000): Promise<J> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = await retrieve();
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > end) throw new Error(`job still ${job.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A plain-text chat template: rows rendered through it differ from the transcript rows a template-less base gets. */
export const CHAT_TEMPLATE = '{% for m in messages %}<{{ m.role }}> {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}';

/**
 * `<dir>/qwen3.gguf`, written by the project's own exporter from a Qwen3-layout folder (Qwen3-0.6B's config,
 * reduced; random weights) with a small BPE trained on the chat set and CHAT_TEMPLATE. Returns its path.
 */
export async function writeChatGgufBase(dir: string): Promise<string> {
  const folder = join(dir, 'qwen3');
  await writeHfModel(folder, { ...REDUCED_MODELS.find((m) => m.name === 'Qwen3-0.6B')!, dtype: 'F32' });
  const tokenizer = trainTokenizer(chatTrainingJsonl().split('\n'), { vocabSize: 300, minFrequency: 2 });
  for (const file of tokenizerFiles(tokenizer)) await writeFile(join(folder, file.name), file.text);
  const configPath = join(folder, 'tokenizer_config.json');
  const tokenizerConfig = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(configPath, JSON.stringify({ ...tokenizerConfig, chat_template: CHAT_TEMPLATE }));
  const path = join(dir, 'qwen3.gguf');
  await exportGguf(folder, path, { dtype: 'f32' });
  return path;
}
