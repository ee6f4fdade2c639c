/**
 * A GGUF's tokenizer (tokenizer.ggml.*, tokenizer.chat_template) rebuilt as Hugging Face tokenizer files, the
 * reverse of ./tokenizerGguf.ts, so a base given as a GGUF trains with an HfTokenizer that tokenizes exactly as
 * the base's Hugging Face folder does (and a checkpoint trained from it carries ordinary tokenizer files).
 *
 *   tokenizer.ggml.model "gpt2"   byte-level BPE
 *                        "llama"  SentencePiece BPE with byte fallback (Llama 2, TinyLlama): ./sentencePieceGguf.ts
 *                                 rebuilds it from the pieces' scores and types; any other kind ("bert",
 *                                 "t5", ...) is an error naming the field
 *   tokenizer.ggml.pre            (gpt2 only) the pre-tokenizer, as the base's tokenizer.json writes it:
 *                                   llama-bpe  Split(Llama 3 regex) + ByteLevel, ignore_merges (Llama 3.x)
 *                                   qwen2      NFC normalizer, Split(Qwen regex) + ByteLevel (Qwen2/2.5/3)
 *                                   smollm     Digits(individual) + ByteLevel(regex) (SmolLM/SmolLM2)
 *                                   gpt-2      ByteLevel(regex) (GPT-2, the engine's own BPE)
 *                                 any other is an error naming the field
 *   tokenizer.ggml.tokens / token_type
 *                                 normal tokens -> model.vocab; control and unknown -> special added tokens;
 *                                 user-defined -> non-special added tokens; unused (padding rows) -> dropped
 *   tokenizer.ggml.merges         model.merges in rank order
 *   *_token_id, add_bos/eos       tokenizer_config.json's token names and add_bos_token / add_eos_token (and
 *                                 a TemplateProcessing post-processor, so transformers adds them too)
 *   eos, eot, eom ids             generation_config.json's eos_token_id (every one ends generation)
 *   tokenizer.chat_template       tokenizer_config.json's chat_template
 *
 * Qwen's NFC normalizer is put back although llama.cpp does not run it: the point is tokenizing as the Hugging
 * Face folder does (see docs/engine.md on non-NFC text).
 */
import { InputError } from '../../util/errors.js';
import { GGUF_TOKEN_TYPE } from '../tokenizer.js';
import { HfTokenizer, type HfTokenizerFiles } from '../tokenizers/hfTokenizer.js';
import { plainValue, type ParsedGguf } from './gguf.js';
import { sentencePieceParts } from './sentencePieceGguf.js';
import { PRE_TOKENIZER_SPLIT_REGEX } from './tokenizerGguf.js';

type Json = Record<string, unknown>;

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
const SUPPORTED_PRE = ['llama-bpe', 'qwen2', 'smollm', 'gpt-2'] as const;
type PreType = (typeof SUPPORTED_PRE)[number];

/** The GGUF's tokenizer as an HfTokenizer; `file` names the GGUF in errors. */
export function tokenizerFromGguf(gguf: ParsedGguf, file: string): HfTokenizer {
  return new HfTokenizer(tokenizerFilesFromGguf(gguf, file));
}

