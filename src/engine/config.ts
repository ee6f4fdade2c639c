/**
 * The one description of a student's architecture that every part of the engine derives from: the tfjs model,
 * the ONNX training graph, checkpoints (Hugging Face config.json both ways), GGUF export and loading a base.
 *
 * Three families of decoder-only transformers share one skeleton (RMSNorm, rotary positions, grouped-query
 * attention, SwiGLU) and differ in a few switches:
 *
 *   llama   LlamaForCausalLM (SmolLM2, TinyLlama, Llama-3.x with its "llama3" rope scaling)
 *   qwen2   Qwen2ForCausalLM: biases on the q, k and v projections
 *   qwen3   Qwen3ForCausalLM: RMSNorm over each head of q and k before the rotation, explicit head_dim
 *
 * Parameters carry Hugging Face names and PyTorch shapes ([out, in] for linear layers).
 */
import { InputError } from '../util/errors.js';
import { MODEL_SIZES, type ModelSize } from './sizes.js';

/** The model families the engine builds and loads: Llama, Qwen2 and Qwen3. */
export type Architecture = 'llama' | 'qwen2' | 'qwen3';
export const ARCHITECTURES: readonly Architecture[] = ['llama', 'qwen2', 'qwen3'];

/** Llama 3's rotary frequency scaling (transformers' rope_type "llama3"). */
export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  /** original_max_position_embeddings. */
  originalContextLength: number;
}

/** A model's shape: architecture, vocabulary, width, layers, heads and rotary settings. */
export interface LlamaConfig {
  /** Default 'llama'. */
  architecture?: Architecture;
  vocabSize: number;
  /** Model width (hidden_size). */
  dim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  /** Size of one attention head; default dim / nHeads (Qwen3 sets it apart). */
  headDim?: number;
  /** Feed-forward (SwiGLU) hidden size. */
  hiddenDim: number;
  /** RMSNorm epsilon (rms_norm_eps). */
  normEps: number;
  ropeTheta: number;
  ropeScaling?: Llama3RopeScaling;
  contextLength: number;
  /** The output projection is the token embedding (no lm_head). */
  tiedEmbeddings: boolean;
}

export function architectureOf(config: LlamaConfig): Architecture {
  return config.architecture ?? 'llama';
}

export function headDimOf(config: LlamaConfig): number {
  return config.headDim ?? config.dim / config.nHeads;
}

/** q, k and v projections have biases (Qwen2). */
export function hasQkvBias(config: LlamaConfig): boolean {
  return architectureOf(config) === 'qwen2';
}

/** q and k get an RMSNorm over each head before the rotation (Qwen3). */
export function hasQkNorm(config: LlamaConfig): boolean {
  return architectureOf(config) === 'qwen3';
}

/** A from-scratch config for a named size and a vocabulary. */
export function configForSize(size: ModelSize, vocabSize: number, contextLength = 256): LlamaConfig {
  const { dim, nLayers, nHeads, nKvHeads, hiddenDim } = MODEL_SIZES[size];
  return { vocabSize, dim, nLayers, nHeads, nKvHeads, hiddenDim, normEps: 1e-5, ropeTheta: 10000, contextLength, tiedEmbeddings: true };
}

