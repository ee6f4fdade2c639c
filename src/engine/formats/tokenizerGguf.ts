/**
 * A tokenizer as GGUF metadata (tokenizer.ggml.*, tokenizer.chat_template), written as llama.cpp's
 * convert_hf_to_gguf.py writes it, so llama.cpp, Ollama and node-llama-cpp tokenize and chat with an exported
 * model as with the base model's official GGUF:
 *
 *   tokenizer.ggml.model          "gpt2" (byte-level BPE: GPT-2, Llama 3, Qwen2/2.5/3, SmolLM/SmolLM2)
 *   tokenizer.ggml.pre            the pre-tokenizer type, chosen as get_vocab_base_pre does: the sha256 of the
 *                                 ids of a check text (KNOWN_PRE_HASHES), else read from tokenizer.json's
 *                                 pre_tokenizer; unknown is an error (llama.cpp would tokenize differently)
 *   tokenizer.ggml.tokens         token texts by id; ids the tokenizer lacks up to the model's vocabulary
 *                                 size are "[PAD<id>]"
 *   tokenizer.ggml.token_type     normal, control (special added tokens), user-defined (other added tokens),
 *                                 unused (padding)
 *   tokenizer.ggml.merges         "left right" in rank order
 *   tokenizer.ggml.*_token_id     bos (if any), eos, padding, unknown (if any)
 *   tokenizer.ggml.add_bos_token / add_eos_token
 *   tokenizer.chat_template       the chat template, if any
 *
 * A SentencePiece-style tokenizer (byte_fallback BPE, spaces as "▁": Llama 2, TinyLlama) is written as
 * tokenizer.ggml.model "llama" instead (./sentencePieceGguf.ts): pieces, scores, types, add_space_prefix.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../util/errors.js';
import { GGUF_TOKEN_TYPE, Tokenizer } from '../tokenizer.js';
import { HfTokenizer } from '../tokenizers/hfTokenizer.js';
import type { TextTokenizer } from '../tokenizers/textTokenizer.js';
import { gguf, type GgufValue } from './gguf.js';
import { sentencePieceScores } from './sentencePieceGguf.js';

/** convert_hf_to_gguf.py's check text (get_vocab_base_pre's chktxt). */
export const PRE_TOKENIZER_CHECK_TEXT =
  "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 ?我想在apple工作1314151天～ ------======= нещо на Български ''''''```````\"\"\"\"......!!!!!!?????? I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL";

/** sha256 of the check text's ids (as Python prints a list) -> pre-tokenizer type, for the supported families. */
const KNOWN_PRE_HASHES: Readonly<Record<string, string>> = {
  '0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5': 'llama-bpe', // Meta-Llama-3-8B (Llama 3.x)
  e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea: 'qwen2', // Qwen1.5 (Qwen2, 2.5, 3)
  d4540891389ea895b53b399da6ac824becc30f2fba0e9ddbb98f92e55ca0e97c: 'qwen2', // Qwen3-Embedding
  '855059429035d75a914d1eda9f10a876752e281a054a7a3d421ef0533e5b6249': 'smollm', // SmolLM (SmolLM2)
  '3ce83efda5659b07b1ad37ca97ca5797ea4285d9b9ab0dc679e4a720c9da7454': 'gpt-2', // GPT-2
};

/** The pre-tokenizer regex of tokenizer.json's Split for each type llama.cpp implements under that name. */
export const PRE_TOKENIZER_SPLIT_REGEX: Readonly<Record<'llama-bpe' | 'qwen2', string>> = {
  'llama-bpe': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  qwen2: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

const KNOWN_SPLIT_REGEXES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PRE_TOKENIZER_SPLIT_REGEX).map(([type, regex]) => [regex, type]),
);

export interface TokenizerGgufOptions {
  /** The model's vocabulary size (rows of the embedding); at least the tokenizer's. */
  vocabSize: number;
  /** Overrides the tokenizer's add-BOS behaviour (tokenizer.ggml.add_bos_token). */
  addBos?: boolean;
  /** Overrides the tokenizer's chat template (tokenizer.chat_template). */
  chatTemplate?: string;
}

