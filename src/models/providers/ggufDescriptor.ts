/** `gguf:<path>`: a GGUF model run in-process by node-llama-cpp (implementation: gguf.ts). */
import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { ProviderDescriptor } from '../core/descriptor.js';
import { localModelDescriptor, type PathSpec } from '../core/descriptorKinds.js';

/** A parsed `gguf:<file.gguf>` spec: a local model run by llama.cpp. */
export type GgufSpec = PathSpec<'gguf'>;

export const ggufDescriptor: ProviderDescriptor<GgufSpec> = localModelDescriptor({
  name: 'gguf',
  usage: 'gguf:<path to .gguf file>',
  examples: ['gguf:models/qwen2.5-0.5b-q4.gguf'],
  async load(spec, { parallel }) {
    const { createGgufModel } = await import('./gguf.js');
    return createGgufModel({ spec: spec.spec, path: spec.path, parallel });
  },
  weights: fileStamp,
  servedName: (spec) => basename(spec.path, extname(spec.path)) || spec.spec,
  servesPath: 'file',
});

/** Size and modification time: cheap for multi-gigabyte GGUF files, and changes when the file is replaced. */
function fileStamp(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.size}:${Math.round(stats.mtimeMs)}`;
  } catch {
    return undefined;
  }
}
