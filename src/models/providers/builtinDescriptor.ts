/** `builtin:<checkpoint dir>`: a built-in engine checkpoint, run as GGUF (implementation: builtin.ts). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ProviderDescriptor } from '../core/descriptor.js';
import { localUnsupportedSettings } from './ggufDescriptor.js';

export interface BuiltinSpec {
  provider: 'builtin';
  spec: string;
  dir: string;
}

export const builtinDescriptor: ProviderDescriptor<BuiltinSpec> = {
  name: 'builtin',
  usage: 'builtin:<model dir>',
  examples: ['builtin:runs/tiny-llama'],
  parse: (target, spec) => ({ provider: 'builtin', spec, dir: target }),
  async load(spec, { parallel }) {
    const { createBuiltinModel } = await import('./builtin.js');
    return createBuiltinModel({ spec: spec.spec, dir: spec.dir, parallel });
  },
  backend(spec) {
    const dir = resolve(spec.dir);
    return {
      identity: { provider: 'builtin', model: dir, weights: fileDigest(join(dir, 'model.safetensors')) },
      endpoint: `builtin ${dir}`,
    };
  },
  pricing: 'free',
  recorded: true,
  localParallel: true,
  servedName: (spec) => basename(spec.dir.replace(/[/\\]+$/, '')) || spec.spec,
  servesPath: 'directory',
  unsupportedSettings: localUnsupportedSettings,
};

/** Content hash: built-in checkpoints are small, and a copied folder keeps its cached answers. */
function fileDigest(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}
