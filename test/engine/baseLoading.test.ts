/**
 * Loading a base: Hugging Face config.json parsing (what is refused, by name), and a GGUF read back as the
 * engine's config and weights (F32 exactly, BF16/F16/Q8_0 as their rounding gives; other types refused naming
 * the tensor and its type), in the engine's rotary layout whatever llama.cpp's architecture stores.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ggufConfig, loadBaseModel } from '../../src/engine/base.js';
import { inverseFrequencies, parseHfConfig, type LlamaConfig } from '../../src/engine/config.js';
import { decodeQ8_0, encodeGguf, encodeQ8_0, parseGguf } from '../../src/engine/formats/gguf.js';
import { llamaToGguf, ropeFreqFactors } from '../../src/engine/formats/llamaGguf.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import { randomHfWeights, REAL_CONFIGS, REDUCED_MODELS, reducedConfigJson, writeHfModel } from '../support/hfModels.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-base-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tokenizer = trainTokenizer(['abc def ghi '.repeat(10)], { vocabSize: 280, minFrequency: 2 });

describe('Hugging Face config.json', () => {
  it('reads the named models as their architecture', () => {
    expect(parseHfConfig(REAL_CONFIGS['Qwen3-0.6B'], 'c.json')).toMatchObject({
      architecture: 'qwen3',
      headDim: 128,
      dim: 1024,
      nHeads: 16,
      nKvHeads: 8,
      tiedEmbeddings: true,
      normEps: 1e-6,
      ropeTheta: 1000000,
    });
    expect(parseHfConfig(REAL_CONFIGS['Qwen2.5-0.5B'], 'c.json')).toMatchObject({ architecture: 'qwen2', headDim: 64, nKvHeads: 2 });
    expect(parseHfConfig(REAL_CONFIGS['Llama-3.2-1B'], 'c.json')).toMatchObject({
      architecture: 'llama',
      headDim: 64,
      ropeTheta: 500000,
      ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContextLength: 8192 },
    });
    expect(parseHfConfig(REAL_CONFIGS['TinyLlama-1.1B'], 'c.json')).toMatchObject({ tiedEmbeddings: false });
    expect(parseHfConfig(REAL_CONFIGS['TinyLlama-1.1B'], 'c.json').ropeScaling).toBeUndefined();
  });

  it('refuses, by field, what the engine does not implement', () => {
    const llama = REAL_CONFIGS['SmolLM2-135M']!;
    const qwen2 = REAL_CONFIGS['Qwen2.5-0.5B']!;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...llama, architectures: ['MistralForCausalLM'], model_type: 'mistral' }, /field "architectures": "MistralForCausalLM" is not supported/],
      [{ ...llama, attention_bias: true }, /field "attention_bias": true is not supported/],
      [{ ...llama, rope_scaling: { rope_type: 'yarn', factor: 4 } }, /field "rope_scaling.rope_type": rope type "yarn" is not supported/],
      [{ ...llama, rope_scaling: { type: 'linear', factor: 2 } }, /rope type "linear" is not supported/],
      [{ ...qwen2, use_sliding_window: true }, /field "use_sliding_window": true is not supported/],
      [{ ...llama, hidden_act: 'gelu' }, /field "hidden_act"/],
      [{ ...llama, mlp_bias: true }, /field "mlp_bias"/],
      [{ ...llama, model_type: 'qwen2' }, /field "model_type"/],
      [{ ...REAL_CONFIGS['Qwen3-0.6B'], attention_bias: true }, /field "attention_bias"/],
      [{ ...llama, quantization_config: { quant_method: 'gptq' } }, /field "quantization_config"/],
      [{ ...llama, num_key_value_heads: 4 }, /nHeads must be a multiple of nKvHeads/],
    ];
    for (const [json, error] of cases) expect(() => parseHfConfig(json, 'c.json'), String(error)).toThrow(error);
  });

  it("computes Llama 3's scaled frequencies: high ones kept, low ones divided by the factor, a blend between", () => {
    const config = parseHfConfig(REAL_CONFIGS['Llama-3.2-1B'], 'c.json');
    const scaled = inverseFrequencies(config);
    const plain = inverseFrequencies({ ...config, ropeScaling: undefined });
    expect(scaled[0]).toBe(plain[0]);
    expect(scaled[31]! * 32).toBeCloseTo(plain[31]!, 15);
    const wavelength = (i: number) => (2 * Math.PI) / plain[i]!;
    const medium = [...plain.keys()].filter((i) => wavelength(i) >= 2048 && wavelength(i) <= 8192);
    expect(medium.length).toBeGreaterThan(0);
    for (const i of medium) expect(scaled[i]! < plain[i]! && scaled[i]! > plain[i]! / 32).toBe(true);
  });
});

describe('a GGUF base', () => {
  for (const name of ['SmolLM2-135M', 'Qwen2.5-7B', 'Qwen3-0.6B', 'Llama-3.2-1B', 'Llama-3.1-8B']) {
    it(`${name}: reads back the config and the weights in the engine's layout (F32 exact, Q8_0 dequantized)`, async () => {
      const model = { ...REDUCED_MODELS.find((m) => m.name === name)!, dtype: 'F32' as const, shards: 1 };
      const folder = join(dir, `gguf-${name}`);
      await writeHfModel(folder, model);
      const hf = await loadBaseModel(folder);
      const f32 = join(dir, `${name}.gguf`);
      await writeFile(f32, encodeGguf(llamaToGguf({ config: hf.config, weights: hf.weights, tokenizer })));
      const back = await loadBaseModel(f32);
      expect(back.format).toBe('gguf');
      // GGUF keeps eps and theta as float32; they are read back as the shortest decimal of that float32, so the
      // config equals the Hugging Face one.
      expect(back.config).toEqual(hf.config);
      for (const [n, w] of hf.weights) expect(Array.from(back.weights.get(n)!), n).toEqual(Array.from(w));

      if (hf.config.dim % 32 === 0 && hf.config.hiddenDim % 32 === 0) {
        const q8 = join(dir, `${name}.q8_0.gguf`);
        await writeFile(q8, encodeGguf(llamaToGguf({ config: hf.config, weights: hf.weights, tokenizer, tensorType: 'q8_0' })));
        const quantized = await loadBaseModel(q8);
        for (const [n, w] of hf.weights) {
          const got = quantized.weights.get(n)!;
          const scale = Math.max(...Array.from(w, Math.abs));
          let worst = 0;
          for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(got[i]! - w[i]!));
          expect(worst, n).toBeLessThanOrEqual(scale / 127);
          if (w.length > 64) expect(worst, n).toBeGreaterThan(0); // matrices are quantized (vectors stay F32)
        }
      }
    });
  }

  it("Q8_0 round trip is ggml's: per block of 32, scale max|x| / 127, values rounded", () => {
    const data = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * (i < 32 ? 1 : 100));
    const back = decodeQ8_0(new DataView(encodeQ8_0(data).buffer), 64);
    for (let i = 0; i < 64; i++) expect(Math.abs(back[i]! - data[i]!)).toBeLessThanOrEqual((i < 32 ? 1 : 100) / 127 / 2 + 1e-3);
    expect(back[0]).toBe(0);
  });

  it('refuses other tensor types naming the tensor and its type, and other architectures', async () => {
    const model = REDUCED_MODELS.find((m) => m.name === 'SmolLM2-135M')!;
    const folder = join(dir, 'refuse');
    await writeHfModel(folder, { ...model, dtype: 'F32', shards: 1 });
    const hf = await loadBaseModel(folder);
    const file = llamaToGguf({ config: hf.config, weights: hf.weights, tokenizer });
    const bytes = encodeGguf(file);
    // Patch blk.0.attn_k.weight's type id to Q4_K (12) in the header.
    const parsed = parseGguf(bytes, { readData: false });
    const target = parsed.tensors.find((t) => t.name === 'blk.0.attn_k.weight')!;
    const header = Buffer.from(bytes.buffer, bytes.byteOffset, parsed.dataOffset);
    const nameAt = header.indexOf('blk.0.attn_k.weight');
    const typeAt = nameAt + 'blk.0.attn_k.weight'.length + 4 + 8 * target.dims.length;
    const patched = new Uint8Array(bytes);
    new DataView(patched.buffer).setUint32(typeAt, 12, true);
    await writeFile(join(dir, 'q4k.gguf'), patched);
    await expect(loadBaseModel(join(dir, 'q4k.gguf'))).rejects.toThrow(/tensor blk\.0\.attn_k\.weight is Q4_K, which is not supported/);

    const metadata = new Map(file.metadata as Map<string, never>);
    metadata.set('general.architecture', { type: 'string', value: 'gemma2' } as never);
    await writeFile(join(dir, 'gemma.gguf'), encodeGguf({ metadata, tensors: file.tensors }));
    await expect(loadBaseModel(join(dir, 'gemma.gguf'))).rejects.toThrow(/general\.architecture.*"gemma2" is not supported/);
    await expect(loadBaseModel(join(dir, 'nothing-here'))).rejects.toThrow(/no such file or folder/);
  });

  it('refuses non-finite weights, naming the tensor and the file', async () => {
    const model = REDUCED_MODELS.find((m) => m.name === 'Qwen3-8B')!;
    const folder = join(dir, 'nan');
    const { config, weights } = await writeHfModel(folder, { ...model, dtype: 'F32', shards: 1 });
    weights.get('model.layers.1.mlp.up_proj.weight')![5] = NaN;
    const { encodeSafetensors } = await import('../../src/engine/formats/safetensors.js');
    const { parameterShapes } = await import('../../src/engine/config.js');
    await writeFile(
      join(folder, 'model.safetensors'),
      encodeSafetensors(new Map(parameterShapes(config).map(({ name, shape }) => [name, { shape, data: weights.get(name)! }]))),
    );
    await expect(loadBaseModel(folder)).rejects.toThrow(
      /model\.safetensors: tensor model\.layers\.1\.mlp\.up_proj\.weight holds a non-finite value \(NaN at index 5\)/,
    );
  });
});

describe("Llama 3 rope scaling read back from a GGUF's rope_freqs.weight", () => {
  const scaledConfig = (scaling: Record<string, unknown>, headDim = 64) =>
    parseHfConfig(
      {
        ...reducedConfigJson(REDUCED_MODELS.find((m) => m.name === 'Llama-3.2-1B')!),
        head_dim: headDim,
        hidden_size: 4 * headDim,
        rope_scaling: { rope_type: 'llama3', ...scaling },
      },
      'c.json',
    );
  const withFactors = (config: LlamaConfig, factors: Float32Array) => {
    const file = llamaToGguf({ config, weights: randomHfWeights(config, 'rope'), tokenizer });
    const tensors = file.tensors.map((t) => (t.name === 'rope_freqs.weight' ? { ...t, shape: [factors.length], data: factors } : t));
    return parseGguf(encodeGguf({ ...file, tensors }));
  };
  const relativeGap = (a: Float64Array, b: Float64Array) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!) / x));

  it('gives back the parameters of the Llama 3.x configs exactly', () => {
    for (const scaling of [
      { factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
      { factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    ]) {
      const config = scaledConfig(scaling);
      expect(ggufConfig(withFactors(config, ropeFreqFactors(config)!), 'm.gguf')).toEqual(config);
    }
  });

  it("reads llama.cpp's converter's factors (float32 frequencies) as the same scaling", () => {
    const config = scaledConfig({ factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 });
    // convert_hf_to_gguf.py, LlamaModel.generate_extra_tensors: torch float32 frequencies, float64 blend.
    const s = config.ropeScaling!;
    const hd = 64;
    const factors = Float32Array.from({ length: hd / 2 }, (_, i) => {
      const wavelen = (2 * Math.PI) / Math.fround(1 / Math.fround(config.ropeTheta ** Math.fround((2 * i) / hd)));
      if (wavelen < s.originalContextLength / s.highFreqFactor) return 1;
      if (wavelen > s.originalContextLength / s.lowFreqFactor) return s.factor;
      const smooth = (s.originalContextLength / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      return 1 / ((1 - smooth) / s.factor + smooth);
    });
    expect(Array.from(factors)).not.toEqual(Array.from(ropeFreqFactors(config)!)); // not the engine's own rounding
    expect(ggufConfig(withFactors(config, factors), 'm.gguf')).toEqual(config);
  });

  it('rebuilds other scalings to the same frequencies (the three numbers are known up to a common scale)', () => {
    for (const scaling of [
      { factor: 16, low_freq_factor: 2, high_freq_factor: 8, original_max_position_embeddings: 16384 },
      { factor: 12, low_freq_factor: 1, high_freq_factor: 3, original_max_position_embeddings: 5000 },
    ]) {
      const config = scaledConfig(scaling);
      const back = ggufConfig(withFactors(config, ropeFreqFactors(config)!), 'm.gguf');
      expect({ ...back, ropeScaling: undefined }).toEqual({ ...config, ropeScaling: undefined });
      expect(relativeGap(inverseFrequencies(back), inverseFrequencies(config))).toBeLessThan(1e-6);
    }
  });

  it('refuses factors no Llama 3 scaling gives, naming the tensor', () => {
    const config = scaledConfig({ factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 });
    const wrong = ropeFreqFactors(config)!.map((f, i) => f * (1 + 0.01 * (i % 3)));
    expect(() => ggufConfig(withFactors(config, wrong), 'm.gguf')).toThrow(/m\.gguf.*rope_freqs\.weight is not a Llama 3 rope scaling/);
    expect(() => ggufConfig(withFactors(config, wrong.slice(1)), 'm.gguf')).toThrow(/rope_freqs\.weight has 31 values/);
  });
});
