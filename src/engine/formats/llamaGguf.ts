/**
 * Llama-family models (../config.ts: llama, qwen2, qwen3) to GGUF, loadable by llama.cpp, Ollama and
 * node-llama-cpp under general.architecture = the config's architecture, with the engine's byte-level BPE
 * tokenizer as a "gpt2" vocabulary.
 *
 * Weights are row-major Float32Arrays named either the Hugging Face way (model.layers.0.self_attn.q_proj.weight)
 * or the GGUF way (blk.0.attn_q.weight). Shapes are the PyTorch ones ([out, in] for linear layers); GGUF stores
 * them reversed, which ./gguf.ts does.
 *
 * Rotary layout: `rotary` says which layout the given q/k rows are in (the engine's 'interleaved' by default,
 * 'half' for Hugging Face weights); they are converted to the one llama.cpp's architecture expects by
 * ../rotaryLayout.ts (interleaved for llama, rotate-half for qwen2/qwen3).
 *
 * Llama 3's rope scaling is written as convert_hf_to_gguf.py does: a `rope_freqs.weight` tensor holding, per
 * rotary pair, the factor its frequency is divided by.
 */
import { architectureOf, checkConfig as checkModelConfig, headDimOf, inverseFrequencies, type LlamaConfig } from '../config.js';
import { convertRotaryLayout, ggufRotaryLayout, type RotaryLayout } from '../rotaryLayout.js';
import type { TextTokenizer } from '../tokenizers/textTokenizer.js';
import { encodeGguf, gguf, writeGguf, type GgmlTensorType, type GgufFile, type GgufTensor, type GgufValue } from './gguf.js';
import { tokenizerGgufMetadata } from './tokenizerGguf.js';

export type { LlamaConfig };

export type LlamaWeights = ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>;

export interface LlamaGgufOptions {
  config: LlamaConfig;
  weights: LlamaWeights;
  /** The engine's BPE or a base model's Hugging Face tokenizer (written by ./tokenizerGguf.ts). */
  tokenizer: TextTokenizer;
  /** general.name. Default "apprentice". */
  name?: string;
  /** Storage of the matrices; norms always stay F32 (as llama.cpp's converter does). Default 'f32'. */
  tensorType?: GgmlTensorType;
  /** See the module comment. Default 'interleaved'. */
  rotary?: RotaryLayout;
  /** tokenizer.ggml.add_bos_token: whether llama.cpp prepends BOS to prompts. Default: a HF tokenizer's own, false for the BPE. */
  addBos?: boolean;
  /** tokenizer.chat_template (Jinja). Default: the tokenizer's chat template, if any. */
  chatTemplate?: string;
  /** llama.pooling_type for embeddings: 'mean' (default), 'last', 'cls' or 'none' (leave unset). */
  pooling?: 'mean' | 'last' | 'cls' | 'none';
  /** More metadata, written after the standard keys (may not repeat them). */
  extraMetadata?: Readonly<Record<string, GgufValue>>;
}

/** GGUF tensor name -> Hugging Face name; {i} is the layer. */
const HF_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['token_embd.weight', 'model.embed_tokens.weight'],
  ['output_norm.weight', 'model.norm.weight'],
  ['output.weight', 'lm_head.weight'],
  ['blk.{i}.attn_norm.weight', 'model.layers.{i}.input_layernorm.weight'],
  ['blk.{i}.attn_q.weight', 'model.layers.{i}.self_attn.q_proj.weight'],
  ['blk.{i}.attn_k.weight', 'model.layers.{i}.self_attn.k_proj.weight'],
  ['blk.{i}.attn_v.weight', 'model.layers.{i}.self_attn.v_proj.weight'],
  ['blk.{i}.attn_q.bias', 'model.layers.{i}.self_attn.q_proj.bias'],
  ['blk.{i}.attn_k.bias', 'model.layers.{i}.self_attn.k_proj.bias'],
  ['blk.{i}.attn_v.bias', 'model.layers.{i}.self_attn.v_proj.bias'],
  ['blk.{i}.attn_q_norm.weight', 'model.layers.{i}.self_attn.q_norm.weight'],
  ['blk.{i}.attn_k_norm.weight', 'model.layers.{i}.self_attn.k_norm.weight'],
  ['blk.{i}.attn_output.weight', 'model.layers.{i}.self_attn.o_proj.weight'],
  ['blk.{i}.ffn_norm.weight', 'model.layers.{i}.post_attention_layernorm.weight'],
  ['blk.{i}.ffn_gate.weight', 'model.layers.{i}.mlp.gate_proj.weight'],
  ['blk.{i}.ffn_up.weight', 'model.layers.{i}.mlp.up_proj.weight'],
  ['blk.{i}.ffn_down.weight', 'model.layers.{i}.mlp.down_proj.weight'],
];

