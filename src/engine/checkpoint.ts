/**
 * A student checkpoint is a folder Hugging Face tools open as a Llama model:
 *
 *   config.json              LlamaForCausalLM config, plus an "apprentice" section recording how it was made
 *   model.safetensors        F32 weights under Hugging Face Llama names
 *   tokenizer.json           the byte-level BPE (and tokenizer_config.json naming its special tokens), or a
 *                            pretrained base's own tokenizer files (apprentice.tokenizer = "hf")
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
import { tokenizerFiles, loadTextTokenizer } from './tokenizers/files.js';
import type { TextTokenizer } from './tokenizers/textTokenizer.js';

export const CONFIG_JSON = 'config.json';
export { WEIGHTS_FILE } from './hfWeights.js';
export const TOKENIZER_JSON = 'tokenizer.json';

export interface Checkpoint {
  config: LlamaConfig;
  /** Hugging Face names, engine (interleaved rotary) layout. */
  weights: Map<string, Float32Array>;
  tokenizer: TextTokenizer;
  /** The "apprentice" section of config.json: how the model was made. */
  info: Record<string, unknown>;
}

export function toHfConfig(config: LlamaConfig, tokenizer: TextTokenizer, info: Record<string, unknown>): Record<string, unknown> {
  return {
    ...toHfConfigFields(config),
    bos_token_id: tokenizer.bosId ?? null,
    eos_token_id: tokenizer.eosIds.length > 1 ? [...tokenizer.eosIds] : tokenizer.eosId,
    pad_token_id: tokenizer.padId,
    torch_dtype: 'float32',
    apprentice: { ...info, tokenizer: tokenizer.kind },
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
  for (const file of tokenizerFiles(tokenizer)) await atomically(file.name, (p) => writeFile(p, file.text, 'utf8'));
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
  // A folder the engine wrote records its tokenizer's kind; any other (a base model's) has a Hugging Face tokenizer.
  const kind = info.tokenizer === 'bpe' || (info.tokenizer === undefined && Object.keys(info).length > 0) ? 'bpe' : 'hf';
  const tokenizer = await loadTextTokenizer(dir, kind);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new InputError(`the tokenizer has ${tokenizer.vocabSize} tokens, more than vocab_size ${config.vocabSize}`, {
      file: configPath,
      field: 'vocab_size',
    });
  }
  const weights = convertRotaryLayout(await readHfWeights(dir, config), config, 'half', 'interleaved');
  return { config, weights, tokenizer, info };
}