/** Parameter names and shapes, Hugging Face style, in a fixed order. */
export function parameterShapes(config: LlamaConfig): Array<{ name: string; shape: number[] }> {
  const { vocabSize, dim, nLayers, nHeads, nKvHeads, hiddenDim } = config;
  const hd = headDimOf(config);
  const out = [{ name: 'model.embed_tokens.weight', shape: [vocabSize, dim] }];
  for (let i = 0; i < nLayers; i++) {
    const p = `model.layers.${i}`;
    out.push(
      { name: `${p}.input_layernorm.weight`, shape: [dim] },
      { name: `${p}.self_attn.q_proj.weight`, shape: [nHeads * hd, dim] },
      { name: `${p}.self_attn.k_proj.weight`, shape: [nKvHeads * hd, dim] },
      { name: `${p}.self_attn.v_proj.weight`, shape: [nKvHeads * hd, dim] },
    );
    if (hasQkvBias(config)) {
      out.push(
        { name: `${p}.self_attn.q_proj.bias`, shape: [nHeads * hd] },
        { name: `${p}.self_attn.k_proj.bias`, shape: [nKvHeads * hd] },
        { name: `${p}.self_attn.v_proj.bias`, shape: [nKvHeads * hd] },
      );
    }
    if (hasQkNorm(config)) {
      out.push({ name: `${p}.self_attn.q_norm.weight`, shape: [hd] }, { name: `${p}.self_attn.k_norm.weight`, shape: [hd] });
    }
    out.push(
      { name: `${p}.self_attn.o_proj.weight`, shape: [dim, nHeads * hd] },
      { name: `${p}.post_attention_layernorm.weight`, shape: [dim] },
      { name: `${p}.mlp.gate_proj.weight`, shape: [hiddenDim, dim] },
      { name: `${p}.mlp.up_proj.weight`, shape: [hiddenDim, dim] },
      { name: `${p}.mlp.down_proj.weight`, shape: [dim, hiddenDim] },
    );
  }
  out.push({ name: 'model.norm.weight', shape: [dim] });
  if (!config.tiedEmbeddings) out.push({ name: 'lm_head.weight', shape: [vocabSize, dim] });
  return out;
}

/** A parameter that weight decay leaves alone and initialisation sets to ones (gains) or zeros (biases). */
export function isVectorParameter(name: string): boolean {
  return /(norm|layernorm)\.weight$|\.bias$/.test(name);
}

export function countParameters(config: LlamaConfig): number {
  return parameterShapes(config).reduce((n, { shape }) => n + shape.reduce((a, b) => a * b, 1), 0);
}

