/**
 * A student checkpoint is a folder Hugging Face tools open as a Llama model:
 *
 *   config.json              LlamaForCausalLM config, plus an "apprentice" section recording how it was made
 *   model.safetensors        F32 weights under Hugging Face Llama names
 *   tokenizer.json           the byte-level BPE (and tokenizer_config.json naming its special tokens)
 *   generation_config.json   bos / eos / pad ids
 *
 * Hugging Face's Llama rotates halves of each head (x[i], x[i + d/2]) where the engine rotates interleaved
 * pairs (x[2i], x[2i+1]); so that transformers computes what the engine computes, the q_proj / k_proj rows
 * are saved permuted to the rotate-half layout (as convert_hf_to_gguf.py undoes) and permuted back on load.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { permuteRotaryHalfToInterleaved, type LlamaConfig } from './formats/llamaGguf.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from './formats/safetensors.js';
import { checkConfig, parameterShapes } from './model.js';
import { Tokenizer } from './tokenizer.js';

export const CONFIG_JSON = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const TOKENIZER_JSON = 'tokenizer.json';

export interface Checkpoint {
  config: LlamaConfig;
  /** Hugging Face names, engine (interleaved rotary) layout. */
  weights: Map<string, Float32Array>;
  tokenizer: Tokenizer;
  /** The "apprentice" section of config.json: how the model was made. */
  info: Record<string, unknown>;
}

/** Rows of a Q or K projection from the interleaved layout to rotate-half (inverse of the GGUF permute). */
export function permuteRotaryInterleavedToHalf(weight: Float32Array, nHeads: number, rowLength: number): Float32Array {
  const headDim = weight.length / rowLength / nHeads;
  const half = headDim / 2;
  const out = new Float32Array(weight.length);
  for (let h = 0; h < nHeads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const from = h * headDim + 2 * i + j;
        const to = h * headDim + j * half + i;
        out.set(weight.subarray(from * rowLength, (from + 1) * rowLength), to * rowLength);
      }
    }
  }
  return out;
}

function rotaryPermute(
  weights: ReadonlyMap<string, Float32Array>,
  config: LlamaConfig,
  permute: (w: Float32Array, heads: number, row: number) => Float32Array,
): Map<string, Float32Array> {
  return new Map(
    [...weights].map(([name, data]) => {
      if (name.endsWith('.self_attn.q_proj.weight')) return [name, permute(data, config.nHeads, config.dim)];
      if (name.endsWith('.self_attn.k_proj.weight')) return [name, permute(data, config.nKvHeads, config.dim)];
      return [name, data];
    }),
  );
}

export function toHfConfig(config: LlamaConfig, tokenizer: Tokenizer, info: Record<string, unknown>): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: config.vocabSize,
    hidden_size: config.dim,
    intermediate_size: config.hiddenDim,
    num_hidden_layers: config.nLayers,
    num_attention_heads: config.nHeads,
    num_key_value_heads: config.nKvHeads,
    head_dim: config.dim / config.nHeads,
    hidden_act: 'silu',
    max_position_embeddings: config.contextLength,
    rms_norm_eps: config.normEps,
    rope_theta: config.ropeTheta,
    tie_word_embeddings: config.tiedEmbeddings,
    attention_bias: false,
    mlp_bias: false,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
    torch_dtype: 'float32',
    apprentice: info,
  };
}

export function fromHfConfig(json: unknown, file: string): { config: LlamaConfig; info: Record<string, unknown> } {
  if (!json || typeof json !== 'object') throw new InputError('expected a JSON object', { file });
  const c = json as Record<string, unknown>;
  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InputError('expected a positive integer', { file, field: key });
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) throw new InputError('expected a positive number', { file, field: key });
    return v;
  };
  if (c.model_type !== undefined && c.model_type !== 'llama') {
    throw new InputError(`expected "llama", got ${JSON.stringify(c.model_type)}`, { file, field: 'model_type' });
  }
  const nHeads = int('num_attention_heads');
  const config: LlamaConfig = {
    vocabSize: int('vocab_size'),
    dim: int('hidden_size'),
    hiddenDim: int('intermediate_size'),
    nLayers: int('num_hidden_layers'),
    nHeads,
    nKvHeads: int('num_key_value_heads', nHeads),
    normEps: num('rms_norm_eps', 1e-6),
    ropeTheta: num('rope_theta', 10000),
    contextLength: int('max_position_embeddings', 2048),
    tiedEmbeddings: c.tie_word_embeddings === true,
  };
  if (c.head_dim !== undefined && c.head_dim !== config.dim / nHeads) {
    throw new InputError('head_dim must be hidden_size / num_attention_heads', { file, field: 'head_dim' });
  }
  try {
    checkConfig(config);
  } catch (error) {
    throw new InputError((error as Error).message, { file });
  }
  const info = c.apprentice && typeof c.apprentice === 'object' ? (c.apprentice as Record<string, unknown>) : {};
  return { config, info };
}