/** The GGUF's tokenizer as the files of a Hugging Face folder (tokenizer.json, tokenizer_config.json, generation_config.json). */
export function tokenizerFilesFromGguf(gguf: ParsedGguf, file: string): HfTokenizerFiles {
  const value = (key: string): unknown => plainValue(gguf.metadata.get(key));
  const model = value('tokenizer.ggml.model');
  if (model === undefined) throw new InputError('the GGUF has no tokenizer (tokenizer.ggml.model is missing)', { file, field: 'tokenizer.ggml.model' });
  if (model !== 'gpt2' && model !== 'llama') {
    throw new InputError(
      `tokenizer ${JSON.stringify(model)} is not supported for training (only "gpt2", byte-level BPE: Llama 3, Qwen2/2.5/3, SmolLM2, GPT-2, and "llama", SentencePiece BPE: Llama 2, TinyLlama); give the model's Hugging Face folder instead`,
      { file, field: 'tokenizer.ggml.model' },
    );
  }
  const sentencePiece = model === 'llama';
  const pre = value('tokenizer.ggml.pre') ?? 'default';
  if (!sentencePiece && !SUPPORTED_PRE.includes(pre as PreType)) {
    throw new InputError(`pre-tokenizer ${JSON.stringify(pre)} is not supported (supported: ${SUPPORTED_PRE.join(', ')})`, {
      file,
      field: 'tokenizer.ggml.pre',
    });
  }
  const tokens = stringArray(value('tokenizer.ggml.tokens'), file, 'tokenizer.ggml.tokens');
  const types = numberArray(value('tokenizer.ggml.token_type') ?? tokens.map(() => GGUF_TOKEN_TYPE.normal), file, 'tokenizer.ggml.token_type');
  if (types.length !== tokens.length) {
    throw new InputError(`${types.length} token types for ${tokens.length} tokens`, { file, field: 'tokenizer.ggml.token_type' });
  }
  const merges = stringArray(value('tokenizer.ggml.merges') ?? [], file, 'tokenizer.ggml.merges');

  const vocab: Record<string, number> = {};
  const addedTokens: Json[] = [];
  tokens.forEach((text, id) => {
    const type = types[id] as number;
    if (type === GGUF_TOKEN_TYPE.normal || (sentencePiece && type === GGUF_TOKEN_TYPE.byte)) vocab[text] = id;
    else if (type === GGUF_TOKEN_TYPE.control || type === GGUF_TOKEN_TYPE.unknown || type === GGUF_TOKEN_TYPE.userDefined) {
      addedTokens.push({
        id,
        content: text,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: type !== GGUF_TOKEN_TYPE.userDefined,
      });
    } else if (type !== GGUF_TOKEN_TYPE.unused) {
      throw new InputError(
        `token ${id} (${JSON.stringify(text)}) has type ${type}, which a ${sentencePiece ? 'SentencePiece' : 'byte-level'} BPE does not use`,
        { file, field: 'tokenizer.ggml.token_type' },
      );
    }
  });

  const tokenId = (key: string): number | undefined => {
    const v = value(`tokenizer.ggml.${key}`);
    if (v === undefined) return undefined;
    const id = typeof v === 'bigint' ? Number(v) : v;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= tokens.length || types[id] === GGUF_TOKEN_TYPE.unused) {
      throw new InputError(`expected the id of a token (0..${tokens.length - 1}), got ${String(v)}`, { file, field: `tokenizer.ggml.${key}` });
    }
    return id;
  };
  const bosId = tokenId('bos_token_id');
  const eosId = tokenId('eos_token_id');
  if (eosId === undefined) throw new InputError('no end-of-sequence token', { file, field: 'tokenizer.ggml.eos_token_id' });
  const padId = tokenId('padding_token_id');
  const unkId = tokenId('unknown_token_id');
  const endOfTurnIds = [tokenId('eot_token_id'), tokenId('eom_token_id')].filter((id): id is number => id !== undefined && id !== eosId);
  const flag = (key: string, fallback: boolean): boolean => {
    const v = value(`tokenizer.ggml.${key}`);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new InputError(`expected a boolean, got ${String(v)}`, { file, field: `tokenizer.ggml.${key}` });
    return v;
  };
  const addBos = bosId !== undefined && flag('add_bos_token', false);
  const addEos = flag('add_eos_token', false);
  const chatTemplate = value('tokenizer.chat_template');
  if (chatTemplate !== undefined && typeof chatTemplate !== 'string') throw new InputError('expected a string', { file, field: 'tokenizer.chat_template' });
  const name = (id: number | undefined): string | null => (id === undefined ? null : (tokens[id] as string));

  const post = postProcessor(
    addBos ? { id: bosId as number, text: name(bosId) as string } : undefined,
    addEos ? { id: eosId, text: name(eosId) as string } : undefined,
  );
  const parts = sentencePiece
    ? {
        ...sentencePieceParts(tokens, types, optionalNumberArray(value('tokenizer.ggml.scores'), file, 'tokenizer.ggml.scores'), {
          unkToken: name(unkId),
          addSpacePrefix: flag('add_space_prefix', true),
          file,
        }),
        pre_tokenizer: null,
      }
    : {
        normalizer: pre === 'qwen2' ? { type: 'NFC' } : null,
        pre_tokenizer: preTokenizer(pre as PreType),
        decoder: { ...BYTE_LEVEL },
        model: {
          type: 'BPE',
          dropout: null,
          unk_token: name(unkId),
          continuing_subword_prefix: null,
          end_of_word_suffix: null,
          fuse_unk: false,
          byte_fallback: false,
          ignore_merges: pre === 'llama-bpe',
          vocab,
          merges,
        },
      };
  const tokenizerJson: Json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: parts.normalizer,
    pre_tokenizer: parts.pre_tokenizer,
    post_processor: sentencePiece && !post.single ? null : post,
    decoder: parts.decoder,
    model: parts.model,
  };
  const tokenizerConfig: Json = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: name(bosId),
    eos_token: name(eosId),
    pad_token: name(padId),
    unk_token: name(unkId),
    add_bos_token: addBos,
    add_eos_token: addEos,
    clean_up_tokenization_spaces: false,
    ...(chatTemplate !== undefined ? { chat_template: chatTemplate } : {}),
  };
  const generationConfig: Json = {
    ...(bosId !== undefined ? { bos_token_id: bosId } : {}),
    eos_token_id: endOfTurnIds.length > 0 ? [eosId, ...endOfTurnIds] : eosId,
    ...(padId !== undefined ? { pad_token_id: padId } : {}),
  };
  return { tokenizerJson, tokenizerConfig, generationConfig };
}

