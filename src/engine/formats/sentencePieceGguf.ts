/**
 * A SentencePiece BPE vocabulary in a GGUF (tokenizer.ggml.model "llama": Llama 2, TinyLlama, Mistral 7B v0.1)
 * as the parts of a Hugging Face tokenizer.json, built as transformers' LlamaConverter builds them from
 * tokenizer.model, so the rebuilt tokenizer encodes as the model's own tokenizer.json and as llama.cpp:
 *
 *   model        BPE with byte_fallback (pieces <0x00>..<0xFF>), fuse_unk, the unknown token; the vocabulary is
 *                every normal, byte, control and unknown piece by id
 *   merges       SentencePieceExtractor's: for each piece, every split into two pieces of the vocabulary (in
 *                order of their ids), all ordered by the merged piece's score, highest first (a stable sort).
 *                SentencePiece merges the pair whose merged piece scores highest; a BPE merging by these ranks
 *                does the same
 *   normalizer   "▁" prepended (tokenizer.ggml.add_space_prefix, default true) and spaces replaced by "▁"
 *   decoder      "▁" back to spaces, byte pieces to bytes, the prefix space stripped
 *
 * Pieces of another type (user-defined) are added tokens; the caller adds control tokens as special added
 * tokens too, as tokenizer.json does.
 */
import { InputError } from '../../util/errors.js';
import { GGUF_TOKEN_TYPE } from '../tokenizer.js';

type Json = Record<string, unknown>;
const SPACE = '\u2581';

export interface SentencePieceParts {
  model: Json;
  normalizer: Json;
  decoder: Json;
}

export function sentencePieceParts(
  tokens: readonly string[],
  types: readonly number[],
  scores: readonly number[] | undefined,
  options: { unkToken: string | null; addSpacePrefix: boolean; file: string },
): SentencePieceParts {
  if (!scores) throw new InputError('a SentencePiece vocabulary needs its scores', { file: options.file, field: 'tokenizer.ggml.scores' });
  if (scores.length !== tokens.length)
    throw new InputError(`${scores.length} scores for ${tokens.length} tokens`, { file: options.file, field: 'tokenizer.ggml.scores' });
  const vocab: Record<string, number> = {};
  const inVocab = new Map<string, number>();
  tokens.forEach((text, id) => {
    const type = types[id];
    if (type === GGUF_TOKEN_TYPE.userDefined || type === GGUF_TOKEN_TYPE.unused) return;
    vocab[text] = id;
    inVocab.set(text, id);
  });
  return {
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: options.unkToken,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: extractMerges(tokens, types, scores, inVocab),
    },
    normalizer: {
      type: 'Sequence',
      normalizers: [...(options.addSpacePrefix ? [{ type: 'Prepend', prepend: SPACE }] : []), { type: 'Replace', pattern: { String: ' ' }, content: SPACE }],
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: SPACE }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        ...(options.addSpacePrefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
      ],
    },
  };
}

/** transformers' SentencePieceExtractor.extract with the pieces' scores (reverse order: highest score first). */
function extractMerges(tokens: readonly string[], types: readonly number[], scores: readonly number[], inVocab: ReadonlyMap<string, number>): string[] {
  const merges: Array<{ left: string; right: string; score: number }> = [];
  tokens.forEach((piece, id) => {
    if (types[id] === GGUF_TOKEN_TYPE.userDefined || types[id] === GGUF_TOKEN_TYPE.unused) return;
    const chars = Array.from(piece); // Python slices by code point
    const local: Array<{ left: string; right: string; score: number }> = [];
    for (let i = 1; i < chars.length; i++) {
      const left = chars.slice(0, i).join('');
      const right = chars.slice(i).join('');
      if (inVocab.has(left) && inVocab.has(right)) local.push({ left, right, score: scores[id] as number });
    }
    local.sort(
      (a, b) => (inVocab.get(a.left) as number) - (inVocab.get(b.left) as number) || (inVocab.get(a.right) as number) - (inVocab.get(b.right) as number),
    );
    merges.push(...local);
  });
  merges.sort((a, b) => b.score - a.score); // Array.prototype.sort is stable, as Python's sorted is
  return merges.map(({ left, right }) => `${left} ${right}`); // pieces hold no spaces (they are "▁")
}

export type PieceKind = 'normal' | 'unknown' | 'control' | 'userDefined' | 'unused';

/**
 * The reverse, for export: the scores and types of a byte_fallback BPE's pieces. A piece a merge makes scores
 * minus the rank of the first merge making it (so SentencePiece's highest-score-first merging follows the
 * BPE's ranks, and extracting merges from the scores gives them back); other pieces score below every merge.
 * The space prefix is the normalizer's Prepend("▁") (legacy Llama 2 files) or Metaspace's prepend scheme.
 */
export function sentencePieceScores(
  pieces: readonly string[],
  kindOf: (id: number) => PieceKind,
  merges: readonly string[],
  options: { normalizer: unknown; preTokenizer: unknown; file: string },
): { scores: number[]; tokenTypes: number[]; addSpacePrefix: boolean } {
  const firstRank = new Map<string, number>();
  merges.forEach((merge, rank) => {
    const piece = merge.replace(' ', '');
    if (!firstRank.has(piece)) firstRank.set(piece, rank);
  });
  const scores: number[] = [];
  const tokenTypes: number[] = [];
  pieces.forEach((piece, id) => {
    const kind = kindOf(id);
    const isByte = kind === 'normal' && /^<0x[0-9A-F]{2}>$/.test(piece);
    tokenTypes.push(isByte ? GGUF_TOKEN_TYPE.byte : GGUF_TOKEN_TYPE[kind]);
    const rank = firstRank.get(piece);
    scores.push(kind !== 'normal' || isByte ? 0 : rank !== undefined ? -rank : -(merges.length + id));
  });
  return { scores, tokenTypes, addSpacePrefix: spacePrefix(options.normalizer, options.preTokenizer, options.file) };
}

function spacePrefix(normalizer: unknown, preTokenizer: unknown, file: string): boolean {
  const steps = (value: unknown, key: string): Json[] => {
    if (!value || typeof value !== 'object') return [];
    const v = value as Json;
    return Array.isArray(v[key]) ? (v[key] as Json[]) : [v];
  };
  const normalizers = steps(normalizer, 'normalizers');
  const metaspace = steps(preTokenizer, 'pretokenizers').find((p) => p.type === 'Metaspace');
  if (metaspace) return metaspace.prepend_scheme !== undefined ? metaspace.prepend_scheme !== 'never' : metaspace.add_prefix_space !== false;
  const replacesSpaces = normalizers.some((n) => n.type === 'Replace' && (n.pattern as Json | undefined)?.String === ' ' && n.content === SPACE);
  if (!replacesSpaces) {
    throw new InputError(
      'a byte_fallback BPE without spaces as "▁" (a Replace normalizer or a Metaspace pre-tokenizer) is not a SentencePiece tokenizer llama.cpp implements',
      { file, field: 'normalizer' },
    );
  }
  return normalizers.some((n) => n.type === 'Prepend' && n.prepend === SPACE);
}