/** The tokenizer.* metadata of a GGUF, in the order convert_hf_to_gguf.py writes it. */
export function tokenizerGgufMetadata(tokenizer: TextTokenizer, options: TokenizerGgufOptions): Map<string, GgufValue> {
  if (tokenizer.vocabSize > options.vocabSize) {
    throw new RangeError(`GGUF: the tokenizer has ${tokenizer.vocabSize} tokens but the model's vocabSize is ${options.vocabSize}`);
  }
  const metadata =
    tokenizer instanceof HfTokenizer && isSentencePiece(tokenizer)
      ? sentencePieceGgufVocab(tokenizer, options.vocabSize)
      : byteLevelMetadata(tokenizer, options.vocabSize);
  if (tokenizer.bosId !== undefined) metadata.set('tokenizer.ggml.bos_token_id', gguf.uint32(tokenizer.bosId));
  metadata.set('tokenizer.ggml.eos_token_id', gguf.uint32(tokenizer.eosId));
  const unkId = tokenizer instanceof HfTokenizer ? tokenizer.unkId : undefined;
  if (unkId !== undefined) metadata.set('tokenizer.ggml.unknown_token_id', gguf.uint32(unkId));
  metadata.set('tokenizer.ggml.padding_token_id', gguf.uint32(tokenizer.padId));
  metadata.set('tokenizer.ggml.add_bos_token', gguf.bool(options.addBos ?? tokenizer.addsBos));
  metadata.set('tokenizer.ggml.add_eos_token', gguf.bool(tokenizer instanceof HfTokenizer ? tokenizer.addsEos : false));
  const chatTemplate = options.chatTemplate ?? tokenizer.chatTemplate;
  if (chatTemplate !== undefined) metadata.set('tokenizer.chat_template', gguf.string(chatTemplate));
  return metadata;
}

function byteLevelMetadata(tokenizer: TextTokenizer, vocabSize: number): Map<string, GgufValue> {
  const vocab = tokenizer instanceof HfTokenizer ? hfVocab(tokenizer, vocabSize) : bpeVocab(tokenizer, vocabSize);
  return new Map<string, GgufValue>([
    ['tokenizer.ggml.model', gguf.string('gpt2')],
    ['tokenizer.ggml.pre', gguf.string(vocab.pre)],
    ['tokenizer.ggml.tokens', gguf.array('string', vocab.tokens)],
    ['tokenizer.ggml.token_type', gguf.array('int32', vocab.tokenTypes)],
    ['tokenizer.ggml.merges', gguf.array('string', vocab.merges)],
  ]);
}

function isSentencePiece(tokenizer: HfTokenizer): boolean {
  return (tokenizer.files.tokenizerJson.model as Record<string, unknown>).byte_fallback === true;
}

/** tokenizer.ggml.model "llama" metadata of a byte_fallback BPE tokenizer.json (see ./sentencePieceGguf.ts). */
function sentencePieceGgufVocab(tokenizer: HfTokenizer, vocabSize: number): Map<string, GgufValue> {
  const file = tokenizer.files.dir ? `${tokenizer.files.dir}/tokenizer.json` : 'tokenizer.json';
  const json = tokenizer.files.tokenizerJson;
  const model = json.model as Record<string, unknown>;
  const pieces: string[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) pieces.push(tokenizer.hasToken(id) ? tokenizer.tokenText(id) : `[PAD${id}]`);
  const { scores, tokenTypes, addSpacePrefix } = sentencePieceScores(
    pieces,
    (id) =>
      !tokenizer.hasToken(id)
        ? 'unused'
        : id === tokenizer.unkId
          ? 'unknown'
          : tokenizer.isSpecial(id)
            ? 'control'
            : tokenizer.isAdded(id)
              ? 'userDefined'
              : 'normal',
    mergeStrings(model.merges, file),
    { normalizer: json.normalizer, preTokenizer: json.pre_tokenizer, file },
  );
  for (let id = pieces.length; id < vocabSize; id++) {
    pieces.push(`[PAD${id}]`);
    scores.push(0);
    tokenTypes.push(GGUF_TOKEN_TYPE.unused);
  }
  return new Map<string, GgufValue>([
    ['tokenizer.ggml.model', gguf.string('llama')],
    ['tokenizer.ggml.tokens', gguf.array('string', pieces)],
    ['tokenizer.ggml.scores', gguf.array('float32', scores)],
    ['tokenizer.ggml.token_type', gguf.array('int32', tokenTypes)],
    ['tokenizer.ggml.add_space_prefix', gguf.bool(addSpacePrefix)],
  ]);
}

function mergeStrings(merges: unknown, file: string): string[] {
  return (Array.isArray(merges) ? merges : []).map((merge: unknown, i) => {
    if (typeof merge === 'string') return merge;
    if (Array.isArray(merge) && merge.length === 2) return `${merge[0]} ${merge[1]}`;
    throw new InputError('expected "left right" or ["left", "right"]', { file, field: `model.merges[${i}]` });
  });
}

interface Vocab {
  pre: string;
  tokens: string[];
  tokenTypes: number[];
  merges: string[];
}

/** Pads the vocabulary to the model's size with unused tokens (llama.cpp needs a token per embedding row). */
function padTo(vocab: Vocab, vocabSize: number, name: (id: number) => string): Vocab {
  for (let id = vocab.tokens.length; id < vocabSize; id++) {
    vocab.tokens.push(name(id));
    vocab.tokenTypes.push(GGUF_TOKEN_TYPE.unused);
  }
  return vocab;
}

