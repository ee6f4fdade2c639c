/**
 * The models of a scaling run: `--models <spec>=<params>,<spec>,...`. A size is given after the last
 * `=` (7e9, 7B, 350M...), or read from the model itself: a GGUF file's tensor shapes (every tensor's
 * element count, summed) or a built-in checkpoint's config.json (the engine's parameter count).
 */
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { readCheckpointConfig } from '../engine/checkpoint.js';
import { parseGguf } from '../engine/formats/gguf.js';
import { countParameters } from '../engine/model.js';
import { parseModelSpec } from '../models/spec.js';
import { InputError } from '../util/errors.js';
import { parseParamCount } from './paramCount.js';

export interface FamilyModel {
  /** The model spec the hub is asked for. */
  spec: string;
  /** Short name for tables and plots (file name, or model name without base URL). */
  name: string;
  params: number;
  paramsSource: 'given' | 'gguf' | 'checkpoint';
}

/** Splits `a=7B,b,c=1e9` into entries; a trailing `=<count>` is the size, anything else stays in the spec. */
export function parseModelsOption(text: string): { spec: string; params?: number }[] {
  const entries = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (!entries.length) throw new InputError('no models given', { field: 'models' });
  return entries.map((entry) => {
    const eq = entry.lastIndexOf('=');
    if (eq > 0) {
      const count = parseParamCount(entry.slice(eq + 1));
      if (typeof count === 'number') return { spec: entry.slice(0, eq).trim(), params: count };
      throw new InputError(`"${entry}": the size after "=" ${count}`, { field: 'models' });
    }
    return { spec: entry };
  });
}

/** Resolves sizes (given, or read from GGUF / checkpoint) and short names, unique across the family. */
export async function resolveFamily(entries: readonly { spec: string; params?: number }[]): Promise<FamilyModel[]> {
  const models: FamilyModel[] = [];
  for (const entry of entries) {
    const parsed = parseModelSpec(entry.spec, 'models');
    let params = entry.params;
    let source: FamilyModel['paramsSource'] = 'given';
    if (params === undefined) {
      if (parsed.provider === 'gguf') {
        params = await ggufParameterCount(parsed.path);
        source = 'gguf';
      } else if (parsed.provider === 'builtin') {
        params = await checkpointParameterCount(parsed.path);
        source = 'checkpoint';
      } else {
        throw new InputError(`"${entry.spec}": give its parameter count as ${entry.spec}=<count> (e.g. =7B); only gguf: and builtin: models are counted`, {
          field: 'models',
        });
      }
    }
    const name =
      parsed.provider === 'gguf'
        ? basename(parsed.path, extname(parsed.path))
        : parsed.provider === 'builtin'
          ? basename(parsed.path.replace(/[\\/]+$/, ''))
          : parsed.provider === 'openai' || parsed.provider === 'anthropic'
            ? parsed.model
            : parsed.spec;
    models.push({ spec: parsed.spec, name, params, paramsSource: source });
  }
  const specs = new Set<string>();
  for (const model of models) {
    if (specs.has(model.spec)) throw new InputError(`model "${model.spec}" is listed twice`, { field: 'models' });
    specs.add(model.spec);
  }
  // Short names must tell models apart; where two collide, both keep their full spec.
  const counts = new Map<string, number>();
  for (const model of models) counts.set(model.name, (counts.get(model.name) ?? 0) + 1);
  for (const model of models) if ((counts.get(model.name) ?? 0) > 1) model.name = model.spec;
  return models;
}

/**
 * Sum of the element counts of every tensor in a GGUF file. Only the header is read (it holds the
 * tensor shapes), in growing chunks, so a multi-gigabyte model is not loaded for this.
 */
export async function ggufParameterCount(path: string): Promise<number> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    throw new InputError('cannot open GGUF file', { file: path });
  }
  try {
    const { size } = await handle.stat();
    for (let length = Math.min(size, 1 << 20); ; length = Math.min(size, length * 4)) {
      const buffer = new Uint8Array(length);
      await handle.read(buffer, 0, length, 0);
      try {
        const parsed = parseGguf(buffer, { readData: false });
        if (!parsed.tensors.length) throw new InputError('the GGUF file has no tensors', { file: path });
        return parsed.tensors.reduce((sum, tensor) => sum + tensor.shape.reduce((a, b) => a * b, 1), 0);
      } catch (error) {
        if (error instanceof InputError || length >= size) {
          throw error instanceof InputError ? error : new InputError(`not a readable GGUF file: ${(error as Error).message}`, { file: path });
        }
      }
    }
  } finally {
    await handle.close();
  }
}

/** The engine's parameter count of a built-in checkpoint, from its config.json. */
export async function checkpointParameterCount(dir: string): Promise<number> {
  return countParameters((await readCheckpointConfig(dir)).config);
}
