/**
 * What `apprentice serve <target>` serves: a model spec as is (`gguf:...`, `openai:...@...`, ...), a
 * `.gguf` file, or a directory (a built-in checkpoint, served as `builtin:<dir>`), and the model id
 * clients call it by.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseModelSpec, PROVIDER_NAMES, type ModelSpec } from '../models/spec.js';
import { InputError } from '../util/errors.js';

export interface ServeTarget {
  spec: string;
  /** Model id for clients: the file or folder name without extension, or the backend's model name. */
  name: string;
}

export function resolveServeTarget(target: string): ServeTarget {
  const trimmed = target.trim();
  const prefix = trimmed.slice(0, trimmed.indexOf(':'));
  if ((PROVIDER_NAMES as readonly string[]).includes(prefix)) {
    const spec = parseModelSpec(trimmed);
    return { spec: spec.spec, name: nameOf(spec) };
  }
  if (!existsSync(trimmed)) {
    throw new InputError('not found: give a .gguf file, a checkpoint folder or a model spec such as gguf:model.gguf', {
      file: trimmed,
    });
  }
  const spec = statSync(trimmed).isDirectory() ? `builtin:${trimmed}` : `gguf:${trimmed}`;
  return { spec, name: nameOf(parseModelSpec(spec)) };
}

function nameOf(spec: ModelSpec): string {
  switch (spec.provider) {
    case 'openai':
    case 'anthropic':
      return spec.model;
    case 'gguf':
    case 'replay':
      return basename(spec.path, extname(spec.path)) || spec.spec;
    case 'builtin':
      return basename(spec.dir.replace(/[/\\]+$/, '')) || spec.spec;
  }
}
