/** A tiny GGUF (test/support/tinyGguf.ts) served on loopback through a real ModelHub, and an unmodified `openai` client for it. */
import OpenAI from 'openai';
import { ModelHub, type ModelHubOptions } from '../../src/models/hub.js';
import type { LanguageModel } from '../../src/models/types.js';
import { startApiServer, type RunningServer } from '../../src/server/index.js';
import { TINY_CHAT_TEMPLATE, writeTinyGguf, type TinyModel } from './tinyGguf.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

export interface ServedTinyGguf {
  tiny: TinyModel;
  hub: ModelHub;
  /** The hub's model for the GGUF, as the server answers with it (named `tiny`). */
  model: LanguageModel;
  server: RunningServer;
  client: OpenAI;
  /** Stops the server, closes the hub and deletes the GGUF. */
  close(): Promise<void>;
}

export async function serveTinyGguf(options: {
  seed: number;
  hub: Pick<ModelHubOptions, 'concurrency' | 'warn'>;
  clientTimeoutMs: number;
}): Promise<ServedTinyGguf> {
  const tiny = await writeTinyGguf({ seed: options.seed, chatTemplate: TINY_CHAT_TEMPLATE });
  const hub = new ModelHub({ cachePath: ':memory:', ...options.hub });
  let model: LanguageModel, server: RunningServer;
  try {
    model = await hub.model(`gguf:${tiny.path}`);
    server = await startApiServer({ model, name: 'tiny', port: 0 });
  } catch (error) {
    await hub.close();
    await tiny.cleanup();
    throw error;
  }
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: options.clientTimeoutMs });
  return {
    tiny,
    hub,
    model,
    server,
    client,
    close: async () => {
      await server.close();
      await hub.close();
      await tiny.cleanup();
    },
  };
}