function bpeVocab(tokenizer: TextTokenizer, vocabSize: number): Vocab {
  if (!(tokenizer instanceof Tokenizer)) throw new TypeError('GGUF: unknown tokenizer kind');
  const v = tokenizer.toGgufVocab();
  return padTo({ pre: v.pre, tokens: v.tokens, tokenTypes: v.tokenTypes, merges: v.merges }, vocabSize, (id) => `<|unused_${id}|>`);
}

function hfVocab(tokenizer: HfTokenizer, vocabSize: number): Vocab {
  const file = tokenizer.files.dir ? `${tokenizer.files.dir}/tokenizer.json` : 'tokenizer.json';
  const json = tokenizer.files.tokenizerJson;
  const model = json.model as Record<string, unknown>;
  if (model.type !== 'BPE') {
    throw new InputError(`GGUF export supports byte-level BPE tokenizers; this one is ${JSON.stringify(model.type)}`, { file, field: 'model.type' });
  }
  if (!mentionsByteLevel(json.pre_tokenizer)) {
    throw new InputError('GGUF export supports byte-level BPE ("gpt2" in GGUF) and byte_fallback BPE ("llama"); this BPE is neither', {
      file,
      field: 'pre_tokenizer',
    });
  }
  const tokens: string[] = [];
  const tokenTypes: number[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if (!tokenizer.hasToken(id)) {
      tokens.push(`[PAD${id}]`);
      tokenTypes.push(GGUF_TOKEN_TYPE.unused);
      continue;
    }
    tokens.push(tokenizer.tokenText(id));
    tokenTypes.push(tokenizer.isSpecial(id) ? GGUF_TOKEN_TYPE.control : tokenizer.isAdded(id) ? GGUF_TOKEN_TYPE.userDefined : GGUF_TOKEN_TYPE.normal);
  }
  const merges = mergeStrings(model.merges, file);
  return padTo({ pre: preTokenizerType(tokenizer), tokens, tokenTypes, merges }, vocabSize, (id) => `[PAD${id}]`);
}

/** tokenizer.ggml.pre for a Hugging Face tokenizer (see the module comment). */
export function preTokenizerType(tokenizer: HfTokenizer): string {
  const ids = tokenizer.encode(PRE_TOKENIZER_CHECK_TEXT, { addBos: tokenizer.addsBos, addEos: tokenizer.addsEos });
  const candidates = [ids];
  // The converter hashes transformers' encode(), which adds BOS where the model's post-processor does; a
  // tokenizer.json copied without that post-processor still matches with BOS put back.
  if (tokenizer.bosId !== undefined && ids[0] !== tokenizer.bosId) candidates.push([tokenizer.bosId, ...ids]);
  for (const candidate of candidates) {
    const hash = createHash('sha256')
      .update(`[${candidate.join(', ')}]`)
      .digest('hex');
    const known = KNOWN_PRE_HASHES[hash];
    if (known) return known;
  }
  const fromConfig = preTokenizerFromConfig(tokenizer.files.tokenizerJson.pre_tokenizer);
  if (fromConfig) return fromConfig;
  throw new InputError(
    `the pre-tokenizer is not one llama.cpp implements for the supported models (llama-bpe, qwen2, smollm, gpt-2); check-text hash ${createHash('sha256')
      .update(`[${ids.join(', ')}]`)
      .digest('hex')}`,
    { file: tokenizer.files.dir ? `${tokenizer.files.dir}/tokenizer.json` : 'tokenizer.json', field: 'pre_tokenizer' },
  );
}

function preTokenizerFromConfig(pre: unknown): string | undefined {
  if (!isObject(pre)) return undefined;
  if (pre.type === 'ByteLevel') return pre.use_regex === false ? undefined : 'gpt-2';
  if (pre.type !== 'Sequence' || !Array.isArray(pre.pretokenizers)) return undefined;
  const [first, second, ...rest] = pre.pretokenizers as unknown[];
  if (rest.length > 0 || !isObject(first) || !isObject(second) || second.type !== 'ByteLevel') return undefined;
  if (first.type === 'Digits' && first.individual_digits === true && second.use_regex !== false) return 'smollm';
  const pattern = isObject(first.pattern) ? first.pattern.Regex : undefined;
  if (first.type === 'Split' && typeof pattern === 'string' && second.use_regex === false) return KNOWN_SPLIT_REGEXES[pattern];
  return undefined;
}

function mentionsByteLevel(pre: unknown): boolean {
  if (!isObject(pre)) return false;
  if (pre.type === 'ByteLevel') return true;
  return Array.isArray(pre.pretokenizers) && pre.pretokenizers.some(mentionsByteLevel);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
