/**
 * The built-in engine's students (`builtin:<checkpoint dir>`): the checkpoint is exported to a temporary F32
 * GGUF and run by node-llama-cpp, the fastest correct path (a KV cache, native kernels: several times faster
 * than a tfjs forward pass per token, and exactly the same logits). Generation (greedy, temperature, top-p,
 * stop strings), exact log P(continuation) and embeddings are the gguf provider's, under this spec.
 *
 * Every request is rendered in the prompt format the student was trained with (config.json's
 * apprentice.promptFormat, engine/tokenizers/promptFormat.ts), so it is never run on a prompt it was not
 * trained on: a chat student's prompt goes through its chat template; `raw` requests go as they are.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { loadCheckpoint } from '../../engine/checkpoint.js';
import { writeCheckpointGguf } from '../../engine/export.js';
import { parsePromptFormat, renderRequest } from '../../engine/tokenizers/promptFormat.js';
import type { LanguageModel } from '../types.js';
import { createGgufModel } from './gguf.js';

export interface BuiltinModelOptions {
  spec: string;
  dir: string;
  /** Default: the model's training context. */
  contextSize?: number;
  /** Calls decoded together (see GgufModelOptions.parallel). */
  parallel?: number;
}

export async function createBuiltinModel(options: BuiltinModelOptions): Promise<LanguageModel> {
  const dir = resolve(options.dir);
  const checkpoint = await loadCheckpoint(dir);
  const format = parsePromptFormat(checkpoint.info.promptFormat, join(dir, 'config.json'));
  const tempDir = await mkdtemp(join(tmpdir(), 'apprentice-builtin-'));
  const path = join(tempDir, 'model.gguf');
  let model: LanguageModel;
  try {
    await writeCheckpointGguf(checkpoint, path, basename(dir));
    model = await createGgufModel({
      spec: options.spec,
      path,
      contextSize: options.contextSize ?? checkpoint.config.contextLength,
      // F32 cache and no flash attention: the same numbers as the engine computes.
      kvCacheType: 'F32',
      flashAttention: false,
      parallel: options.parallel,
      renderPrompt: (request) => renderRequest(format, checkpoint.tokenizer, request),
    });
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  return {
    spec: options.spec,
    provider: 'builtin',
    modelName: dir,
    capabilities: model.capabilities,
    ...(model.parallel !== undefined ? { parallel: model.parallel } : {}),
    generate: (request, callOptions) => model.generate(request, callOptions),
    logprob: (request, callOptions) => model.logprob(request, callOptions),
    embed: (request, callOptions) => model.embed(request, callOptions),
    ...(model.generateStream ? { generateStream: model.generateStream.bind(model) } : {}),
    close: async () => {
      try {
        await model.close?.();
      } finally {
        await rm(tempDir, { recursive: true, force: true });
      }
    },
  };
}
