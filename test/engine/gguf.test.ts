import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  encodeGguf,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  gguf,
  parseGguf,
  plainValue,
  writeGguf,
  type GgufValue,
} from '../../src/engine/formats/gguf.js';
import { llamaTensorShapes, llamaToGguf, type LlamaConfig } from '../../src/engine/formats/llamaGguf.js';
import { convertRotaryLayout } from '../../src/engine/rotaryLayout.js';
import { tinyTokenizer, tinyWeights } from '../support/tinyGguf.js';

const ALL_TYPES: Record<string, GgufValue> = {
  'test.uint8': gguf.uint8(255),
  'test.int8': gguf.int8(-128),
  'test.uint16': gguf.uint16(65535),
  'test.int16': gguf.int16(-32768),
  'test.uint32': gguf.uint32(4294967295),
  'test.int32': gguf.int32(-2147483648),
  'test.float32': gguf.float32(1.5),
  'test.float64': gguf.float64(Math.PI),
  'test.uint64': gguf.uint64(18446744073709551615n),
  'test.int64': gguf.int64(-9223372036854775808n),
  'test.bool.true': gguf.bool(true),
  'test.bool.false': gguf.bool(false),
  'test.string': gguf.string('héllo wörld 😀'),
  'test.string.empty': gguf.string(''),
  'test.array.uint8': gguf.array('uint8', [0, 1, 255]),
  'test.array.int32': gguf.array('int32', [-1, 0, 7]),
  'test.array.float32': gguf.array('float32', [0.5, -2.25]),
  'test.array.float64': gguf.array('float64', [1e-300, 2]),
  'test.array.int64': gguf.array('int64', [-5n, 6n]),
  'test.array.bool': gguf.array('bool', [true, false, true]),
  'test.array.string': gguf.array('string', ['a', '', 'ç']),
  'test.array.empty': gguf.array('string', []),
  'test.array.nested': gguf.array('array', [gguf.array('uint16', [1, 2]), gguf.array('string', ['x'])]),
};