export function checkConfig(config: LlamaConfig): void {
  for (const key of ['vocabSize', 'dim', 'nLayers', 'nHeads', 'nKvHeads', 'hiddenDim', 'contextLength'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new RangeError(`model config: ${key} must be a positive integer`);
  }
  const architecture = architectureOf(config);
  if (!ARCHITECTURES.includes(architecture)) throw new RangeError(`model config: unknown architecture ${String(architecture)}`);
  const hd = headDimOf(config);
  if (!Number.isInteger(hd) || hd < 2 || hd % 2 !== 0) {
    throw new RangeError(
      config.headDim === undefined ? 'model config: dim / nHeads (the head size) must be an even integer' : 'model config: headDim must be an even integer',
    );
  }
  if (config.nHeads % config.nKvHeads !== 0) throw new RangeError('model config: nHeads must be a multiple of nKvHeads');
  if (!(config.normEps > 0) || !(config.ropeTheta > 0)) throw new RangeError('model config: normEps and ropeTheta must be positive');
  const s = config.ropeScaling;
  if (s) {
    if (s.type !== 'llama3') throw new RangeError(`model config: unsupported rope scaling ${String(s.type)}`);
    if (!(s.factor > 0) || !(s.lowFreqFactor > 0) || !(s.highFreqFactor > s.lowFreqFactor) || !(s.originalContextLength > 0)) {
      throw new RangeError('model config: llama3 rope scaling needs factor > 0, 0 < lowFreqFactor < highFreqFactor and originalContextLength > 0');
    }
  }
}

/**
 * The rotary inverse frequency of each pair i < headDim / 2: theta^(-2i / headDim), rescaled by Llama 3's
 * rule when configured (transformers' _compute_llama3_parameters: long wavelengths divided by the factor,
 * short ones kept, a smooth blend between).
 */
export function inverseFrequencies(config: LlamaConfig): Float64Array {
  const hd = headDimOf(config);
  const out = new Float64Array(hd / 2);
  for (let i = 0; i < hd / 2; i++) out[i] = 1 / config.ropeTheta ** ((2 * i) / hd);
  const s = config.ropeScaling;
  if (!s) return out;
  const lowFreqWavelen = s.originalContextLength / s.lowFreqFactor;
  const highFreqWavelen = s.originalContextLength / s.highFreqFactor;
  for (let i = 0; i < out.length; i++) {
    const f = out[i] as number;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) continue;
    if (wavelen > lowFreqWavelen) out[i] = f / s.factor;
    else {
      const smooth = (s.originalContextLength / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      out[i] = (1 - smooth) * (f / s.factor) + smooth * f;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Hugging Face config.json
// ---------------------------------------------------------------------------------------------------------

const HF_ARCHITECTURES: Record<string, Architecture> = {
  LlamaForCausalLM: 'llama',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
};

/**
 * A Hugging Face config.json (LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM) as a LlamaConfig. Every
 * field that would change the arithmetic and that the engine does not implement is an InputError naming it
 * (another rope scaling, sliding-window attention in use, biases the family does not have, another activation,
 * partial rotary, quantization), never an approximation. Fields that do not change the forward pass
 * (token ids, dtype, initializer_range, ...) are ignored.
 */
export function parseHfConfig(json: unknown, file: string): LlamaConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new InputError('expected a JSON object', { file });
  const c = json as Record<string, unknown>;
  const fail = (field: string, message: string): never => {
    throw new InputError(message, { file, field });
  };
  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(key, `expected a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const num = (key: string, fallback: number, from: Record<string, unknown> = c): number => {
    const v = from[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) fail(key, `expected a positive number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const absentOr = (key: string, allowed: readonly unknown[], why: string): void => {
    if (c[key] !== undefined && c[key] !== null && !allowed.includes(c[key])) {
      fail(key, `${JSON.stringify(c[key])} is not supported: ${why}`);
    }
  };

  // The architecture: from "architectures", else model_type (older apprentice checkpoints name llama only by model_type).
  const names = Array.isArray(c.architectures) ? (c.architectures as unknown[]) : [];
  if (names.length > 1) fail('architectures', `expected one architecture, got ${JSON.stringify(names)}`);
  let architecture: Architecture;
  if (names.length === 1) {
    const found = HF_ARCHITECTURES[String(names[0])];
    if (!found) fail('architectures', `${JSON.stringify(names[0])} is not supported (supported: ${Object.keys(HF_ARCHITECTURES).join(', ')})`);
    architecture = found as Architecture;
  } else {
    const type = c.model_type ?? 'llama';
    if (!ARCHITECTURES.includes(type as Architecture)) fail('model_type', `${JSON.stringify(type)} is not supported (supported: ${ARCHITECTURES.join(', ')})`);
    architecture = type as Architecture;
  }
  if (c.model_type !== undefined && c.model_type !== architecture) {
    fail('model_type', `${JSON.stringify(c.model_type)} does not match the architecture ${names[0] as string} (${architecture})`);
  }

  absentOr('hidden_act', ['silu'], 'the engine implements SwiGLU with silu');
  absentOr('mlp_bias', [false], 'the engine has no biases in the feed-forward layers');
  absentOr('attention_dropout', [0], 'the engine has no attention dropout');
  absentOr('partial_rotary_factor', [1], 'the engine rotates the whole head');
  absentOr('pretraining_tp', [1], 'only pretraining_tp 1 is implemented');
  if (c.quantization_config !== undefined) fail('quantization_config', 'quantized checkpoints are not supported (F32, F16, BF16 are)');
  if (architecture === 'llama' || architecture === 'qwen3') {
    absentOr('attention_bias', [false], `the engine's ${architecture} has no attention biases`);
  }
  if (architecture !== 'llama') {
    absentOr('use_sliding_window', [false], 'sliding-window attention is not implemented');
    if (Array.isArray(c.layer_types) && c.layer_types.some((t) => t !== 'full_attention')) {
      fail('layer_types', 'only full_attention layers are implemented');
    }
    absentOr('use_mrope', [false], 'multimodal rotary positions are not implemented');
  }

  const nHeads = int('num_attention_heads');
  const dim = int('hidden_size');
  // transformers v5 moves rope_theta and rope_scaling into rope_parameters.
  const rope = c.rope_parameters && typeof c.rope_parameters === 'object' ? (c.rope_parameters as Record<string, unknown>) : undefined;
  const config: LlamaConfig = {
    architecture,
    vocabSize: int('vocab_size'),
    dim,
    hiddenDim: int('intermediate_size'),
    nLayers: int('num_hidden_layers'),
    nHeads,
    nKvHeads: int('num_key_value_heads', nHeads),
    headDim: c.head_dim === undefined || c.head_dim === null ? dim / nHeads : int('head_dim'),
    normEps: num('rms_norm_eps', 1e-6),
    ropeTheta: rope ? num('rope_theta', 10000, rope) : num('rope_theta', 10000),
    contextLength: int('max_position_embeddings', 2048),
    tiedEmbeddings: c.tie_word_embeddings === true,
  };
  const scaling = parseRopeScaling(rope ?? c.rope_scaling, rope ? 'rope_parameters' : 'rope_scaling', file);
  if (scaling) config.ropeScaling = scaling;
  try {
    checkConfig(config);
  } catch (error) {
    throw new InputError((error as Error).message, { file });
  }
  return config;
}

function parseRopeScaling(value: unknown, field: string, file: string): Llama3RopeScaling | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InputError('expected an object or null', { file, field });
  const s = value as Record<string, unknown>;
  const type = s.rope_type ?? s.type ?? 'default';
  if (type === 'default') return undefined;
  if (type !== 'llama3') {
    throw new InputError(`rope type ${JSON.stringify(type)} is not supported (supported: default, llama3)`, { file, field: `${field}.rope_type` });
  }
  const num = (key: string): number => {
    const v = s[key];
    if (typeof v !== 'number' || !(v > 0)) throw new InputError(`expected a positive number, got ${JSON.stringify(v)}`, { file, field: `${field}.${key}` });
    return v;
  };
  return {
    type: 'llama3',
    factor: num('factor'),
    lowFreqFactor: num('low_freq_factor'),
    highFreqFactor: num('high_freq_factor'),
    originalContextLength: num('original_max_position_embeddings'),
  };
}

/** The Hugging Face config.json fields of a config (transformers loads the folder as this architecture). */
export function toHfConfigFields(config: LlamaConfig): Record<string, unknown> {
  const architecture = architectureOf(config);
  const s = config.ropeScaling;
  return {
    architectures: [{ llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', qwen3: 'Qwen3ForCausalLM' }[architecture]],
    model_type: architecture,
    vocab_size: config.vocabSize,
    hidden_size: config.dim,
    intermediate_size: config.hiddenDim,
    num_hidden_layers: config.nLayers,
    num_attention_heads: config.nHeads,
    num_key_value_heads: config.nKvHeads,
    head_dim: headDimOf(config),
    hidden_act: 'silu',
    max_position_embeddings: config.contextLength,
    rms_norm_eps: config.normEps,
    rope_theta: config.ropeTheta,
    rope_scaling: s
      ? {
          rope_type: 'llama3',
          factor: s.factor,
          low_freq_factor: s.lowFreqFactor,
          high_freq_factor: s.highFreqFactor,
          original_max_position_embeddings: s.originalContextLength,
        }
      : null,
    tie_word_embeddings: config.tiedEmbeddings,
    ...(architecture === 'qwen2' ? { use_sliding_window: false } : { attention_bias: false }),
    ...(architecture === 'llama' ? { mlp_bias: false } : { use_sliding_window: false }),
  };
}
