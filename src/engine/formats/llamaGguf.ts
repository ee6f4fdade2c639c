/**
 * Llama-architecture models to GGUF (general.architecture = "llama"), loadable by llama.cpp, Ollama and
 * node-llama-cpp, with the engine's byte-level BPE tokenizer as a "gpt2" vocabulary.
 *
 * Weights are row-major Float32Arrays named either the Hugging Face way (model.layers.0.self_attn.q_proj.weight)
 * or the GGUF way (blk.0.attn_q.weight). Shapes are the PyTorch ones ([out, in] for linear layers); GGUF stores
 * them reversed, which ./gguf.ts does.
 *
 * Rotary embedding: llama.cpp's `llama` architecture rotates interleaved pairs (x[2i], x[2i+1]) of each head,
 * which is what the engine does, so Q and K are written as they are (rotary: 'interleaved', the default).
 * Real Hugging Face checkpoints rotate halves (x[i], x[i + headDim/2]); pass rotary: 'half' and the Q/K rows
 * are permuted as convert_hf_to_gguf.py does.
 */
import type { TextTokenizer } from '../tokenizers/textTokenizer.js';
import { encodeGguf, gguf, writeGguf, type GgmlTensorType, type GgufFile, type GgufTensor, type GgufValue } from './gguf.js';
import { tokenizerGgufMetadata } from './tokenizerGguf.js';

export interface LlamaConfig {
  vocabSize: number;
  /** Model width (embedding length). */
  dim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  /** Feed-forward (SwiGLU) hidden size. */
  hiddenDim: number;
  normEps: number;
  ropeTheta: number;
  contextLength: number;
  /** The output projection is the token embedding (no lm_head / output.weight). */
  tiedEmbeddings: boolean;
}

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
  rotary?: 'interleaved' | 'half';
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
  ['blk.{i}.attn_output.weight', 'model.layers.{i}.self_attn.o_proj.weight'],
  ['blk.{i}.ffn_norm.weight', 'model.layers.{i}.post_attention_layernorm.weight'],
  ['blk.{i}.ffn_gate.weight', 'model.layers.{i}.mlp.gate_proj.weight'],
  ['blk.{i}.ffn_up.weight', 'model.layers.{i}.mlp.up_proj.weight'],
  ['blk.{i}.ffn_down.weight', 'model.layers.{i}.mlp.down_proj.weight'],
];

/** The tensors a Llama GGUF holds, in file order, with their row-major shapes. */
export function llamaTensorShapes(config: LlamaConfig): Array<{ name: string; shape: number[] }> {
  const { vocabSize, dim, nLayers, nHeads, nKvHeads, hiddenDim } = config;
  const headDim = dim / nHeads;
  const out: Array<{ name: string; shape: number[] }> = [{ name: 'token_embd.weight', shape: [vocabSize, dim] }];
  for (let i = 0; i < nLayers; i++) {
    out.push(
      { name: `blk.${i}.attn_norm.weight`, shape: [dim] },
      { name: `blk.${i}.attn_q.weight`, shape: [nHeads * headDim, dim] },
      { name: `blk.${i}.attn_k.weight`, shape: [nKvHeads * headDim, dim] },
      { name: `blk.${i}.attn_v.weight`, shape: [nKvHeads * headDim, dim] },
      { name: `blk.${i}.attn_output.weight`, shape: [dim, nHeads * headDim] },
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

/** The weight of a GGUF tensor name, looked up under its GGUF or Hugging Face name. */
function lookup(weights: LlamaWeights, ggufName: string): { data: Float32Array; name: string } | undefined {
  const get = (name: string): Float32Array | undefined =>
    weights instanceof Map ? weights.get(name) : (weights as Record<string, Float32Array>)[name];
  const direct = get(ggufName);
  if (direct) return { data: direct, name: ggufName };
  const layer = /^blk\.(\d+)\./.exec(ggufName)?.[1];
  const pattern = layer === undefined ? ggufName : ggufName.replace(`blk.${layer}.`, 'blk.{i}.');
  const hf = HF_NAMES.find(([g]) => g === pattern)?.[1];
  if (hf === undefined) return undefined;
  const hfName = layer === undefined ? hf : hf.replace('{i}', layer);
  const data = get(hfName);
  return data ? { data, name: hfName } : undefined;
}

function checkConfig(config: LlamaConfig): void {
  const ints: Array<keyof LlamaConfig> = ['vocabSize', 'dim', 'nLayers', 'nHeads', 'nKvHeads', 'hiddenDim', 'contextLength'];
  for (const key of ints) {
    const v = config[key] as number;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`Llama config: ${key} must be a positive integer, got ${v}`);
  }
  if (config.dim % config.nHeads !== 0) throw new RangeError('Llama config: dim must be a multiple of nHeads');
  if ((config.dim / config.nHeads) % 2 !== 0) throw new RangeError('Llama config: the head size must be even');
  if (config.nHeads % config.nKvHeads !== 0) throw new RangeError('Llama config: nHeads must be a multiple of nKvHeads');
  if (!(config.normEps > 0) || !(config.ropeTheta > 0)) {
    throw new RangeError('Llama config: normEps and ropeTheta must be positive');
  }
}

/**
 * Rows of a Q or K projection from the rotate-half layout to the interleaved one: within each head, row
 * j * (headDim/2) + i moves to 2i + j (convert_hf_to_gguf.py's permute).
 */
export function permuteRotaryHalfToInterleaved(weight: Float32Array, nHeads: number, rowLength: number): Float32Array {
  const rows = weight.length / rowLength;
  const headDim = rows / nHeads;
  const half = headDim / 2;
  const out = new Float32Array(weight.length);
  for (let h = 0; h < nHeads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const from = h * headDim + j * half + i;
        const to = h * headDim + 2 * i + j;
        out.set(weight.subarray(from * rowLength, (from + 1) * rowLength), to * rowLength);
      }
    }
  }
  return out;
}

