/** `replay:<file.jsonl | dir>`: answers from recordings made with --record (implementation: replay.ts). */
import { basename, extname, resolve } from 'node:path';
import type { ProviderDescriptor } from '../core/descriptor.js';
import { pathSpec, type PathSpec } from '../core/descriptorKinds.js';

/** A parsed `replay:<recording.jsonl>` spec: answers replayed from recorded calls. */
export type ReplaySpec = PathSpec<'replay'>;

export const replayDescriptor: ProviderDescriptor<ReplaySpec> = {
  name: 'replay',
  usage: 'replay:<file.jsonl or dir>',
  examples: ['replay:calls.jsonl'],
  parse: pathSpec('replay'),
  async load(spec) {
    const { createReplayModel } = await import('./replay.js');
    return createReplayModel({ spec: spec.spec, path: spec.path });
  },
  // No identity: recordings are not cached again.
  backend: (spec) => ({ endpoint: `replay ${resolve(spec.path)}` }),
  pricing: 'free',
  recorded: false,
  localParallel: false,
  servedName: (spec) => basename(spec.path, extname(spec.path)) || spec.spec,
};
