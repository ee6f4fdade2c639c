/** `gguf:<path>`: a GGUF model run in-process by node-llama-cpp (implementation: gguf.ts). */
import { statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import type { ProviderDescriptor, UnsupportedSetting } from '../core/descriptor.js';
import type { GenerateRequest } from '../types.js';

/** A parsed `gguf:<file.gguf>` spec: a local model run by llama.cpp. */
export interface GgufSpec {
  provider: 'gguf';
  spec: string;
  path: string;
}

/** Settings the local llama.cpp providers (gguf, builtin) cannot honour for a request. */
export function localUnsupportedSettings(request: GenerateRequest): UnsupportedSetting[] {
  if (request.logprobs && (request.temperature ?? 0) > 0) {
    return [{ setting: 'logprobs', reason: 'log-probabilities are returned for greedy generation (temperature 0) only' }];
  }
  return [];
}

export const ggufDescriptor: ProviderDescriptor<GgufSpec> = {
  name: 'gguf',
  usage: 'gguf:<path to .gguf file>',
  examples: ['gguf:models/qwen2.5-0.5b-q4.gguf'],
  parse: (target, spec) => ({ provider: 'gguf', spec, path: target }),
  async load(spec, { parallel }) {
    const { createGgufModel } = await import('./gguf.js');
    return createGgufModel({ spec: spec.spec, path: spec.path, parallel });
  },
  backend(spec) {
    const path = resolve(spec.path);
    return { identity: { provider: 'gguf', model: path, weights: fileStamp(path) }, endpoint: `gguf ${path}` };
  },
  pricing: 'free',
  recorded: true,
  localParallel: true,
  servedName: (spec) => basename(spec.path, extname(spec.path)) || spec.spec,
  servesPath: 'file',
  unsupportedSettings: localUnsupportedSettings,
};

/** Size and modification time: cheap for multi-gigabyte GGUF files, and changes when the file is replaced. */
function fileStamp(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.size}:${Math.round(stats.mtimeMs)}`;
  } catch {
    return undefined;
  }
}
