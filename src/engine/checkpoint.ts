/**
 * A student checkpoint is a folder Hugging Face tools open as a Llama model:
 *
 *   config.json              LlamaForCausalLM config, plus an "apprentice" section recording how it was made
 *   model.safetensors        F32 weights under Hugging Face Llama names
 *   tokenizer.json           the byte-level BPE (and tokenizer_config.json naming its special tokens), or a
 *                            pretrained base's own tokenizer files (apprentice.tokenizer = "hf")
 *   generation_config.json   bos / eos / pad ids
 *
 * A LoRA run's checkpoint keeps no weights of its own: adapter_config.json + adapter_model.safetensors (the
 * PEFT adapter, ./loraFiles.ts) instead of model.safetensors, and config.json's apprentice.lora names the base
 * (its path and the digest of its weights, checked on load). Loading it merges the adapter into the base, so
 * every reader (builtin:, generate, export) gets the fine-tuned model.
 *
 * The engine rotates interleaved pairs where Hugging Face rotates halves: ./rotaryLayout.ts converts the q/k rows
 * (and their biases and norms) on save and load, so transformers computes what the engine computes.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { parameterShapes, parseHfConfig, toHfConfigFields, type LlamaConfig } from './config.js';
import { writeSafetensors, type SafetensorsTensor } from './formats/safetensors.js';
import { loadBaseModel, readConfigJson } from './base.js';
import { weightsDigest, WEIGHTS_FILE } from './checkpointFiles.js';
import { readHfWeights } from './hfWeights.js';
import { mergeLora, type LoraConfig } from './lora.js';
import { readPeftAdapter, writePeftAdapter } from './loraFiles.js';
import { convertRotaryLayout } from './rotaryLayout.js';
import { tokenizerFiles, loadTextTokenizer } from './tokenizers/files.js';
import type { TextTokenizer } from './tokenizers/textTokenizer.js';

export const CONFIG_JSON = 'config.json';
export { WEIGHTS_FILE } from './checkpointFiles.js';
export const TOKENIZER_JSON = 'tokenizer.json';

/** A trained model loaded from its folder: config, weights, tokenizer and how it was made. */
export interface Checkpoint {
  config: LlamaConfig;
  /** Hugging Face names, engine (interleaved rotary) layout. */
  weights: Map<string, Float32Array>;
  tokenizer: TextTokenizer;
  /** The "apprentice" section of config.json: how the model was made. */
  info: Record<string, unknown>;
  /** A LoRA run's adapter (then `weights` are the base's with it merged). */
  lora?: LoraCheckpoint;
}

/** A LoRA checkpoint: the adapters, their config and the base model they apply to. */
export interface LoraCheckpoint {
  config: LoraConfig;
  /** Engine layout (./lora.ts names). */
  adapters: Map<string, Float32Array>;
  /** The base model's folder (absolute). */
  base: string;
  /** weightsDigest of the base. */
  baseDigest: string;
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

/** A checkpoint folder's config.json: the model's config and what the engine recorded under `apprentice`. */
export async function readCheckpointConfig(dir: string): Promise<{ config: LlamaConfig; info: Record<string, unknown>; file: string }> {
  const { json, file } = await readConfigJson(dir, 'checkpoint folder');
  return { ...fromHfConfig(json, file), file };
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

/** Writes a LoRA run's checkpoint: the PEFT adapter, the tokenizer files, config.json naming the base. */
export async function saveLoraCheckpoint(dir: string, checkpoint: Omit<Checkpoint, 'weights' | 'lora'> & { lora: LoraCheckpoint }): Promise<void> {
  const { config, tokenizer, info, lora } = checkpoint;
  await mkdir(dir, { recursive: true });
  await writePeftAdapter(dir, config, lora.config, lora.adapters, lora.base);
  for (const file of tokenizerFiles(tokenizer)) {
    await writeFile(join(dir, `.${file.name}.tmp`), file.text, 'utf8');
    await rename(join(dir, `.${file.name}.tmp`), join(dir, file.name));
  }
  const loraInfo = { ...lora.config, base: lora.base, baseDigest: lora.baseDigest };
  await writeFile(join(dir, `.${CONFIG_JSON}.tmp`), JSON.stringify(toHfConfig(config, tokenizer, { ...info, lora: loraInfo }), null, 2) + '\n');
  await rename(join(dir, `.${CONFIG_JSON}.tmp`), join(dir, CONFIG_JSON));
}

/** The adapter of a LoRA checkpoint and its base's weights with it merged; the base must be the one it was trained on. */
async function loadLora(
  dir: string,
  config: LlamaConfig,
  info: Record<string, unknown>,
  configPath: string,
): Promise<{ weights: Map<string, Float32Array>; lora: LoraCheckpoint }> {
  const recorded = info.lora as { base?: unknown; baseDigest?: unknown };
  if (typeof recorded.base !== 'string') throw new InputError('expected the path of the base model', { file: configPath, field: 'apprentice.lora.base' });
  if (typeof recorded.baseDigest !== 'string')
    throw new InputError("expected the digest of the base model's weights", { file: configPath, field: 'apprentice.lora.baseDigest' });
  const { lora, adapters } = await readPeftAdapter(dir, config);
  const digest = weightsDigest(recorded.base);
  if (digest === undefined) {
    throw new InputError(`the base model this LoRA adapter was trained on is not at ${recorded.base} (no weights there)`, {
      file: configPath,
      field: 'apprentice.lora.base',
    });
  }
  if (digest !== recorded.baseDigest) {
    throw new InputError(`the base model at ${recorded.base} has other weights than the one this LoRA adapter was trained on`, {
      file: configPath,
      field: 'apprentice.lora.baseDigest',
    });
  }
  const base = await loadBaseModel(recorded.base);
  return { weights: mergeLora(base.weights, adapters, config, lora), lora: { config: lora, adapters, base: recorded.base, baseDigest: digest } };
}

/** Loads a checkpoint folder written by {@link train}. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const { config, info, file: configPath } = await readCheckpointConfig(dir);
  // A folder the engine wrote records its tokenizer's kind; any other (a base model's) has a Hugging Face tokenizer.
  const kind = info.tokenizer === 'bpe' || (info.tokenizer === undefined && Object.keys(info).length > 0) ? 'bpe' : 'hf';
  const tokenizer = await loadTextTokenizer(dir, kind);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new InputError(`the tokenizer has ${tokenizer.vocabSize} tokens, more than vocab_size ${config.vocabSize}`, {
      file: configPath,
      field: 'vocab_size',
    });
  }
  if (info.lora && typeof info.lora === 'object') {
    const { weights, lora } = await loadLora(dir, config, info, configPath);
    return { config, weights, tokenizer, info, lora };
  }
  const weights = convertRotaryLayout(await readHfWeights(dir, config), config, 'half', 'interleaved');
  return { config, weights, tokenizer, info };
}