/** Writes the checkpoint folder; each file goes to a temp name first, so a crash never leaves half a file. */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const { config, weights, tokenizer, info } = checkpoint;
  await mkdir(dir, { recursive: true });
  const hfWeights = rotaryPermute(weights, config, permuteRotaryInterleavedToHalf);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, shape } of parameterShapes(config)) {
    const data = hfWeights.get(name);
    if (!data) throw new Error(`checkpoint: weight ${name} is missing`);
    tensors.set(name, { shape, data });
  }
  const atomically = async (file: string, write: (path: string) => Promise<void>): Promise<void> => {
    const tmp = join(dir, `.${file}.tmp`);
    await write(tmp);
    await rename(tmp, join(dir, file));
  };
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
  await atomically(WEIGHTS_FILE, (p) => writeSafetensors(p, tensors, { format: 'pt' }));
  await atomically(TOKENIZER_JSON, (p) => tokenizer.saveTokenizerJson(p));
  await atomically('tokenizer_config.json', (p) => writeFile(p, json(tokenizer.toHfTokenizerConfig())));
  await atomically('generation_config.json', (p) =>
    writeFile(p, json({ bos_token_id: tokenizer.bosId, eos_token_id: tokenizer.eosId, pad_token_id: tokenizer.padId })),
  );
  await atomically(CONFIG_JSON, (p) => writeFile(p, json(toHfConfig(config, tokenizer, info))));
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const configPath = join(dir, CONFIG_JSON);
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch {
    throw new InputError(`not a checkpoint folder (no ${CONFIG_JSON})`, { file: dir });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: configPath });
  }
  const { config, info } = fromHfConfig(json, configPath);
  const tokenizerPath = join(dir, TOKENIZER_JSON);
  const roles = await readTokenizerRoles(join(dir, 'tokenizer_config.json'));
  const tokenizer = await Tokenizer.loadTokenizerJson(tokenizerPath, roles);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new InputError(`the tokenizer has ${tokenizer.vocabSize} tokens, more than vocab_size ${config.vocabSize}`, {
      file: configPath,
      field: 'vocab_size',
    });
  }
  const weightsPath = join(dir, WEIGHTS_FILE);
  const { tensors } = await readSafetensors(weightsPath);
  const hfWeights = new Map<string, Float32Array>();
  for (const { name, shape } of parameterShapes(config)) {
    const tensor = tensors.get(name);
    if (!tensor) throw new InputError(`tensor ${name} is missing`, { file: weightsPath });
    if (tensor.shape.join(',') !== shape.join(',')) {
      throw new InputError(`tensor ${name} has shape [${tensor.shape.join(', ')}], config.json says [${shape.join(', ')}]`, {
        file: weightsPath,
      });
    }
    hfWeights.set(name, tensor.data);
  }
  const weights = rotaryPermute(hfWeights, config, permuteRotaryHalfToInterleaved);
  return { config, weights, tokenizer, info };
}

async function readTokenizerRoles(path: string): Promise<{ bos?: string; eos?: string; pad?: string }> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
  const role = (key: string): string | undefined => (typeof json[key] === 'string' ? (json[key] as string) : undefined);
  const roles: { bos?: string; eos?: string; pad?: string } = {};
  const bos = role('bos_token');
  const eos = role('eos_token');
  const pad = role('pad_token');
  if (bos) roles.bos = bos;
  if (eos) roles.eos = eos;
  if (pad) roles.pad = pad;
  return roles;
}
