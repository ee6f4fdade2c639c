/**
 * The weights of a Hugging Face folder: `model.safetensors`, or shards listed by `model.safetensors.index.json`
 * ({"weight_map": {tensor: shard file}}), in F32, F16 or BF16 (converted to F32). Every parameter of the config
 * must be there with its shape and finite values; tensors the config does not use (e.g. a tied model's copy of
 * lm_head, rotary caches) are ignored. Names and layout as stored (rotate-half q/k rows).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { parameterShapes, type LlamaConfig } from './config.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './lora.js';
import { readSafetensors, type SafetensorsTensor } from './formats/safetensors.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

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

/**
 * SHA-256 of a model folder's weights (model.safetensors, or the index and its shards in order): the one
 * fingerprint of a checkpoint's weights that run identities and caches use. Read in chunks, so files past
 * Node's 2 GiB readFile limit work. A LoRA run's checkpoint (no weights of its own) is its config.json, which
 * names the base and its digest, and its adapter files. A GGUF file (a base given as one) is the whole file.
 * Undefined when there are no weights.
 */
export function weightsDigest(dir: string): string | undefined {
  const hash = createHash('sha256');
  const indexPath = join(dir, WEIGHTS_INDEX_FILE);
  let files: string[];
  if (statSync(dir, { throwIfNoEntry: false })?.isFile()) files = [dir];
  else if (existsSync(indexPath)) {
    const map = (JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
    files = [indexPath, ...[...new Set(Object.values(map))].sort().map((f) => join(dir, f))];
  } else if (existsSync(join(dir, WEIGHTS_FILE))) files = [join(dir, WEIGHTS_FILE)];
  else if (existsSync(join(dir, ADAPTER_WEIGHTS))) files = ['config.json', ADAPTER_CONFIG, ADAPTER_WEIGHTS].map((f) => join(dir, f));
  else return undefined;
  const chunk = Buffer.alloc(1 << 24);
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      let n: number;
      while ((n = readSync(fd, chunk, 0, chunk.length, null)) > 0) hash.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex');
}
