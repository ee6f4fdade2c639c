/**
 * A pretrained base model's architecture and weights, from a Hugging Face folder (config.json and safetensors)
 * or a GGUF file (what Ollama and LM Studio keep on disk), in the engine's form: a LlamaConfig and F32 weights
 * under Hugging Face names in the engine's (interleaved) rotary layout. The tokenizer is loaded elsewhere.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { ARCHITECTURES, checkConfig, parameterShapes, parseHfConfig, type Architecture, type LlamaConfig } from './config.js';
import { plainValue, readGguf, type ParsedGguf } from './formats/gguf.js';
import { hfNameOf } from './formats/llamaGguf.js';
import { llama3ScalingFromRopeFreqs, shortestFloat32 } from './formats/ropeFreqs.js';
import { assertFinite, readHfWeights } from './hfWeights.js';
import { convertRotaryLayout, ggufRotaryLayout } from './rotaryLayout.js';

/** A pretrained model loaded by {@link loadBaseModel}: its config, weights and tokenizer. */
export interface BaseModel {
  config: LlamaConfig;
  /** Hugging Face names, engine (interleaved) rotary layout, F32. */
  weights: Map<string, Float32Array>;
  format: 'hf' | 'gguf';
  path: string;
}

/** A Hugging Face folder or a .gguf file. */
export async function loadBaseModel(path: string): Promise<BaseModel> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw new InputError('no such file or folder', { file: path });
  }
  return isDirectory ? loadHfModel(path) : loadGgufModel(path);
}

/** A model folder's config.json as JSON; without one, an error says the folder is not a `folder` (what it should be). */
export async function readConfigJson(dir: string, folder: string): Promise<{ json: unknown; file: string }> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InputError(`not a ${folder} (no config.json)`, { file: dir });
  }
  try {
    return { json: JSON.parse(text), file };
  } catch (error) {
    throw new InputError(`invalid JSON: ${(error as Error).message}`, { file });
  }
}

export async function readHfConfig(dir: string): Promise<LlamaConfig> {
  const { json, file } = await readConfigJson(dir, 'Hugging Face model folder');
  return parseHfConfig(json, file);
}

export async function loadHfModel(dir: string): Promise<BaseModel> {
  const config = await readHfConfig(dir);
  const weights = convertRotaryLayout(await readHfWeights(dir, config), config, 'half', 'interleaved');
  return { config, weights, format: 'hf', path: dir };
}

/** ggml type ids of tensor types the loader refuses, for the error message. */
const GGML_TYPE_NAMES: Record<number, string> = {
  2: 'Q4_0',
  3: 'Q4_1',
  6: 'Q5_0',
  7: 'Q5_1',
  9: 'Q8_1',
  10: 'Q2_K',
  11: 'Q3_K',
  12: 'Q4_K',
  13: 'Q5_K',
  14: 'Q6_K',
  15: 'Q8_K',
  16: 'IQ2_XXS',
  17: 'IQ2_XS',
  18: 'IQ3_XXS',
  19: 'IQ1_S',
  20: 'IQ4_NL',
  21: 'IQ3_S',
  22: 'IQ2_S',
  23: 'IQ4_XS',
  29: 'IQ1_M',
  34: 'TQ1_0',
  35: 'TQ2_0',
};

