import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainTokenizer } from '../../../src/engine/tokenizer.js';
import { HfTokenizer, loadHfTokenizer } from '../../../src/engine/tokenizers/hfTokenizer.js';
import type { TextTokenizer } from '../../../src/engine/tokenizers/textTokenizer.js';
import { InputError } from '../../../src/util/errors.js';
import { REAL_TOKENIZERS } from '../../support/realTokenizers.js';

const TEXT = 'Hello world <|im_end|> 123456 été 日本語 🤖\n\n  x';

describe('HfTokenizer on real tokenizer files', () => {
  let llama3: HfTokenizer;
  let qwen3: HfTokenizer;
  beforeAll(async () => {
    [llama3, qwen3] = await Promise.all([loadHfTokenizer(REAL_TOKENIZERS.llama3), loadHfTokenizer(REAL_TOKENIZERS.qwen3)]);
  }, 120_000);

  it('reads the vocabulary size and the special token ids from tokenizer_config.json', () => {
    expect(llama3.vocabSize).toBe(128256);
    expect([llama3.bosId, llama3.eosId, llama3.padId]).toEqual([128000, 128001, 128001]); // no pad_token: eos
    expect(qwen3.vocabSize).toBe(151669);
    expect(qwen3.bosId).toBeUndefined(); // bos_token: null
    expect([qwen3.eosId, qwen3.padId]).toEqual([151645, 151643]);
    expect(qwen3.addsBos).toBe(false);
    expect(qwen3.specialTokens).toContain('<|im_start|>');
    expect(qwen3.specialTokens).not.toContain('<think>'); // an added token that is not special
    expect(qwen3.chatTemplate).toContain('<|im_start|>');
    expect(llama3.chatTemplate).toContain('<|start_header_id|>');
  });

  it('encodes known ids and decodes back to the text', () => {
    expect(llama3.encode('Hello world')).toEqual([9906, 1917]);
    expect(qwen3.encode('Hello world')).toEqual([9707, 1879]);
    for (const t of [llama3, qwen3]) {
      expect(t.decode(t.encode(TEXT))).toBe(TEXT);
      expect(t.decode(t.encode(TEXT, { parseSpecial: true }))).toBe(TEXT);
    }
  });

  it('recognises special tokens in the text only with parseSpecial; non-special added tokens always', () => {
    expect(qwen3.encode('a<|im_end|>b')).not.toContain(151645);
    expect(qwen3.encode('a<|im_end|>b', { parseSpecial: true })).toEqual([64, 151645, 65]);
    expect(qwen3.encode('a<think>b')).toContain(qwen3.tokenId('<think>'));
    expect(llama3.encode('x', { addBos: true, addEos: true })).toEqual([128000, 87, 128001]);
    expect(() => qwen3.encode('x', { addBos: true })).toThrow(/no beginning-of-sequence/);
  });

  it('leaves special tokens out of decoded text with skipSpecial, and streams whole characters', () => {
    const ids = qwen3.encode('<|im_start|>日本🤖<|im_end|>', { parseSpecial: true });
    expect(qwen3.decode(ids, { skipSpecial: true })).toBe('日本🤖');
    const decoder = qwen3.createStreamingDecoder();
    const pieces = ids.map((id) => decoder.push(id));
    expect(pieces.join('') + decoder.flush()).toBe('<|im_start|>日本🤖<|im_end|>');
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
    expect(qwen3.isSpecial(151645)).toBe(true);
    expect(qwen3.tokenText(9707)).toBe('Hello');
    expect(() => qwen3.decode([qwen3.vocabSize])).toThrow(RangeError);
  });

  describe('generation_config.json', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hf-tokenizer-'));
      const bpe = trainTokenizer(['hello world'], { vocabSize: 270, specialTokens: ['<|endoftext|>', '<|im_end|>'] });
      await bpe.saveTokenizerJson(join(dir, 'tokenizer.json'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('gives every eos id, the tokenizer_config one first', async () => {
      await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: { content: '<|im_end|>' }, bos_token: null }));
      await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [3, 4] })); // <|endoftext|>, <|im_end|>
      const t = await loadHfTokenizer(dir);
      expect(t.eosIds).toEqual([4, 3]);
      expect(t.chatTemplate).toBeUndefined();
    });

    it('reads chat_template.jinja when tokenizer_config.json has no chat_template', async () => {
      await writeFile(join(dir, 'generation_config.json'), '{}');
      await writeFile(join(dir, 'chat_template.jinja'), '{{ messages[0].content }}');
      expect((await loadHfTokenizer(dir)).chatTemplate).toBe('{{ messages[0].content }}');
    });

    it('names the file and field of a bad eos id', async () => {
      await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [999999999] }));
      const error = await loadHfTokenizer(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect(String(error)).toMatch(/generation_config\.json.*eos_token_id/);
    });
  });
});

describe('TextTokenizer', () => {
  it('is satisfied by the engine BPE tokenizer too', () => {
    const bpe: TextTokenizer = trainTokenizer(['hello hello world'], { vocabSize: 300 });
    expect(bpe.kind).toBe('bpe');
    expect(bpe.eosIds).toEqual([bpe.eosId]);
    expect(bpe.decode(bpe.encode('hello world'))).toBe('hello world');
  });
});