/** The llama.* and tokenizer.* metadata and the tensors of a Llama GGUF. */
export function llamaToGguf(options: LlamaGgufOptions): GgufFile {
  const { config, weights, tokenizer } = options;
  checkConfig(config);
  const headDim = config.dim / config.nHeads;
  const tokenizerMetadata = tokenizerGgufMetadata(tokenizer, {
    vocabSize: config.vocabSize,
    addBos: options.addBos ?? (tokenizer.kind === 'hf' ? tokenizer.addsBos : false),
    ...(options.chatTemplate !== undefined ? { chatTemplate: options.chatTemplate } : {}),
  });

  const tensorType = options.tensorType ?? 'f32';
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', gguf.string('llama')],
    ['general.name', gguf.string(options.name ?? 'apprentice')],
    ['general.file_type', gguf.uint32(tensorType === 'f16' ? 1 : 0)], // LLAMA_FTYPE_ALL_F32 / MOSTLY_F16
    ['general.alignment', gguf.uint32(32)],
    ['llama.vocab_size', gguf.uint32(config.vocabSize)],
    ['llama.context_length', gguf.uint32(config.contextLength)],
    ['llama.embedding_length', gguf.uint32(config.dim)],
    ['llama.block_count', gguf.uint32(config.nLayers)],
    ['llama.feed_forward_length', gguf.uint32(config.hiddenDim)],
    ['llama.attention.head_count', gguf.uint32(config.nHeads)],
    ['llama.attention.head_count_kv', gguf.uint32(config.nKvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', gguf.float32(config.normEps)],
    ['llama.rope.freq_base', gguf.float32(config.ropeTheta)],
    ['llama.rope.dimension_count', gguf.uint32(headDim)],
    ...tokenizerMetadata,
  ]);
  const pooling = { none: undefined, mean: 1, cls: 2, last: 3 }[options.pooling ?? 'mean'];
  if (pooling !== undefined) metadata.set('llama.pooling_type', gguf.uint32(pooling));
  for (const [key, value] of Object.entries(options.extraMetadata ?? {})) {
    if (metadata.has(key)) throw new Error(`Llama GGUF: extraMetadata repeats the standard key ${key}`);
    metadata.set(key, value);
  }

  const tensors: GgufTensor[] = llamaTensorShapes(config).map(({ name, shape }) => {
    const found = lookup(weights, name);
    if (!found) throw new Error(`Llama GGUF: weight ${name} is missing`);
    const expected = shape.reduce((a, b) => a * b, 1);
    if (found.data.length !== expected) {
      throw new Error(
        `Llama GGUF: weight ${found.name} has ${found.data.length} values, expected shape [${shape.join(', ')}]`,
      );
    }
    let data = found.data;
    if (options.rotary === 'half') {
      if (/\.attn_q\.weight$/.test(name)) data = permuteRotaryHalfToInterleaved(data, config.nHeads, config.dim);
      if (/\.attn_k\.weight$/.test(name)) data = permuteRotaryHalfToInterleaved(data, config.nKvHeads, config.dim);
    }
    return { name, shape, data, type: shape.length === 1 ? 'f32' : tensorType };
  });
  return { metadata, tensors };
}

export function encodeLlamaGguf(options: LlamaGgufOptions): Uint8Array {
  return encodeGguf(llamaToGguf(options));
}

export async function writeLlamaGguf(path: string, options: LlamaGgufOptions): Promise<void> {
  await writeGguf(path, llamaToGguf(options));
}
