import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learnMerges } from '../../src/engine/bpeTrainer.js';
import { BYTE_TO_CHAR, bytesToSymbols, preTokenize, symbolsToBytes, Tokenizer, trainTokenizer } from '../../src/engine/tokenizer.js';
import { InputError } from '../../src/util/errors.js';

const datasets = fileURLToPath(new URL('../../../shared/datasets', import.meta.url));
const haveDatasets = existsSync(join(datasets, 'gsm8k')) && existsSync(join(datasets, 'svamp'));

const jsonLines = (file: string): Array<Record<string, string>> =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, string>);

// A small corpus written for these tests, so they run without the shared datasets.
const SMALL_CORPUS = [
  'The quick brown fox jumps over the lazy dog.',
  "It's the fox's den; they're sure we'll find it, isn't it?",
  'Tom has 12 apples and gives 5 to Anna. How many apples does Tom have now?',
  'Anna had 7 pencils, then she bought 15 more pencils at the store.',
  'The answer is 7. The answer is 12. The answer is 42.',
  'A train travels 60 miles in 1.5 hours; what is its average speed?',
];
const smallCorpus = Array.from({ length: 20 }, () => SMALL_CORPUS).flat();

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Reference trainer: recounts every pair from scratch at each step (slow, obviously correct). */
function referenceMerges(pieces: Map<string, number>, maxMerges: number): Array<[number, number]> {
  const words = [...pieces].map(([piece, count]) => ({ symbols: [...new TextEncoder().encode(piece)], count }));
  const merges: Array<[number, number]> = [];
  for (let k = 0; k < maxMerges; k++) {
    const counts = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]},${symbols[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + count);
      }
    }
    let best: [number, number, number] | undefined;
    for (const [key, count] of counts) {
      const [l, r] = key.split(',').map(Number) as [number, number];
      if (!best || count > best[2] || (count === best[2] && (l < best[0] || (l === best[0] && r < best[1])))) {
        best = [l, r, count];
      }
    }
    if (!best || best[2] < 2) break;
    for (const word of words) {
      const out: number[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (word.symbols[i] === best[0] && word.symbols[i + 1] === best[1]) {
          out.push(256 + k);
          i++;
        } else {
          out.push(word.symbols[i] as number);
        }
      }
      word.symbols = out;
    }
    merges.push([best[0], best[1]]);
  }
  return merges;
}

/** Reference encoder: re-scans the piece for the lowest-ranked adjacent pair (leftmost) until none is left. */
function referenceEncode(tok: Tokenizer, ranks: ReadonlyMap<string, number>, text: string): number[] {
  return preTokenize(text).flatMap((piece) => {
    const symbols = [...bytesToSymbols(new TextEncoder().encode(piece))];
    for (;;) {
      let bestAt = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [bestAt, bestRank] = [i, rank];
      }
      if (bestAt < 0) break;
      symbols.splice(bestAt, 2, (symbols[bestAt] as string) + (symbols[bestAt + 1] as string));
    }
    return symbols.map((symbol) => tok.tokenId(symbol) as number);
  });
}

describe('GPT-2 byte alphabet', () => {
  it('gives every byte its own character and round-trips all 256 bytes', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    const all = Uint8Array.from({ length: 256 }, (_, b) => b);
    const symbols = bytesToSymbols(all);
    expect([...symbols]).toHaveLength(256);
    expect(symbolsToBytes(symbols)).toEqual(all);
  });

  it('keeps printable bytes and moves the others to U+0100 and up, as GPT-2 does', () => {
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
    expect(BYTE_TO_CHAR[0xe9]).toBe('é');
    expect(BYTE_TO_CHAR[0x00]).toBe('\u0100');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0xad]).toBe('Ń');
    expect(bytesToSymbols(new TextEncoder().encode(' héllo'))).toBe('ĠhÃ©llo');
  });

  it('rejects characters outside the alphabet', () => {
    expect(symbolsToBytes('a b')).toBeUndefined();
    expect(symbolsToBytes('€')).toBeUndefined();
  });
});

