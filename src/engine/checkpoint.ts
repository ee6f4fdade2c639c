/**
 * A student checkpoint is a folder Hugging Face tools open as a Llama model:
 *
 *   config.json              LlamaForCausalLM config, plus an "apprentice" section recording how it was made
 *   model.safetensors        F32 weights under Hugging Face Llama names
 *   tokenizer.json           the byte-level BPE (and tokenizer_config.json naming its special tokens)
 *   generation_config.json   bos / eos / pad ids
 *
 * The engine rotates interleaved pairs where Hugging Face rotates halves: ./rotaryLayout.ts converts the q/k rows
 * (and their biases and norms) on save and load, so transformers computes what the engine computes.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { parameterShapes, parseHfConfig, toHfConfigFields, type LlamaConfig } from './config.js';
import { writeSafetensors, type SafetensorsTensor } from './formats/safetensors.js';
import { readHfWeights, WEIGHTS_FILE } from './hfWeights.js';
import { convertRotaryLayout } from './rotaryLayout.js';
import { Tokenizer } from './tokenizer.js';

export const CONFIG_JSON = 'config.json';
export { WEIGHTS_FILE } from './hfWeights.js';
export const TOKENIZER_JSON = 'tokenizer.json';

export interface Checkpoint {
  config: LlamaConfig;
  /** Hugging Face names, engine (interleaved rotary) layout. */
  weights: Map<string, Float32Array>;
  tokenizer: Tokenizer;
  /** The "apprentice" section of config.json: how the model was made. */
  info: Record<string, unknown>;
}

export function toHfConfig(config: LlamaConfig, tokenizer: Tokenizer, info: Record<string, unknown>): Record<string, unknown> {
  return {
    ...toHfConfigFields(config),
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
    torch_dtype: 'float32',
    apprentice: info,
  };
}

export function fromHfConfig(json: unknown, file: string): { config: LlamaConfig; info: Record<string, unknown> } {
  const config = parseHfConfig(json, file);
  const c = json as Record<string, unknown>;
  const info = c.apprentice && typeof c.apprentice === 'object' ? (c.apprentice as Record<string, unknown>) : {};
  return { config, info };
}

/** Writes the checkpoint folder; each file goes to a temp name first, so a crash never leaves half a file. */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const { config, weights, tokenizer, info } = checkpoint;
  await mkdir(dir, { recursive: true });
  const hfWeights = convertRotaryLayout(weights, config, 'interleaved', 'half');
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
  const weights = convertRotaryLayout(await readHfWeights(dir, config), config, 'half', 'interleaved');
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