/** GGUF tensor name -> Hugging Face name (undefined for a name without one, e.g. rope_freqs.weight). */
export function hfNameOf(ggufName: string): string | undefined {
  const layer = /^blk\.(\d+)\./.exec(ggufName)?.[1];
  const pattern = layer === undefined ? ggufName : ggufName.replace(`blk.${layer}.`, 'blk.{i}.');
  const hf = HF_NAMES.find(([g]) => g === pattern)?.[1];
  return hf === undefined || layer === undefined ? hf : hf.replace('{i}', layer);
}

/** Hugging Face name -> GGUF tensor name. */
export function ggufNameOf(hfName: string): string | undefined {
  const layer = /^model\.layers\.(\d+)\./.exec(hfName)?.[1];
  const pattern = layer === undefined ? hfName : hfName.replace(`model.layers.${layer}.`, 'model.layers.{i}.');
  const g = HF_NAMES.find(([, hf]) => hf === pattern)?.[0];
  return g === undefined || layer === undefined ? g : g.replace('{i}', layer);
}

/** The tensors a GGUF of this config holds, in file order, with their row-major shapes (rope_freqs excluded). */
export function llamaTensorShapes(config: LlamaConfig): Array<{ name: string; shape: number[] }> {
  const { vocabSize, dim, nLayers, nHeads, nKvHeads, hiddenDim } = config;
  const hd = headDimOf(config);
  const architecture = architectureOf(config);
  const out: Array<{ name: string; shape: number[] }> = [{ name: 'token_embd.weight', shape: [vocabSize, dim] }];
  for (let i = 0; i < nLayers; i++) {
    out.push(
      { name: `blk.${i}.attn_norm.weight`, shape: [dim] },
      { name: `blk.${i}.attn_q.weight`, shape: [nHeads * hd, dim] },
      { name: `blk.${i}.attn_k.weight`, shape: [nKvHeads * hd, dim] },
      { name: `blk.${i}.attn_v.weight`, shape: [nKvHeads * hd, dim] },
    );
    if (architecture === 'qwen2') {
      out.push(
        { name: `blk.${i}.attn_q.bias`, shape: [nHeads * hd] },
        { name: `blk.${i}.attn_k.bias`, shape: [nKvHeads * hd] },
        { name: `blk.${i}.attn_v.bias`, shape: [nKvHeads * hd] },
      );
    }
    if (architecture === 'qwen3') out.push({ name: `blk.${i}.attn_q_norm.weight`, shape: [hd] }, { name: `blk.${i}.attn_k_norm.weight`, shape: [hd] });
    out.push(
      { name: `blk.${i}.attn_output.weight`, shape: [dim, nHeads * hd] },
      { name: `blk.${i}.ffn_norm.weight`, shape: [dim] },
      { name: `blk.${i}.ffn_gate.weight`, shape: [hiddenDim, dim] },
      { name: `blk.${i}.ffn_up.weight`, shape: [hiddenDim, dim] },
      { name: `blk.${i}.ffn_down.weight`, shape: [dim, hiddenDim] },
    );
  }
  out.push({ name: 'output_norm.weight', shape: [dim] });
  if (!config.tiedEmbeddings) out.push({ name: 'output.weight', shape: [vocabSize, dim] });
  return out;
}

/** Llama 3 rope scaling as llama.cpp's rope_freqs: per pair, the base frequency over the scaled one. */
export function ropeFreqFactors(config: LlamaConfig): Float32Array | undefined {
  if (!config.ropeScaling) return undefined;
  const scaled = inverseFrequencies(config);
  const base = inverseFrequencies({ ...config, ropeScaling: undefined });
  return Float32Array.from(scaled, (f, i) => (base[i] as number) / f);
}

/** The weight of a GGUF tensor name, looked up under its GGUF or Hugging Face name. */
function lookup(weights: LlamaWeights, ggufName: string): { data: Float32Array; name: string } | undefined {
  const get = (name: string): Float32Array | undefined => (weights instanceof Map ? weights.get(name) : (weights as Record<string, Float32Array>)[name]);
  const direct = get(ggufName);
  if (direct) return { data: direct, name: ggufName };
  const hfName = hfNameOf(ggufName);
  const data = hfName === undefined ? undefined : get(hfName);
  return data && hfName ? { data, name: hfName } : undefined;
}