describe('preTokenize (llama.cpp gpt-2 pre-tokenizer)', () => {
  const cases: Array<[string, string[]]> = [
    ["I'm here, they'LL go", ['I', "'m", ' here', ',', ' they', "'", 'LL', ' go']],
    ["we'll see 'em, you've 're 's", ['we', "'ll", ' see', " '", 'em', ',', ' you', "'ve", " '", 're', " '", 's']],
    ["it's", ['it', "'s"]],
    ['a  b', ['a', ' ', ' b']],
    ['a   b', ['a', '  ', ' b']],
    ['   lead', ['  ', ' lead']],
    ['trail   ', ['trail', '   ']],
    ['x\n\ny', ['x', '\n', '\n', 'y']],
    ['x \n y', ['x', ' \n', ' y']],
    ['tab\t\tx', ['tab', '\t', '\t', 'x']],
    ['12345 3.14 1,000', ['12345', ' 3', '.', '14', ' 1', ',', '000']],
    ['½²⅞', ['½²⅞']],
    ['héllo wörld café', ['héllo', ' wörld', ' café']],
    ['e\u0301t\u00e9', ['e', '\u0301', 't\u00e9']],
    ['emoji 😀👍🏽 ok!!', ['emoji', ' 😀👍🏽', ' ok', '!!']],
    ['数学 问题', ['数学', ' 问题']],
    ['$5.00?!', ['$', '5', '.', '00', '?!']],
    ['x\u0085y', ['x', '\u0085', 'y']],
    ['x\ufeffy', ['x', '\ufeff', 'y']],
    ['x\u00a0 y', ['x', '\u00a0', ' y']],
    ['x\u001cy', ['x', '\u001c', 'y']],
    ['x𐵐y', ['x', '𐵐', 'y']],
    ['lone \ud800 x', ['lone', ' \ufffd', ' x']],
    [' ', [' ']],
    ['', []],
  ];
  it.each(cases)('%j', (text, expected) => {
    expect(preTokenize(text)).toEqual(expected);
  });
});

describe('learnMerges', () => {
  const words = (counts: Record<string, number>) => Object.entries(counts).map(([w, count]) => ({ bytes: new TextEncoder().encode(w), count }));
  const code = (ch: string): number => ch.charCodeAt(0);

  it('merges the most frequent pair first, updating counts after each merge', () => {
    const merges = learnMerges(words({ hug: 10, pug: 5, pun: 12, bun: 4, hugs: 5 }), {
      maxNewSymbols: 4,
      minFrequency: 1,
    });
    expect(merges).toEqual([
      { left: code('u'), right: code('g'), result: 256, count: 20 },
      { left: code('u'), right: code('n'), result: 257, count: 16 },
      { left: code('h'), right: 256, result: 258, count: 15 },
      { left: code('p'), right: 257, result: 259, count: 12 },
    ]);
  });

  it('breaks ties by the smaller left symbol, then the smaller right symbol', () => {
    const merges = learnMerges(words({ cd: 3, ab: 3, ac: 3 }), { maxNewSymbols: 3, minFrequency: 1 });
    expect(merges.map((m) => [m.left, m.right])).toEqual([
      [code('a'), code('b')],
      [code('a'), code('c')],
      [code('c'), code('d')],
    ]);
  });

  it('stops below minFrequency and skips forbidden merges', () => {
    expect(learnMerges(words({ ab: 2, cd: 1 }), { maxNewSymbols: 10, minFrequency: 2 })).toHaveLength(1);
    const merges = learnMerges(words({ ab: 5, cd: 2 }), {
      maxNewSymbols: 10,
      minFrequency: 1,
      allowMerge: (bytes) => new TextDecoder().decode(bytes) !== 'ab',
    });
    expect(merges.map((m) => [m.left, m.right])).toEqual([[code('c'), code('d')]]);
  });

  it('merges overlapping occurrences left to right', () => {
    const merges = learnMerges(words({ aaaaa: 1 }), { maxNewSymbols: 2, minFrequency: 1 });
    // "a a a a a" -> "aa aa a": (aa, aa) and (aa, a) occur once each; the tie goes to the smaller right id.
    expect(merges).toEqual([
      { left: code('a'), right: code('a'), result: 256, count: 4 },
      { left: 256, right: code('a'), result: 257, count: 1 },
    ]);
  });
});