describe('GGUF writer and reader', () => {
  it('round-trips every metadata type', () => {
    const bytes = encodeGguf({ metadata: ALL_TYPES, tensors: [] });
    const parsed = parseGguf(bytes);
    expect(parsed.version).toBe(3);
    expect([...parsed.metadata.keys()]).toEqual(Object.keys(ALL_TYPES));
    for (const [key, value] of Object.entries(ALL_TYPES)) {
      const back = parsed.metadata.get(key);
      expect(back?.type, key).toBe(value.type);
      if (value.type === 'array') {
        expect((back as typeof value).itemType, key).toBe(value.itemType);
        expect(plainValue(back), key).toEqual(plainValue(value));
      } else if (value.type === 'float32') {
        expect(back?.value).toBe(Math.fround(value.value));
      } else {
        expect(back?.value, key).toEqual(value.value);
      }
    }
  });

  it('writes the header bytes the spec describes', () => {
    const bytes = Buffer.from(encodeGguf({ metadata: { 'a.b': gguf.uint32(7) }, tensors: [] }));
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(bytes.readUInt32LE(4)).toBe(3); // version
    expect(bytes.readBigUInt64LE(8)).toBe(0n); // tensors
    expect(bytes.readBigUInt64LE(16)).toBe(1n); // metadata entries
    expect(bytes.readBigUInt64LE(24)).toBe(3n); // key length
    expect(bytes.subarray(32, 35).toString()).toBe('a.b');
    expect(bytes.readUInt32LE(35)).toBe(4); // UINT32
    expect(bytes.readUInt32LE(39)).toBe(7);
    expect(bytes.length).toBe(64); // padded to 32
  });

  it('aligns tensor data (default 32, or general.alignment) and reverses shapes into dims', () => {
    const a = Float32Array.from({ length: 6 }, (_, i) => i - 2.5);
    const b = Float32Array.from([1, 2, 3]);
    const c = Float32Array.from({ length: 24 }, (_, i) => i / 7);
    for (const alignment of [undefined, 64, 8]) {
      const metadata: Record<string, GgufValue> = { 'general.name': gguf.string('t') };
      if (alignment) metadata['general.alignment'] = gguf.uint32(alignment);
      const bytes = encodeGguf({
        metadata,
        tensors: [
          { name: 'a', shape: [2, 3], data: a },
          { name: 'b', shape: [3], data: b },
          { name: 'c', shape: [2, 3, 4], data: c, type: 'f16' },
        ],
      });
      const parsed = parseGguf(bytes);
      const align = alignment ?? 32;
      expect(parsed.alignment).toBe(align);
      expect(parsed.dataOffset % align).toBe(0);
      expect(bytes.length % align).toBe(0);
      const [ta, tb, tc] = parsed.tensors;
      expect(ta?.dims).toEqual([3, 2]);
      expect(ta?.shape).toEqual([2, 3]);
      expect(tc?.dims).toEqual([4, 3, 2]);
      for (const t of parsed.tensors) {
        expect(t.offset % align, t.name).toBe(0);
        expect(t.fileOffset % align, t.name).toBe(0);
      }
      expect(ta?.offset).toBe(0);
      expect(tb?.offset).toBe(Math.ceil(24 / align) * align);
      expect(Array.from(ta?.data ?? [])).toEqual(Array.from(a));
      expect(Array.from(tb?.data ?? [])).toEqual(Array.from(b));
      expect(tc?.type).toBe('f16');
      tc?.data?.forEach((v, i) => expect(Math.abs(v - (c[i] as number))).toBeLessThanOrEqual(Math.abs(c[i] as number) * 2 ** -11));
      // Padding between tensors is zeros.
      const padStart = parsed.dataOffset + 24;
      expect([...bytes.subarray(padStart, parsed.dataOffset + (tb?.offset ?? 0))].every((x) => x === 0)).toBe(true);
    }
  });

  it('writes the same bytes to a file as in memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'apprentice-gguf-'));
    try {
      const file = {
        metadata: ALL_TYPES,
        tensors: [{ name: 'w', shape: [5, 7], data: Float32Array.from({ length: 35 }, (_, i) => Math.sin(i)) }],
      };
      await writeGguf(join(dir, 'x.gguf'), file);
      expect(new Uint8Array(await readFile(join(dir, 'x.gguf')))).toEqual(encodeGguf(file));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects invalid input', () => {
    expect(() => encodeGguf({ metadata: { x: gguf.uint8(256) }, tensors: [] })).toThrow(/uint8/);
    expect(() => encodeGguf({ metadata: { x: gguf.int32(1.5) }, tensors: [] })).toThrow(/int32/);
    expect(() => encodeGguf({ metadata: { 'general.alignment': gguf.uint32(12) }, tensors: [] })).toThrow(/alignment/);
    expect(() => encodeGguf({ metadata: {}, tensors: [{ name: 'a', shape: [2, 2], data: new Float32Array(3) }] })).toThrow(/shape/);
    expect(() => parseGguf(new TextEncoder().encode('GGML'))).toThrow(/magic/);
    const truncated = encodeGguf({ metadata: ALL_TYPES, tensors: [] }).subarray(0, 100);
    expect(() => parseGguf(truncated)).toThrow(/end of file/);
  });

  it('converts to half precision with round-to-nearest-even', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up to infinity
      [Infinity, 0x7c00],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway to zero: ties to even
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and the next half: ties to even (down)
      [1 + 3 * 2 ** -11, 0x3c02], // ties to even (up)
      [0.1, 0x2e66],
    ];
    for (const [value, bits] of cases) expect(float32ToFloat16Bits(value), String(value)).toBe(bits);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
    for (let bits = 0; bits < 0x7c00; bits += 37) {
      expect(float32ToFloat16Bits(float16BitsToFloat32(bits))).toBe(bits);
    }
  });
});