function checkConfig(config: LlamaConfig): void {
  try {
    checkModelConfig(config);
  } catch (error) {
    throw new RangeError(`Llama GGUF: ${(error as Error).message}`);
  }
}

/** The <architecture>.* and tokenizer.* metadata and the tensors of a Llama GGUF. */
export function llamaToGguf(options: LlamaGgufOptions): GgufFile {
  const { config, weights, tokenizer } = options;
  checkConfig(config);
  const headDim = headDimOf(config);
  const arch = architectureOf(config);
  const tokenizerMetadata = tokenizerGgufMetadata(tokenizer, {
    vocabSize: config.vocabSize,
    addBos: options.addBos ?? (tokenizer.kind === 'hf' ? tokenizer.addsBos : false),
    ...(options.chatTemplate !== undefined ? { chatTemplate: options.chatTemplate } : {}),
  });

  const tensorType = options.tensorType ?? 'f32';
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', gguf.string(arch)],
    ['general.name', gguf.string(options.name ?? 'apprentice')],
    // llama_ftype: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7, MOSTLY_BF16 32.
    ['general.file_type', gguf.uint32({ f32: 0, f16: 1, q8_0: 7, bf16: 32 }[tensorType])],
    ['general.alignment', gguf.uint32(32)],
    [`${arch}.vocab_size`, gguf.uint32(config.vocabSize)],
    [`${arch}.context_length`, gguf.uint32(config.contextLength)],
    [`${arch}.embedding_length`, gguf.uint32(config.dim)],
    [`${arch}.block_count`, gguf.uint32(config.nLayers)],
    [`${arch}.feed_forward_length`, gguf.uint32(config.hiddenDim)],
    [`${arch}.attention.head_count`, gguf.uint32(config.nHeads)],
    [`${arch}.attention.head_count_kv`, gguf.uint32(config.nKvHeads)],
    [`${arch}.attention.layer_norm_rms_epsilon`, gguf.float32(config.normEps)],
    [`${arch}.rope.freq_base`, gguf.float32(config.ropeTheta)],
    [`${arch}.rope.dimension_count`, gguf.uint32(headDim)],
    ...tokenizerMetadata,
  ]);
  const pooling = { none: undefined, mean: 1, cls: 2, last: 3 }[options.pooling ?? 'mean'];
  if (pooling !== undefined) metadata.set(`${arch}.pooling_type`, gguf.uint32(pooling));
  if (headDim !== config.dim / config.nHeads) {
    metadata.set(`${arch}.attention.key_length`, gguf.uint32(headDim));
    metadata.set(`${arch}.attention.value_length`, gguf.uint32(headDim));
  }
  for (const [key, value] of Object.entries(options.extraMetadata ?? {})) {
    if (metadata.has(key)) throw new Error(`Llama GGUF: extraMetadata repeats the standard key ${key}`);
    metadata.set(key, value);
  }

  const shapes = llamaTensorShapes(config);
  const found = new Map<string, Float32Array>();
  for (const { name, shape } of shapes) {
    const weight = lookup(weights, name);
    if (!weight) throw new Error(`Llama GGUF: weight ${name} is missing`);
    const expected = shape.reduce((a, b) => a * b, 1);
    if (weight.data.length !== expected) {
      throw new Error(`Llama GGUF: weight ${weight.name} has ${weight.data.length} values, expected shape [${shape.join(', ')}]`);
    }
    found.set(name, weight.data);
  }
  const laidOut = convertRotaryLayout(found, config, options.rotary ?? 'interleaved', ggufRotaryLayout(config));
  // Q8_0 needs rows in blocks of 32; a matrix whose rows are not falls back to F16, as llama.cpp's converter does.
  const typeOf = (shape: number[]): GgmlTensorType =>
    shape.length === 1 ? 'f32' : tensorType === 'q8_0' && (shape[shape.length - 1] as number) % 32 !== 0 ? 'f16' : tensorType;
  const tensors: GgufTensor[] = shapes.map(({ name, shape }) => ({ name, shape, data: laidOut.get(name) as Float32Array, type: typeOf(shape) }));
  const factors = ropeFreqFactors(config);
  if (factors) tensors.unshift({ name: 'rope_freqs.weight', shape: [factors.length], data: factors, type: 'f32' });
  return { metadata, tensors };
}

export function encodeLlamaGguf(options: LlamaGgufOptions): Uint8Array {
  return encodeGguf(llamaToGguf(options));
}

export async function writeLlamaGguf(path: string, options: LlamaGgufOptions): Promise<void> {
  await writeGguf(path, llamaToGguf(options));
}
