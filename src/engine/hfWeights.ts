/**
 * The weights of a Hugging Face folder: `model.safetensors`, or shards listed by `model.safetensors.index.json`
 * ({"weight_map": {tensor: shard file}}), in F32, F16 or BF16 (converted to F32). Every parameter of the config
 * must be there with its shape and finite values; tensors the config does not use (e.g. a tied model's copy of
 * lm_head, rotary caches) are ignored. Names and layout as stored (rotate-half q/k rows).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { parameterShapes, type LlamaConfig } from './config.js';
import { WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './checkpointFiles.js';
import { readSafetensors, type SafetensorsTensor } from './formats/safetensors.js';

/** Throws an InputError naming the tensor and the first non-finite value's index. */
export function assertFinite(name: string, data: Float32Array, file: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new InputError(`tensor ${name} holds a non-finite value (${String(data[i])} at index ${i})`, { file });
    }
  }
}

/** Tensor name -> the file that holds it. */
async function weightFiles(dir: string): Promise<Map<string, string> | undefined> {
  const indexPath = join(dir, WEIGHTS_INDEX_FILE);
  let text: string;
  try {
    text = await readFile(indexPath, 'utf8');
  } catch {
    return undefined;
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: indexPath });
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new InputError('expected an object', { file: indexPath, field: 'weight_map' });
  const out = new Map<string, string>();
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) {
      throw new InputError(`expected a file name in this folder, got ${JSON.stringify(shard)}`, { file: indexPath, field: `weight_map.${name}` });
    }
    out.set(name, join(dir, shard));
  }
  return out;
}

export async function readHfWeights(dir: string, config: LlamaConfig): Promise<Map<string, Float32Array>> {
  const index = await weightFiles(dir);
  const files = new Map<string, Map<string, SafetensorsTensor>>();
  const tensorsOf = async (file: string): Promise<Map<string, SafetensorsTensor>> => {
    let tensors = files.get(file);
    if (!tensors) files.set(file, (tensors = (await readSafetensors(file)).tensors));
    return tensors;
  };
  const weights = new Map<string, Float32Array>();
  for (const { name, shape } of parameterShapes(config)) {
    const file = index ? index.get(name) : join(dir, WEIGHTS_FILE);
    if (file === undefined) throw new InputError(`tensor ${name} is not in weight_map`, { file: join(dir, WEIGHTS_INDEX_FILE) });
    const tensor = (await tensorsOf(file)).get(name);
    if (!tensor) throw new InputError(`tensor ${name} is missing`, { file });
    if (tensor.shape.join(',') !== shape.join(',')) {
      throw new InputError(`tensor ${name} has shape [${tensor.shape.join(', ')}], config.json says [${shape.join(', ')}]`, { file });
    }
    assertFinite(name, tensor.data, file);
    weights.set(name, tensor.data);
  }
  return weights;
}