/** The config a GGUF's metadata describes (llama.cpp's keys for the llama, qwen2 and qwen3 architectures). */
export function ggufConfig(gguf: ParsedGguf, file: string): LlamaConfig {
  const value = (key: string): unknown => plainValue(gguf.metadata.get(key));
  const architecture = value('general.architecture');
  if (!ARCHITECTURES.includes(architecture as Architecture)) {
    throw new InputError(`architecture ${JSON.stringify(architecture)} is not supported (supported: ${ARCHITECTURES.join(', ')})`, {
      file,
      field: 'general.architecture',
    });
  }
  const arch = architecture as Architecture;
  const int = (key: string, fallback?: number): number => {
    const v = value(`${arch}.${key}`) ?? fallback;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      throw new InputError(`expected a positive integer, got ${String(v)}`, { file, field: `${arch}.${key}` });
    return n;
  };
  const num = (key: string, fallback?: number): number => {
    const v = value(`${arch}.${key}`) ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) throw new InputError(`expected a positive number, got ${String(v)}`, { file, field: `${arch}.${key}` });
    return shortestFloat32(v);
  };
  const embedding = gguf.tensors.find((t) => t.name === 'token_embd.weight');
  if (!embedding) throw new InputError('tensor token_embd.weight is missing', { file });
  const dim = int('embedding_length');
  const nHeads = int('attention.head_count');
  const headDim = int('attention.key_length', dim / nHeads);
  if (value(`${arch}.attention.value_length`) !== undefined && int('attention.value_length') !== headDim) {
    throw new InputError('a value head size apart from the key head size is not supported', { file, field: `${arch}.attention.value_length` });
  }
  if (int('rope.dimension_count', headDim) !== headDim) {
    throw new InputError(`partial rotary (${int('rope.dimension_count')} of ${headDim}) is not supported`, { file, field: `${arch}.rope.dimension_count` });
  }
  const scaling = value(`${arch}.rope.scaling.type`);
  if (scaling !== undefined && scaling !== 'none') {
    throw new InputError(`rope scaling ${JSON.stringify(scaling)} is not supported`, { file, field: `${arch}.rope.scaling.type` });
  }
  const config: LlamaConfig = {
    architecture: arch,
    vocabSize: embedding.shape[0] as number,
    dim,
    nLayers: int('block_count'),
    nHeads,
    nKvHeads: int('attention.head_count_kv', nHeads),
    headDim,
    hiddenDim: int('feed_forward_length'),
    normEps: num('attention.layer_norm_rms_epsilon'),
    ropeTheta: num('rope.freq_base', 10000),
    contextLength: int('context_length', 2048),
    tiedEmbeddings: !gguf.tensors.some((t) => t.name === 'output.weight'),
  };
  const ropeFreqs = gguf.tensors.find((t) => t.name === 'rope_freqs.weight');
  if (ropeFreqs) {
    if (!ropeFreqs.data)
      throw new InputError(`tensor rope_freqs.weight is ${GGML_TYPE_NAMES[ropeFreqs.typeId] ?? `ggml type ${ropeFreqs.typeId}`}, expected F32`, { file });
    config.ropeScaling = llama3ScalingFromRopeFreqs(ropeFreqs.data, config, file);
  }
  try {
    checkConfig(config);
  } catch (error) {
    throw new InputError((error as Error).message, { file });
  }
  return config;
}

export async function loadGgufModel(file: string): Promise<BaseModel> {
  return ggufModel(await readGgufFile(file), file);
}

/** Reads a GGUF file (metadata and tensors); a malformed file is an InputError naming it. */
export async function readGgufFile(file: string): Promise<ParsedGguf> {
  try {
    return await readGguf(file);
  } catch (error) {
    throw new InputError((error as Error).message, { file });
  }
}

/** The model a parsed GGUF holds (its tokenizer is read by ./formats/tokenizerFromGguf.ts). */
export function ggufModel(gguf: ParsedGguf, file: string): BaseModel {
  const config = ggufConfig(gguf, file);
  const byHfName = new Map(gguf.tensors.map((t) => [hfNameOf(t.name) ?? t.name, t]));
  const stored = new Map<string, Float32Array>();
  for (const { name, shape } of parameterShapes(config)) {
    const tensor = byHfName.get(name);
    if (!tensor) throw new InputError(`tensor for ${name} is missing`, { file });
    if (tensor.shape.join(',') !== shape.join(',')) {
      throw new InputError(`tensor ${tensor.name} has shape [${tensor.shape.join(', ')}], the metadata says [${shape.join(', ')}]`, { file });
    }
    if (!tensor.data) {
      const type = GGML_TYPE_NAMES[tensor.typeId] ?? `ggml type ${tensor.typeId}`;
      throw new InputError(`tensor ${tensor.name} is ${type}, which is not supported (F32, F16, BF16 and Q8_0 are)`, { file });
    }
    assertFinite(tensor.name, tensor.data, file);
    stored.set(name, tensor.data);
  }
  const weights = convertRotaryLayout(stored, config, ggufRotaryLayout(config), 'interleaved');
  return { config, weights, format: 'gguf', path: file };
}
