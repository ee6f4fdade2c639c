/** Shared pieces of the fine-tuning tests: a small chat training set and a server with the fine-tuning API. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineTuningService } from '../../src/finetune/service.js';
import { ModelHub } from '../../src/models/hub.js';
import { startApiServer, type RunningServer } from '../../src/server/app.js';
import { fineTunedModelCatalog } from '../../src/server/fineTuning/models.js';
import { registerFineTuningRoutes } from '../../src/server/fineTuning/routes.js';

export const COLOURS = ['red', 'blue', 'green', 'yellow', 'black', 'white', 'pink', 'brown', 'grey', 'orange', 'purple', 'gold'];

/** Chat lines teaching "colour of <thing>?" -> "<colour>" (the same colour for each thing, so it is learnable). */
export function chatTrainingJsonl(count = 12): string {
  return Array.from({ length: count }, (_, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    return JSON.stringify({
      messages: [
        { role: 'system', content: 'Answer with one colour.' },
        { role: 'user', content: `What colour is thing ${i}?` },
        { role: 'assistant', content: colour },
      ],
    });
  }).join('\n') + '\n';
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
