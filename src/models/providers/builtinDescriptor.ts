/** `builtin:<checkpoint dir>`: a built-in engine checkpoint, run as GGUF (implementation: builtin.ts). */
import { basename, resolve } from 'node:path';
import { weightsDigest } from '../../engine/hfWeights.js';
import type { ProviderDescriptor } from '../core/descriptor.js';
import { localUnsupportedSettings } from './ggufDescriptor.js';

/** A parsed `builtin:<checkpoint folder>` spec: a student trained by the engine. */
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
      identity: { provider: 'builtin', model: dir, weights: safeWeightsDigest(dir) },
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

/** Content hash of the weights (engine/hfWeights.ts, the one checkpoint digest): a copied folder keeps its cached answers. */
function safeWeightsDigest(dir: string): string | undefined {
  try {
    return weightsDigest(dir);
  } catch {
    return undefined;
  }
}
