/** `builtin:<checkpoint dir>`: a built-in engine checkpoint, run as GGUF (implementation: builtin.ts). */
import { basename } from 'node:path';
import { weightsDigest } from '../../engine/checkpointFiles.js';
import type { ProviderDescriptor } from '../core/descriptor.js';
import { localModelDescriptor, type PathSpec } from '../core/descriptorKinds.js';

/** A parsed `builtin:<checkpoint folder>` spec: a student trained by the engine. */
export type BuiltinSpec = PathSpec<'builtin'>;

export const builtinDescriptor: ProviderDescriptor<BuiltinSpec> = localModelDescriptor({
  name: 'builtin',
  usage: 'builtin:<model dir>',
  examples: ['builtin:runs/tiny-llama'],
  async load(spec, { parallel }) {
    const { createBuiltinModel } = await import('./builtin.js');
    return createBuiltinModel({ spec: spec.spec, dir: spec.path, parallel });
  },
  weights: safeWeightsDigest,
  servedName: (spec) => basename(spec.path.replace(/[/\\]+$/, '')) || spec.spec,
  servesPath: 'directory',
});

/** Content hash of the weights (engine/checkpointFiles.ts, the one checkpoint digest): a copied folder keeps its cached answers. */
function safeWeightsDigest(dir: string): string | undefined {
  try {
    return weightsDigest(dir);
  } catch {
    return undefined;
  }
}