describe('Llama GGUF export', () => {
  const tokenizer = tinyTokenizer();
  const config: LlamaConfig = {
    vocabSize: tokenizer.vocabSize + 3,
    dim: 16,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    hiddenDim: 24,
    normEps: 1e-6,
    ropeTheta: 500000,
    contextLength: 64,
    tiedEmbeddings: true,
  };

  it('writes the llama.* and tokenizer.* metadata and every tensor with reversed dims', () => {
    const weights = tinyWeights(config, 7);
    const parsed = parseGguf(encodeGguf(llamaToGguf({ config, weights, tokenizer, tensorType: 'f16' })));
    const meta = (key: string) => plainValue(parsed.metadata.get(key));
    expect(meta('general.architecture')).toBe('llama');
    expect(meta('llama.embedding_length')).toBe(16);
    expect(meta('llama.block_count')).toBe(2);
    expect(meta('llama.attention.head_count_kv')).toBe(2);
    expect(meta('llama.rope.dimension_count')).toBe(4);
    expect(meta('llama.rope.freq_base')).toBe(500000);
    expect(meta('llama.attention.layer_norm_rms_epsilon')).toBe(Math.fround(1e-6));
    expect(meta('tokenizer.ggml.model')).toBe('gpt2');
    expect(meta('tokenizer.ggml.pre')).toBe('gpt-2');
    const tokens = meta('tokenizer.ggml.tokens') as string[];
    expect(tokens).toHaveLength(config.vocabSize);
    expect(tokens.slice(0, tokenizer.vocabSize)).toEqual(tokenizer.toGgufVocab().tokens);
    expect((meta('tokenizer.ggml.token_type') as number[]).slice(-3)).toEqual([5, 5, 5]);
    expect(parsed.metadata.get('tokenizer.ggml.token_type')).toMatchObject({ itemType: 'int32' });
    expect(meta('tokenizer.ggml.merges')).toEqual(tokenizer.toGgufVocab().merges);
    expect(meta('tokenizer.ggml.eos_token_id')).toBe(tokenizer.eosId);

    const expected = llamaTensorShapes(config);
    expect(parsed.tensors.map((t) => t.name)).toEqual(expected.map((t) => t.name));
    expect(expected.some((t) => t.name === 'output.weight')).toBe(false); // tied
    for (const [i, t] of parsed.tensors.entries()) {
      expect(t.dims).toEqual([...(expected[i]?.shape ?? [])].reverse());
      expect(t.type).toBe(t.dims.length === 1 ? 'f32' : 'f16');
    }
    expect(parsed.tensors.find((t) => t.name === 'blk.1.attn_k.weight')?.dims).toEqual([16, 8]);
    expect(parsed.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')?.dims).toEqual([24, 16]);
  });

  it('accepts Hugging Face names and permutes rotate-half Q/K rows', () => {
    const weights = tinyWeights(config, 7);
    const hf: Record<string, Float32Array> = {};
    const rename: Array<[RegExp, string]> = [
      [/^token_embd/, 'model.embed_tokens'],
      [/^output_norm/, 'model.norm'],
      [/^blk\.(\d+)\.attn_norm/, 'model.layers.$1.input_layernorm'],
      [/^blk\.(\d+)\.attn_q/, 'model.layers.$1.self_attn.q_proj'],
      [/^blk\.(\d+)\.attn_k/, 'model.layers.$1.self_attn.k_proj'],
      [/^blk\.(\d+)\.attn_v/, 'model.layers.$1.self_attn.v_proj'],
      [/^blk\.(\d+)\.attn_output/, 'model.layers.$1.self_attn.o_proj'],
      [/^blk\.(\d+)\.ffn_norm/, 'model.layers.$1.post_attention_layernorm'],
      [/^blk\.(\d+)\.ffn_gate/, 'model.layers.$1.mlp.gate_proj'],
      [/^blk\.(\d+)\.ffn_up/, 'model.layers.$1.mlp.up_proj'],
      [/^blk\.(\d+)\.ffn_down/, 'model.layers.$1.mlp.down_proj'],
    ];
    for (const [name, data] of weights) {
      const [re, to] = rename.find(([r]) => r.test(name)) ?? [];
      hf[re ? name.replace(re, to as string) : name] = data;
    }
    const plain = parseGguf(encodeGguf(llamaToGguf({ config, weights, tokenizer })));
    const fromHf = parseGguf(encodeGguf(llamaToGguf({ config, weights: hf, tokenizer })));
    expect(fromHf.tensors.map((t) => Array.from(t.data ?? []))).toEqual(plain.tensors.map((t) => Array.from(t.data ?? [])));

    // Rotate-half: within a head of size 4, rows [0 1 | 2 3] become [0 2 1 3].
    const w = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]); // 2 heads x 4 rows, row length 1
    const toInterleaved = (name: string, data: Float32Array, headDim: number) =>
      convertRotaryLayout(new Map([[name, data]]), { ...config, headDim }, 'half', 'interleaved').get(name)!;
    expect(Array.from(toInterleaved('blk.0.attn_q.bias', w, 4))).toEqual([0, 2, 1, 3, 10, 12, 11, 13]);
    expect(
      Array.from(
        convertRotaryLayout(new Map([['b.attn_k.bias', toInterleaved('blk.0.attn_q.bias', w, 4)]]), { ...config, headDim: 4 }, 'interleaved', 'half').get(
          'b.attn_k.bias',
        )!,
      ),
    ).toEqual(Array.from(w));
    const half = parseGguf(encodeGguf(llamaToGguf({ config, weights, tokenizer, rotary: 'half' })));
    const q = half.tensors.find((t) => t.name === 'blk.0.attn_q.weight')?.data;
    expect(Array.from(q ?? [])).toEqual(Array.from(toInterleaved('blk.0.attn_q.weight', weights.get('blk.0.attn_q.weight')!, 4)));
  });

  it('names a missing or misshapen weight', () => {
    const weights = tinyWeights(config, 7);
    weights.delete('blk.1.ffn_up.weight');
    expect(() => llamaToGguf({ config, weights, tokenizer })).toThrow(/blk\.1\.ffn_up\.weight is missing/);
    weights.set('blk.1.ffn_up.weight', new Float32Array(5));
    expect(() => llamaToGguf({ config, weights, tokenizer })).toThrow(/blk\.1\.ffn_up\.weight has 5 values/);
    expect(() => llamaToGguf({ config: { ...config, vocabSize: 10 }, weights, tokenizer })).toThrow(/tokenizer has/);
  });
});