describe('trainTokenizer', () => {
  it('lays out special tokens, then the 256 bytes, then merges, up to vocabSize', () => {
    const tok = trainTokenizer(smallCorpus, { vocabSize: 300, specialTokens: ['[label]', '[rationale]'] });
    expect(tok.vocabSize).toBe(300);
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([0, 1, 2]);
    expect([0, 1, 2, 3, 4].map((id) => tok.tokenText(id))).toEqual(['<|bos|>', '<|eos|>', '<|pad|>', '[label]', '[rationale]']);
    expect([0, 1, 2, 3, 4, 5].map((id) => tok.isSpecial(id))).toEqual([true, true, true, true, true, false]);
    for (let b = 0; b < 256; b++) expect(tok.tokenText(5 + b)).toBe(BYTE_TO_CHAR[b]);
    expect(tok.toSpec().merges).toHaveLength(300 - 5 - 256);
    expect(tok.tokenText(261)).toBe('he'); // the most frequent pair in this corpus (10 times per copy)
  });

  it('is deterministic and independent of the order of the texts', () => {
    const a = trainTokenizer(smallCorpus, { vocabSize: 320 });
    const b = trainTokenizer(smallCorpus, { vocabSize: 320 });
    const c = trainTokenizer([...smallCorpus].reverse(), { vocabSize: 320 });
    expect(b.toSpec()).toEqual(a.toSpec());
    expect(c.toSpec()).toEqual(a.toSpec());
  });

  it('stops early when no pair reaches minFrequency', () => {
    const tok = trainTokenizer(['abc abc xyz'], { vocabSize: 1000, minFrequency: 2 });
    expect(tok.toSpec().merges.map(([l, r]) => l + r)).toEqual(['ab', 'abc']);
    expect(tok.vocabSize).toBe(3 + 256 + 2);
  });

  it('learns nothing from special tokens written in the corpus', () => {
    const corpus = Array.from({ length: 50 }, () => 'x ## y <|eos|> <|eos|>');
    const tok = trainTokenizer(corpus, { vocabSize: 300, specialTokens: ['##'] });
    expect(tok.toSpec().tokens.filter((t) => t === '##')).toHaveLength(1);
    expect(tok.tokenId('<|')).toBeUndefined();
    expect(tok.tokenId('|>')).toBeUndefined();
    expect(tok.encode('##')).toEqual([tok.tokenId('#'), tok.tokenId('#')]);
    expect(tok.encode('##', { parseSpecial: true })).toEqual([tok.tokenId('##')]);
  });

  it('never merges into a token whose vocabulary text is a special token', () => {
    // " t" is spelled "Ġt" in the byte alphabet; a special token with that text must stay the only "Ġt".
    const tok = trainTokenizer(smallCorpus, { vocabSize: 300, specialTokens: ['Ġt'] });
    const special = tok.tokenId('Ġt') as number;
    expect(tok.isSpecial(special)).toBe(true);
    expect(tok.encode(' t')).toEqual([tok.tokenId('Ġ'), tok.tokenId('t')]);
    expect(tok.encode('Ġt', { parseSpecial: true })).toEqual([special]);
    expect(tok.decode(tok.encode(' the'))).toBe(' the');
  });

  it('rejects a vocabulary too small for the special and byte tokens, and one-character special tokens', () => {
    expect(() => trainTokenizer(smallCorpus, { vocabSize: 200 })).toThrow(InputError);
    expect(() => trainTokenizer(smallCorpus, { vocabSize: 300, specialTokens: ['!'] })).toThrow(/specialTokens/);
  });
});

