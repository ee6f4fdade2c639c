import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainValue } from '../../../src/engine/formats/gguf.js';
import { writeLlamaGguf, type LlamaConfig } from '../../../src/engine/formats/llamaGguf.js';
import { preTokenizerType, tokenizerGgufMetadata } from '../../../src/engine/formats/tokenizerGguf.js';
import { GGUF_TOKEN_TYPE, trainTokenizer } from '../../../src/engine/tokenizer.js';
import { HfTokenizer } from '../../../src/engine/tokenizers/hfTokenizer.js';
import { tinyWeights, TINY_TEXT, tinyShape } from '../../support/tinyGguf.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

/** The engine's BPE written as a tokenizer.json, with another pre-tokenizer and added tokens. */
function hfTokenizer(preTokenizer: unknown): HfTokenizer {
  const bpe = trainTokenizer([...TINY_TEXT, '12345 67890 3.14 <think>'], { vocabSize: 400, specialTokens: ['<|im_start|>', '<|im_end|>'] });
  const json = bpe.toHfTokenizerJson() as unknown as Record<string, unknown>;
  const next = bpe.vocabSize;
  json.added_tokens = [
    ...(json.added_tokens as unknown[]),
    { id: next, content: '<think>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
    { id: next + 1, content: '<|fim_prefix|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
  ];
  json.pre_tokenizer = preTokenizer;
  return new HfTokenizer({
    tokenizerJson: json,
    tokenizerConfig: { bos_token: '<|bos|>', eos_token: '<|im_end|>', pad_token: '<|pad|>', add_bos_token: true, chat_template: 'x' },
  });
}

const SMOLLM_PRE = {
  type: 'Sequence',
  pretokenizers: [
    { type: 'Digits', individual_digits: true },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  ],
};

describe('GGUF tokenizer metadata', () => {
  it('reads the pre-tokenizer type from tokenizer.json when the check-text hash is not a known one', () => {
    expect(preTokenizerType(hfTokenizer({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }))).toBe('gpt-2');
    expect(preTokenizerType(hfTokenizer(SMOLLM_PRE))).toBe('smollm');
    expect(() => preTokenizerType(hfTokenizer({ type: 'Whitespace' }))).toThrow(/pre_tokenizer/);
  });

  it('writes token types (control, user-defined, normal, unused padding), ids and flags', () => {
    const t = hfTokenizer(SMOLLM_PRE);
    const metadata = tokenizerGgufMetadata(t, { vocabSize: t.vocabSize + 2 });
    const get = (key: string) => plainValue(metadata.get(key));
    const tokens = get('tokenizer.ggml.tokens') as string[];
    const types = get('tokenizer.ggml.token_type') as number[];
    const typeOf = (text: string) => types[tokens.indexOf(text)];
    expect(typeOf('<|im_start|>')).toBe(GGUF_TOKEN_TYPE.control);
    expect(typeOf('<|fim_prefix|>')).toBe(GGUF_TOKEN_TYPE.control); // looks special, as in the converter
    expect(typeOf('<think>')).toBe(GGUF_TOKEN_TYPE.userDefined);
    expect(typeOf('Ġthe')).toBe(GGUF_TOKEN_TYPE.normal);
    expect(tokens.slice(-2)).toEqual([`[PAD${t.vocabSize}]`, `[PAD${t.vocabSize + 1}]`]);
    expect(types.slice(-2)).toEqual([GGUF_TOKEN_TYPE.unused, GGUF_TOKEN_TYPE.unused]);
    expect(get('tokenizer.ggml.eos_token_id')).toBe(t.tokenId('<|im_end|>'));
    expect(get('tokenizer.ggml.add_bos_token')).toBe(true);
    expect(get('tokenizer.chat_template')).toBe('x');
    expect(() => tokenizerGgufMetadata(t, { vocabSize: 10 })).toThrow(/tokenizer has/);
  });

  describe('a SmolLM-style tokenizer (single digits, GPT-2 regex) through llama.cpp', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'apprentice-smollm-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('tokenizes as llama.cpp with tokenizer.ggml.pre = "smollm"', async () => {
      const t = hfTokenizer(SMOLLM_PRE);
      const config: LlamaConfig = tinyShape(t.vocabSize);
      const path = join(dir, 'smollm.gguf');
      await writeLlamaGguf(path, { config, weights: tinyWeights(config, 1), tokenizer: t });
      const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
      const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
      try {
        for (const text of [...TINY_TEXT, 'pi is 3.14159, 2026 apples', 'a<think>b <|im_start|>c', '  two  spaces\n\n', '']) {
          expect(t.encode(text), text).toEqual(model.tokenize(text, false).map(Number));
          expect(t.encode(text, { parseSpecial: true }), text).toEqual(model.tokenize(text, true).map(Number));
        }
      } finally {
        await model.dispose();
      }
    }, 60_000);
  });
});