function preTokenizer(pre: PreType): Json {
  if (pre === 'gpt-2') return { ...BYTE_LEVEL };
  if (pre === 'smollm') return { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, { ...BYTE_LEVEL }] };
  return {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: PRE_TOKENIZER_SPLIT_REGEX[pre] }, behavior: 'Isolated', invert: false },
      { ...BYTE_LEVEL, use_regex: false },
    ],
  };
}

/** ByteLevel, or a TemplateProcessing that puts BOS first and/or EOS last, as the base models' tokenizer.json do. */
function postProcessor(bos: { id: number; text: string } | undefined, eos: { id: number; text: string } | undefined): Json {
  if (!bos && !eos) return { ...BYTE_LEVEL, trim_offsets: false };
  const special = (t: { text: string }) => ({ SpecialToken: { id: t.text, type_id: 0 } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const wrap = (id: 'A' | 'B', typeId: number) => [...(bos ? [special(bos)] : []), sequence(id, typeId), ...(eos ? [special(eos)] : [])];
  const specialTokens: Json = {};
  for (const t of [bos, eos]) if (t) specialTokens[t.text] = { id: t.text, ids: [t.id], tokens: [t.text] };
  return { type: 'TemplateProcessing', single: wrap('A', 0), pair: [...wrap('A', 0), ...wrap('B', 1)], special_tokens: specialTokens };
}

function stringArray(value: unknown, file: string, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new InputError('expected an array of strings', { file, field });
  return value as string[];
}

function optionalNumberArray(value: unknown, file: string, field: string): number[] | undefined {
  return value === undefined ? undefined : numberArray(value, file, field);
}

function numberArray(value: unknown, file: string, field: string): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number')) throw new InputError('expected an array of integers', { file, field });
  return value as number[];
}