describe('Tokenizer encode / decode', () => {
  const tok = trainTokenizer(smallCorpus, { vocabSize: 400, specialTokens: ['[label]', '[label][x]'] });

  it('round-trips text it was not trained on, including bytes it never saw merged', () => {
    for (const text of ['Zebras ζ 🦓 quietly\n\n\tgraze… ', '\ufeffBOM first', 'ctrl \u0000\u0001 x', '']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  it('applies merges by rank: a trained word becomes one token', () => {
    const ids = tok.encode(' apples');
    expect(ids.map((id) => tok.tokenText(id))).toEqual(['Ġapples']);
    expect(tok.encode('The answer is 7.').length).toBeLessThan(utf8Length('The answer is 7.') / 2);
  });

  it('recognises special tokens only with parseSpecial, longest first', () => {
    const text = '<|bos|>Q [label][x] A [label]<|eos|>';
    const plain = tok.encode(text);
    expect(plain.some((id) => tok.isSpecial(id))).toBe(false);
    expect(tok.decode(plain)).toBe(text);

    const parsed = tok.encode(text, { parseSpecial: true });
    expect(parsed.filter((id) => tok.isSpecial(id)).map((id) => tok.tokenText(id))).toEqual(['<|bos|>', '[label][x]', '[label]', '<|eos|>']);
    expect(tok.decode(parsed)).toBe(text);
    expect(tok.decode(parsed, { skipSpecial: true })).toBe('Q  A ');
  });

  it('adds bos and eos on request', () => {
    const ids = tok.encode('hi', { addBos: true, addEos: true });
    expect(ids[0]).toBe(tok.bosId);
    expect(ids[ids.length - 1]).toBe(tok.eosId);
    expect(tok.decode(ids, { skipSpecial: true })).toBe('hi');
  });

  it('replaces an unfinished UTF-8 character with U+FFFD only where it is cut', () => {
    const ids = tok.encode('né');
    const bytesOfE = tok.encode('é');
    expect(bytesOfE).toHaveLength(2); // never merged in this corpus: two byte tokens
    expect(tok.decode(ids.slice(0, -1))).toBe('n\ufffd');
    expect(() => tok.decode([tok.vocabSize])).toThrow(RangeError);
  });

  it('streams text only once a multibyte character is complete', () => {
    const ids = tok.encode('a😀b');
    expect(ids).toHaveLength(6); // a, four bytes of the emoji, b
    const stream = tok.createStreamingDecoder();
    const outputs = ids.map((id) => stream.push(id));
    expect(outputs).toEqual(['a', '', '', '', '😀', 'b']);
    expect(stream.flush()).toBe('');

    const cut = tok.createStreamingDecoder();
    expect(cut.push(ids.slice(0, 3))).toBe('a');
    expect(cut.flush()).toBe('\ufffd');
  });
});

describe('tokenizer.json', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apprentice-tokenizer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const tok = trainTokenizer(smallCorpus, { vocabSize: 350, specialTokens: ['[label]'] });

  it('saves a Hugging Face byte-level BPE file and loads it back identically', async () => {
    const path = join(dir, 'tokenizer.json');
    await tok.saveTokenizerJson(path);
    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(json.model.type).toBe('BPE');
    expect(json.pre_tokenizer).toMatchObject({ type: 'ByteLevel', add_prefix_space: false, use_regex: true });
    expect(json.decoder.type).toBe('ByteLevel');
    expect(json.model.vocab['Ġt']).toBe(tok.tokenId('Ġt'));
    expect(json.model.merges[0]).toBe('h e');
    expect(json.added_tokens).toHaveLength(4);
    expect(json.added_tokens[3]).toEqual({
      id: 3,
      content: '[label]',
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });

    const loaded = await Tokenizer.loadTokenizerJson(path);
    expect(loaded.toSpec()).toEqual(tok.toSpec());
    for (const text of SMALL_CORPUS) {
      expect(loaded.encode(text, { parseSpecial: true })).toEqual(tok.encode(text, { parseSpecial: true }));
    }
  });

  it('accepts merges written as pairs, as newer tokenizers versions write them', () => {
    const json = tok.toHfTokenizerJson();
    const pairs = { ...json, model: { ...json.model, merges: json.model.merges.map((m) => m.split(' ')) } };
    expect(Tokenizer.fromHfTokenizerJson(pairs).toSpec()).toEqual(tok.toSpec());
  });

  it('names the file and field of a broken tokenizer.json', async () => {
    const json = tok.toHfTokenizerJson();
    const path = join(dir, 'broken.json');
    const badMerge = { ...json, model: { ...json.model, merges: [...json.model.merges, 'zz qq'] } };
    await writeFile(path, JSON.stringify(badMerge));
    const error = await Tokenizer.loadTokenizerJson(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(path);
    expect((error as InputError).field).toBe(`model.merges[${json.model.merges.length}]`);

    const noPreTokenizer = { ...json, pre_tokenizer: null };
    expect(() => Tokenizer.fromHfTokenizerJson(noPreTokenizer)).toThrow(/pre_tokenizer/);
    await writeFile(path, '{ not json');
    await expect(Tokenizer.loadTokenizerJson(path)).rejects.toThrow(InputError);
  });

  it('names the special tokens for transformers in tokenizer_config.json', () => {
    expect(tok.toHfTokenizerConfig()).toMatchObject({
      bos_token: '<|bos|>',
      eos_token: '<|eos|>',
      pad_token: '<|pad|>',
      add_bos_token: false,
      additional_special_tokens: ['[label]'],
    });
  });

  it('exports the GGUF vocabulary arrays', () => {
    const gguf = tok.toGgufVocab();
    expect(gguf.model).toBe('gpt2');
    expect(gguf.pre).toBe('gpt-2');
    expect(gguf.tokens).toHaveLength(350);
    expect(gguf.tokenTypes.slice(0, 5)).toEqual([3, 3, 3, 3, 1]);
    expect(gguf.tokenTypes.filter((t) => t === 1)).toHaveLength(346);
    expect(gguf.merges).toHaveLength(350 - 4 - 256);
    expect(gguf.merges[0]).toBe('h e');
    expect([gguf.bosId, gguf.eosId, gguf.padId]).toEqual([0, 1, 2]);
  });
});

describe.skipIf(!haveDatasets)('on real corpora (shared/datasets)', () => {
  const gsm8kTrain = haveDatasets ? jsonLines(join(datasets, 'gsm8k/train.jsonl')) : [];
  const gsm8kTest = haveDatasets ? jsonLines(join(datasets, 'gsm8k/test.jsonl')) : [];
  const svamp = haveDatasets ? [...jsonLines(join(datasets, 'svamp/svamp_train.json')), ...jsonLines(join(datasets, 'svamp/svamp_test.json'))] : [];
  const corpus = gsm8kTrain.flatMap((row) => [row.question as string, row.answer as string]);
  let tok: Tokenizer;

  beforeAll(() => {
    tok = trainTokenizer(corpus, { vocabSize: 4096, specialTokens: ['[label]', '[rationale]'] });
  });

  it('trains a 4k vocabulary on GSM8K train (~4 MB)', () => {
    expect(tok.vocabSize).toBe(4096);
  });

  it('round-trips every line of GSM8K train and SVAMP losslessly', () => {
    const lines = [...gsm8kTrain.flatMap((row) => [row.question as string, row.answer as string]), ...svamp.map((row) => row.input as string)];
    expect(lines.length).toBeGreaterThan(15_000);
    const failures = lines.filter((line) => tok.decode(tok.encode(line)) !== line);
    expect(failures).toEqual([]);
    for (const line of lines.slice(0, 2000)) expect(preTokenize(line).join('')).toBe(line);
  });

  it('learns the same merges as a trainer that recounts every pair at each step', () => {
    const pieces = new Map<string, number>();
    for (const row of svamp) {
      for (const piece of preTokenize(row.input as string)) pieces.set(piece, (pieces.get(piece) ?? 0) + 1);
    }
    const words = [...pieces].map(([piece, count]) => ({ bytes: new TextEncoder().encode(piece), count }));
    const fast = learnMerges(words, { maxNewSymbols: 300, minFrequency: 2 });
    expect(fast.map((m) => [m.left, m.right])).toEqual(referenceMerges(pieces, 300));
    expect(fast.map((m) => m.result)).toEqual(fast.map((_, k) => 256 + k));
  });

  it('encodes like a reference BPE that re-scans for the lowest-ranked pair', () => {
    const ranks = new Map(tok.toSpec().merges.map(([l, r], rank) => [`${l} ${r}`, rank]));
    for (const row of gsm8kTest.slice(0, 400)) {
      for (const text of [row.question as string, row.answer as string]) {
        expect(tok.encode(text)).toEqual(referenceEncode(tok, ranks, text));
      }
    }
  });

  it('compresses held-out text sensibly', () => {
    const heldOut = gsm8kTest.map((row) => row.question as string);
    const bytes = heldOut.reduce((sum, text) => sum + utf8Length(text), 0);
    const tokens = heldOut.reduce((sum, text) => sum + tok.encode(text).length, 0);
    const bytesPerToken = bytes / tokens;
    expect(bytesPerToken).toBeGreaterThan(3.5);
    expect(bytesPerToken).toBeLessThan(8);

    const small = trainTokenizer(corpus.slice(0, 2000), { vocabSize: 512 });
    const smallTokens = heldOut.reduce((sum, text) => sum + small.encode(text).length, 0);
    expect(smallTokens).toBeGreaterThan(tokens);
  });
});

/**
 * A GGUF file holding only a Llama header and a tokenizer, enough for llama.cpp to load the vocabulary
 * (node-llama-cpp's vocabOnly). It exists so this test needs nothing but the tokenizer; the engine's GGUF
 * writer is tested on its own.
 */
function vocabOnlyGguf(tok: Tokenizer): Buffer {
  const vocab = tok.toGgufVocab();
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    parts.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    u64(b.length);
    parts.push(b);
  };
  const [UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY] = [4, 5, 6, 7, 8, 9];
  const kv: Array<[string, () => void]> = [
    ['general.architecture', () => (u32(STRING), str('llama'))],
    ['llama.context_length', () => (u32(UINT32), u32(64))],
    ['llama.embedding_length', () => (u32(UINT32), u32(8))],
    ['llama.block_count', () => (u32(UINT32), u32(1))],
    ['llama.feed_forward_length', () => (u32(UINT32), u32(16))],
    ['llama.attention.head_count', () => (u32(UINT32), u32(2))],
    [
      'llama.attention.layer_norm_rms_epsilon',
      () => {
        u32(FLOAT32);
        const b = Buffer.alloc(4);
        b.writeFloatLE(1e-5);
        parts.push(b);
      },
    ],
    ['tokenizer.ggml.model', () => (u32(STRING), str(vocab.model))],
    ['tokenizer.ggml.pre', () => (u32(STRING), str(vocab.pre))],
    ['tokenizer.ggml.tokens', () => (u32(ARRAY), u32(STRING), u64(vocab.tokens.length), vocab.tokens.forEach(str))],
    [
      'tokenizer.ggml.token_type',
      () => {
        u32(ARRAY);
        u32(INT32);
        u64(vocab.tokenTypes.length);
        vocab.tokenTypes.forEach((t) => u32(t));
      },
    ],
    ['tokenizer.ggml.merges', () => (u32(ARRAY), u32(STRING), u64(vocab.merges.length), vocab.merges.forEach(str))],
    ['tokenizer.ggml.bos_token_id', () => (u32(UINT32), u32(vocab.bosId))],
    ['tokenizer.ggml.eos_token_id', () => (u32(UINT32), u32(vocab.eosId))],
    ['tokenizer.ggml.padding_token_id', () => (u32(UINT32), u32(vocab.padId))],
    ['tokenizer.ggml.add_bos_token', () => (u32(BOOL), parts.push(Buffer.of(0)))],
  ];
  parts.push(Buffer.from('GGUF', 'ascii'));
  u32(3); // version
  u64(0); // tensors
  u64(kv.length);
  for (const [key, writeValue] of kv) {
    str(key);
    writeValue();
  }
  return Buffer.concat(parts);
}

describe('parity with llama.cpp (node-llama-cpp, tokenizer.ggml.pre = "gpt-2")', () => {
  const TRICKY = [
    "I'm here, you're there; they'LL go. it's 'quoted' don't",
    'a  b   c    d',
    'x\n\ny\n \n z',
    '   lead',
    'trail   ',
    'tab\t\tx',
    ' \t\n',
    '\n\n\n',
    'héllo wörld café naïve',
    '数学 问题 ３４５',
    'emoji 😀👍🏽 👨‍👩‍👧 ok',
    '12345 3.14159 1,000,000 ½ ² ⅞',
    'x\u00a0y\u2003z\u0085w\ufeffv',
    '\u001c\u001d x',
    'combining e\u0301 a\u0300\u0301',
    '<|bos|>Q: [label] 5 [rationale] because<|eos|><|pad|>',
    '[label][label] <|eos|>x',
    'lone \ud800 surrogate \udc00 x',
    "'s 't 're 've 'm 'll 'd 'S 'x '",
    '\u2028line\u2029para',
    'Garay 𐵐𐵑 Kirat 𖵀𖵁 number 𐵀𐵁 Egyptian 𓑠',
    'ab\u0000cd\u007f',
  ];
  const lines: string[] = [...TRICKY];
  let trainingTexts = smallCorpus;
  if (haveDatasets) {
    const gsm8kTrain = jsonLines(join(datasets, 'gsm8k/train.jsonl'));
    trainingTexts = gsm8kTrain.slice(0, 3000).flatMap((row) => [row.question as string, row.answer as string]);
    const gsm8kTest = jsonLines(join(datasets, 'gsm8k/test.jsonl'));
    const svamp = jsonLines(join(datasets, 'svamp/svamp_test.json'));
    lines.push(
      ...gsm8kTest.slice(0, 200).map((row) => row.question as string),
      ...gsm8kTest.slice(200, 300).map((row) => row.answer as string),
      ...svamp.slice(0, 100).map((row) => `[label] ${row.input}<|eos|>`),
    );
  } else {
    lines.push(...SMALL_CORPUS);
  }
  const tok = trainTokenizer(trainingTexts, { vocabSize: 1500, specialTokens: ['[label]', '[rationale]'] });

  let dir: string;
  let dispose: () => Promise<void> = async () => {};
  let llamaTokenize: (text: string, special: boolean) => number[];
  let llamaPiece: (id: number) => string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apprentice-tokenizer-gguf-'));
    const path = join(dir, 'vocab.gguf');
    await writeFile(path, vocabOnlyGguf(tok));
    const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.disabled });
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
    llamaTokenize = (text, special) => model.tokenize(text, special).map(Number);
    llamaPiece = (id) => model.detokenize([id as never]);
    dispose = async () => {
      await model.dispose();
      await llama.dispose();
    };
  });
  afterAll(async () => {
    await dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('tokenizes every string exactly as llama.cpp does', () => {
    expect(lines.length).toBeGreaterThan(haveDatasets ? 400 : 20);
    for (const text of lines) {
      expect(tok.encode(text), JSON.stringify(text)).toEqual(llamaTokenize(text, false));
    }
  });

  it('parses special tokens exactly as llama.cpp does with parse_special', () => {
    for (const text of lines) {
      expect(tok.encode(text, { parseSpecial: true }), JSON.stringify(text)).toEqual(llamaTokenize(text, true));
    }
    expect(llamaTokenize('<|eos|>', true)).toEqual([tok.eosId]);
  });

  it('gives every normal token the same text as llama.cpp', () => {
    // llama_detokenize cleans up spaces for "gpt-2" vocabularies (" ." -> ".", " 's" -> "'s"; clean_spaces),
    // so tokens that start a space before punctuation are left out; decode here stays lossless.
    let compared = 0;
    for (let id = 0; id < tok.vocabSize; id++) {
      const text = tok.decode([id]);
      if (tok.isSpecial(id) || / [?!.,']/.test(text)) continue;
      expect(text, `token ${id}`).toBe(llamaPiece(id));
      compared++;
    }
    expect(compared).toBeGreaterThan(tok.vocabSize * 0.9);
  });
});
