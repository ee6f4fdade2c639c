/**
 * Hugging Face model folders for tests: the real config.json of named open models, reduced in width, depth
 * and vocabulary but keeping each config's structure (architecture, GQA ratio, explicit head_dim, tied or
 * untied head, rope_theta, rope scaling, eps), with seeded random weights in the Hugging Face layout
 * (rotate-half q/k rows), stored as the model's files are: F32, F16 or BF16, one file or shards.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parameterShapes, parseHfConfig, type LlamaConfig } from '../../src/engine/config.js';
import { encodeSafetensors, type SafetensorsTensor } from '../../src/engine/formats/safetensors.js';
import { createRng } from '../../src/util/random.js';

/** The published config.json of each model (the fields transformers reads). */
export const REAL_CONFIGS: Record<string, Record<string, unknown>> = {
  'SmolLM2-135M': {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 0,
    eos_token_id: 0,
    hidden_act: 'silu',
    hidden_size: 576,
    initializer_range: 0.041666666666666664,
    intermediate_size: 1536,
    is_llama_config: true,
    max_position_embeddings: 8192,
    model_type: 'llama',
    num_attention_heads: 9,
    num_hidden_layers: 30,
    num_key_value_heads: 3,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_interleaved: false,
    rope_scaling: null,
    rope_theta: 100000,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    transformers_version: '4.42.3',
    use_cache: true,
    vocab_size: 49152,
  },
  'TinyLlama-1.1B': {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    bos_token_id: 1,
    eos_token_id: 2,
    hidden_act: 'silu',
    hidden_size: 2048,
    initializer_range: 0.02,
    intermediate_size: 5632,
    max_position_embeddings: 2048,
    model_type: 'llama',
    num_attention_heads: 32,
    num_hidden_layers: 22,
    num_key_value_heads: 4,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    rope_theta: 10000.0,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    transformers_version: '4.35.0',
    use_cache: true,
    vocab_size: 32000,
  },
  'Llama-3.2-1B': {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 128000,
    eos_token_id: 128001,
    head_dim: 64,
    hidden_act: 'silu',
    hidden_size: 2048,
    initializer_range: 0.02,
    intermediate_size: 8192,
    max_position_embeddings: 131072,
    mlp_bias: false,
    model_type: 'llama',
    num_attention_heads: 32,
    num_hidden_layers: 16,
    num_key_value_heads: 8,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
    rope_theta: 500000.0,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    transformers_version: '4.45.0.dev0',
    use_cache: true,
    vocab_size: 128256,
  },
  'Meta-Llama-3-8B': {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 128000,
    eos_token_id: 128001,
    hidden_act: 'silu',
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 14336,
    max_position_embeddings: 8192,
    model_type: 'llama',
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 8,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    rope_theta: 500000.0,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    transformers_version: '4.40.0.dev0',
    use_cache: true,
    vocab_size: 128256,
  },
  'Llama-3.1-8B': {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 128000,
    eos_token_id: 128001,
    hidden_act: 'silu',
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 14336,
    max_position_embeddings: 131072,
    mlp_bias: false,
    model_type: 'llama',
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 8,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
    rope_theta: 500000.0,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    transformers_version: '4.43.0.dev0',
    use_cache: true,
    vocab_size: 128256,
  },
  'Qwen2.5-0.5B': {
    architectures: ['Qwen2ForCausalLM'],
    attention_dropout: 0.0,
    bos_token_id: 151643,
    eos_token_id: 151643,
    hidden_act: 'silu',
    hidden_size: 896,
    initializer_range: 0.02,
    intermediate_size: 4864,
    max_position_embeddings: 32768,
    max_window_layers: 24,
    model_type: 'qwen2',
    num_attention_heads: 14,
    num_hidden_layers: 24,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000.0,
    sliding_window: 32768,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    transformers_version: '4.40.1',
    use_cache: true,
    use_mrope: false,
    use_sliding_window: false,
    vocab_size: 151936,
  },
  'Qwen2.5-7B': {
    architectures: ['Qwen2ForCausalLM'],
    attention_dropout: 0.0,
    bos_token_id: 151643,
    eos_token_id: 151643,
    hidden_act: 'silu',
    hidden_size: 3584,
    initializer_range: 0.02,
    intermediate_size: 18944,
    max_position_embeddings: 131072,
    max_window_layers: 28,
    model_type: 'qwen2',
    num_attention_heads: 28,
    num_hidden_layers: 28,
    num_key_value_heads: 4,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000.0,
    sliding_window: 131072,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    transformers_version: '4.40.1',
    use_cache: true,
    use_sliding_window: false,
    vocab_size: 152064,
  },
  'Qwen3-0.6B': {
    architectures: ['Qwen3ForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 151643,
    eos_token_id: 151645,
    head_dim: 128,
    hidden_act: 'silu',
    hidden_size: 1024,
    initializer_range: 0.02,
    intermediate_size: 3072,
    max_position_embeddings: 40960,
    max_window_layers: 28,
    model_type: 'qwen3',
    num_attention_heads: 16,
    num_hidden_layers: 28,
    num_key_value_heads: 8,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 1000000,
    sliding_window: null,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    transformers_version: '4.51.0',
    use_cache: true,
    use_sliding_window: false,
    vocab_size: 151936,
  },
  'Qwen3-8B': {
    architectures: ['Qwen3ForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 151643,
    eos_token_id: 151645,
    head_dim: 128,
    hidden_act: 'silu',
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 12288,
    max_position_embeddings: 40960,
    max_window_layers: 36,
    model_type: 'qwen3',
    num_attention_heads: 32,
    num_hidden_layers: 36,
    num_key_value_heads: 8,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 1000000,
    sliding_window: null,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    transformers_version: '4.51.0',
    use_cache: true,
    use_sliding_window: false,
    vocab_size: 151936,
  },
};

export interface ReducedModel {
  name: string;
  /** The reduction of the real config. */
  reduce: {
    hidden_size: number;
    num_attention_heads: number;
    num_key_value_heads: number;
    head_dim?: number;
    intermediate_size: number;
    num_hidden_layers: number;
    vocab_size: number;
  };
  dtype: 'F32' | 'F16' | 'BF16';
  shards: number;
}

/** One case per architecture x head x scaling; real head counts divided, GQA ratios and head_dim roles kept. */
export const REDUCED_MODELS: ReducedModel[] = [
  {
    name: 'SmolLM2-135M',
    reduce: { hidden_size: 72, num_attention_heads: 9, num_key_value_heads: 3, intermediate_size: 96, num_hidden_layers: 2, vocab_size: 320 },
    dtype: 'F32',
    shards: 1,
  },
  {
    name: 'TinyLlama-1.1B',
    reduce: { hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 1, intermediate_size: 96, num_hidden_layers: 2, vocab_size: 320 },
    dtype: 'F16',
    shards: 1,
  },
  {
    name: 'Llama-3.2-1B',
    reduce: { hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 16, intermediate_size: 128, num_hidden_layers: 2, vocab_size: 320 },
    dtype: 'BF16',
    shards: 1,
  },
  {
    name: 'Llama-3.1-8B',
    reduce: { hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 2, intermediate_size: 96, num_hidden_layers: 2, vocab_size: 320 },
    dtype: 'F32',
    shards: 2,
  },
  {
    name: 'Qwen2.5-0.5B',
    reduce: { hidden_size: 112, num_attention_heads: 14, num_key_value_heads: 2, intermediate_size: 128, num_hidden_layers: 2, vocab_size: 320 },
    dtype: 'BF16',
    shards: 1,
  },
  {
    name: 'Qwen2.5-7B',
    reduce: { hidden_size: 56, num_attention_heads: 7, num_key_value_heads: 1, intermediate_size: 96, num_hidden_layers: 2, vocab_size: 320 },
    dtype: 'F32',
    shards: 2,
  },
  {
    name: 'Qwen3-0.6B',
    reduce: { hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 32, intermediate_size: 96, num_hidden_layers: 2, vocab_size: 320 },
    dtype: 'BF16',
    shards: 1,
  },
  {
    name: 'Qwen3-8B',
    reduce: { hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 2, head_dim: 8, intermediate_size: 96, num_hidden_layers: 2, vocab_size: 320 },
    dtype: 'F32',
    shards: 1,
  },
];

export function reducedConfigJson(model: ReducedModel): Record<string, unknown> {
  const real = REAL_CONFIGS[model.name];
  if (!real) throw new Error(`no config for ${model.name}`);
  const reduced: Record<string, unknown> = { ...real, ...model.reduce };
  if (model.reduce.head_dim === undefined) delete reduced.head_dim;
  return reduced;
}

/** Seeded weights in the Hugging Face layout, large enough that attention and the head are far from uniform. */
export function randomHfWeights(config: LlamaConfig, seed: string): Map<string, Float32Array> {
  const rng = createRng(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next());
  return new Map(
    parameterShapes(config).map(({ name, shape }) => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      const fanIn = shape[shape.length - 1] as number;
      for (let i = 0; i < data.length; i++) {
        if (name.endsWith('norm.weight')) data[i] = 0.6 + 0.8 * rng.next();
        else if (name.endsWith('.bias')) data[i] = 0.5 * gaussian();
        else if (name === 'model.embed_tokens.weight') data[i] = gaussian();
        else data[i] = (1.5 * gaussian()) / Math.sqrt(fanIn);
      }
      return [name, data];
    }),
  );
}

/** Writes the folder (config.json, safetensors file or shards with their index); returns the parsed config and the weights as stored (rounded to the dtype). */
export async function writeHfModel(dir: string, model: ReducedModel, seed = model.name): Promise<{ config: LlamaConfig; weights: Map<string, Float32Array> }> {
  await mkdir(dir, { recursive: true });
  const json = reducedConfigJson(model);
  await writeFile(join(dir, 'config.json'), JSON.stringify(json, null, 2));
  const config = parseHfConfig(json, join(dir, 'config.json'));
  const weights = randomHfWeights(config, seed);
  const names = [...weights.keys()];
  const perShard = Math.ceil(names.length / model.shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < model.shards; s++) {
    const file = model.shards === 1 ? 'model.safetensors' : `model-${String(s + 1).padStart(5, '0')}-of-${String(model.shards).padStart(5, '0')}.safetensors`;
    const tensors = new Map<string, SafetensorsTensor>();
    for (const name of names.slice(s * perShard, (s + 1) * perShard)) {
      const shape = parameterShapes(config).find((p) => p.name === name)!.shape;
      tensors.set(name, { shape, data: weights.get(name)!, dtype: model.dtype });
      weightMap[name] = file;
    }
    await writeFile(join(dir, file), encodeSafetensors(tensors, { format: 'pt' }));
  }
  if (model.shards > 1) await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return { config, weights };
}
