/**
 * The built-in engine's tokenizer: a byte-level BPE trained on the task corpus.
 *
 * It tokenizes exactly like llama.cpp's "gpt2" tokenizer with the "gpt-2" pre-tokenizer
 * (tokenizer.ggml.model = "gpt2", tokenizer.ggml.pre = "gpt-2"), so a model exported to GGUF tokenizes the same
 * in llama.cpp / Ollama as here, and it saves as a Hugging Face tokenizer.json.
 *
 * Read top to bottom: 1. the GPT-2 byte alphabet, 2. pre-tokenization, 3. training, 4. the Tokenizer
 * (encode, decode, streaming decode), 5. files (tokenizer.json, the arrays GGUF needs).
 *
 * Id layout of a trained tokenizer: special tokens first (0 = <|bos|>, 1 = <|eos|>, 2 = <|pad|>, then the
 * caller's special tokens in the order given), then the 256 byte tokens in byte order, then one token per merge
 * in the order learned. A tokenizer.json loaded from elsewhere may use any layout.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { InputError } from '../util/errors.js';
import { learnMerges, PriorityQueue, type WordCount } from './bpeTrainer.js';
import { isObject } from '../util/isObject.js';
import type { DecodeOptions, EncodeOptions, StreamingDecoder, TextTokenizer } from './tokenizers/textTokenizer.js';

// ---------------------------------------------------------------------------------------------------------
// 1. The GPT-2 byte alphabet: every byte is shown as one printable character, so a token is a plain string.
//    Printable Latin-1 bytes stand for themselves; the other 68 bytes take the characters from U+0100 on.
// ---------------------------------------------------------------------------------------------------------

export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((ch, byte) => [ch, byte]));

function buildByteToChar(): string[] {
  const standsForItself = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const chars: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) chars.push(String.fromCodePoint(standsForItself(b) ? b : next++));
  return chars;
}

/** Bytes -> their byte-alphabet string (how normal tokens are written in vocabularies). */
export function bytesToSymbols(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_TO_CHAR[b];
  return out;
}

/** Byte-alphabet string -> bytes; undefined if a character is not in the alphabet. */
export function symbolsToBytes(symbols: string): Uint8Array | undefined {
  const out: number[] = [];
  for (const ch of symbols) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return Uint8Array.from(out);
}

const utf8 = new TextEncoder();

// ---------------------------------------------------------------------------------------------------------
// 2. Pre-tokenization: the GPT-2 pattern
//      's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//    evaluated the way llama.cpp does it (unicode.cpp, unicode_regex_split_custom_gpt2), on code points:
//    - contractions are lower-case only; "'" followed by anything else falls through to punctuation;
//    - \s is Unicode White_Space (includes U+0085, excludes U+FEFF and U+001C..U+001F, unlike JS \s);
//    - a run of 2+ whitespace characters followed by more text gives back its last character, which then
//      starts the next piece (so "a  b" -> "a", " ", " b"); a run at the end of the text stays whole;
//    - invalid UTF-8 (here: lone surrogates) becomes U+FFFD first, as llama.cpp does.
// ---------------------------------------------------------------------------------------------------------

const END = 0;
const WHITESPACE = 1;
const LETTER = 2;
const NUMBER = 3;
const OTHER = 4;

const UNICODE_WHITE_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
  0x2029, 0x202f, 0x205f, 0x3000,
]);

/**
 * Letters and numbers added in Unicode 16.0 and 17.0. llama.cpp's category tables (unicode-data.cpp) are
 * Unicode 15.1, where these code points are unassigned and so fall in [^\s\p{L}\p{N}]; JS regexes in newer
 * Node versions call them letters or numbers. Treating them as llama.cpp does keeps the two tokenizers equal.
 */
const NEWER_LETTERS_AND_NUMBERS: ReadonlyArray<readonly [number, number]> = [
  [0x88f, 0x88f],
  [0xc5c, 0xc5c],
  [0xcdc, 0xcdc],
  [0x1c89, 0x1c8a],
  [0xa7cb, 0xa7cf],
  [0xa7d2, 0xa7d2],
  [0xa7d4, 0xa7d4],
  [0xa7da, 0xa7dc],
  [0xa7f1, 0xa7f1],
  [0x105c0, 0x105f3],
  [0x10940, 0x10959],
  [0x10d40, 0x10d65],
  [0x10d6f, 0x10d85],
  [0x10ec2, 0x10ec7],
  [0x11380, 0x11389],
  [0x1138b, 0x1138b],
  [0x1138e, 0x1138e],
  [0x11390, 0x113b5],
  [0x113b7, 0x113b7],
  [0x113d1, 0x113d1],
  [0x113d3, 0x113d3],
  [0x116d0, 0x116e3],
  [0x11bc0, 0x11be0],
  [0x11bf0, 0x11bf9],
  [0x11db0, 0x11ddb],
  [0x11de0, 0x11de9],
  [0x13460, 0x143fa],
  [0x16100, 0x1611d],
  [0x16130, 0x16139],
  [0x16d40, 0x16d6c],
  [0x16d70, 0x16d79],
  [0x16ea0, 0x16eb8],
  [0x16ebb, 0x16ed3],
  [0x16ff2, 0x16ff6],
  [0x187f8, 0x187ff],
  [0x18cff, 0x18cff],
  [0x18d09, 0x18d1e],
  [0x18d80, 0x18df2],
  [0x1ccf0, 0x1ccf9],
  [0x1e5d0, 0x1e5ed],
  [0x1e5f0, 0x1e5fa],
  [0x1e6c0, 0x1e6de],
  [0x1e6e0, 0x1e6e2],
  [0x1e6e4, 0x1e6e5],
  [0x1e6e7, 0x1e6ed],
  [0x1e6f0, 0x1e6f4],
  [0x1e6fe, 0x1e6ff],
  [0x2b73a, 0x2b73f],
  [0x2cea2, 0x2cead],
  [0x323b0, 0x33479],
];

const IS_LETTER = /^\p{L}$/u;
const IS_NUMBER = /^\p{N}$/u;
const classCache = new Uint8Array(0x110000); // 0 = not yet computed

function charClass(cp: number): number {
  const known = classCache[cp] ?? 0;
  if (known !== 0) return known;
  let cls = OTHER;
  if (UNICODE_WHITE_SPACE.has(cp)) {
    cls = WHITESPACE;
  } else if (!NEWER_LETTERS_AND_NUMBERS.some(([lo, hi]) => cp >= lo && cp <= hi)) {
    const ch = String.fromCodePoint(cp);
    if (IS_LETTER.test(ch)) cls = LETTER;
    else if (IS_NUMBER.test(ch)) cls = NUMBER;
  }
  classCache[cp] = cls;
  return cls;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates with U+FFFD, which is what UTF-8 encoding (and so llama.cpp) sees. */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Splits text into the pieces BPE works on (no piece is empty; joined, they give the text back). */
export function preTokenize(text: string): string[] {
  const s = toWellFormed(text);
  const cps: number[] = [];
  const starts: number[] = []; // UTF-16 offset of each code point, plus the end
  for (let i = 0; i < s.length;) {
    const cp = s.codePointAt(i) as number;
    cps.push(cp);
    starts.push(i);
    i += cp > 0xffff ? 2 : 1;
  }
  starts.push(s.length);
  const n = cps.length;
  const cpAt = (i: number): number => (i < n ? (cps[i] as number) : -1);
  const classAt = (i: number): number => (i < n ? charClass(cps[i] as number) : END);

  const pieces: string[] = [];
  let pieceStart = 0;
  const cut = (end: number): void => {
    pieces.push(s.slice(starts[pieceStart], starts[end]));
    pieceStart = end;
  };

  let pos = 0;
  while (pos < n) {
    const cp = cpAt(pos);

    // 's|'t|'re|'ve|'m|'ll|'d
    if (cp === 0x27 && pos + 1 < n) {
      const c1 = String.fromCodePoint(cpAt(pos + 1));
      if (c1 === 's' || c1 === 't' || c1 === 'm' || c1 === 'd') {
        pos += 2;
        cut(pos);
        continue;
      }
      if (pos + 2 < n) {
        const c12 = c1 + String.fromCodePoint(cpAt(pos + 2));
        if (c12 === 're' || c12 === 've' || c12 === 'll') {
          pos += 3;
          cut(pos);
          continue;
        }
      }
    }

    //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+  (the optional space belongs to the run after it)
    const runClass = cp === 0x20 ? classAt(pos + 1) : classAt(pos);
    if (runClass === LETTER || runClass === NUMBER || runClass === OTHER) {
      if (cp === 0x20) pos++;
      while (classAt(pos) === runClass) pos++;
      cut(pos);
      continue;
    }

    // \s+(?!\S) | \s+
    let spaces = 0;
    while (classAt(pos + spaces) === WHITESPACE) spaces++;
    if (spaces > 1 && pos + spaces < n) {
      pos += spaces - 1;
      cut(pos);
      continue;
    }
    pos += Math.max(spaces, 1);
    cut(pos);
  }
  return pieces;
}

// ---------------------------------------------------------------------------------------------------------
// 3. Training: count the pre-tokens of the corpus (special tokens are cut out first, as encode does with
//    parseSpecial), then learn merges (./bpeTrainer.ts). A merge is never allowed to produce the text of a
//    special token, so a special token's text is never also a normal token.
// ---------------------------------------------------------------------------------------------------------

export const DEFAULT_SPECIAL_TOKENS = { bos: '<|bos|>', eos: '<|eos|>', pad: '<|pad|>' } as const;

export interface TrainTokenizerOptions {
  /** Total vocabulary size: special tokens + 256 byte tokens + merges. */
  vocabSize: number;
  /** A pair is merged only if it occurs at least this often (default 2). The vocabulary may end up smaller. */
  minFrequency?: number;
  /** Special tokens besides <|bos|>, <|eos|>, <|pad|> (e.g. "[label]"), given ids 3, 4, ... in this order. */
  specialTokens?: readonly string[];
}

export function trainTokenizer(texts: Iterable<string>, options: TrainTokenizerOptions): Tokenizer {
  const { bos, eos, pad } = DEFAULT_SPECIAL_TOKENS;
  const specials = [...new Set([bos, eos, pad, ...(options.specialTokens ?? [])])];
  for (const special of specials) {
    if (special === '' || CHAR_TO_BYTE.has(special)) {
      throw new InputError(`special token ${JSON.stringify(special)} is empty or clashes with a byte token`, {
        field: 'specialTokens',
      });
    }
  }
  const minFrequency = options.minFrequency ?? 2;
  if (!Number.isInteger(minFrequency) || minFrequency < 1) {
    throw new InputError(`must be a positive integer, got ${minFrequency}`, { field: 'minFrequency' });
  }
  const maxNewSymbols = options.vocabSize - specials.length - 256;
  if (!Number.isInteger(options.vocabSize) || maxNewSymbols < 0) {
    throw new InputError(`must be an integer of at least ${specials.length + 256} (special tokens + 256 bytes), got ${options.vocabSize}`, {
      field: 'vocabSize',
    });
  }

  const specialOrder = matchOrder(new Map(specials.map((text, id) => [text, id])));
  const pieceCounts = new Map<string, number>();
  for (const text of texts) {
    for (const part of splitOnSpecialTokens(text, specialOrder)) {
      if (typeof part !== 'string') continue;
      for (const piece of preTokenize(part)) pieceCounts.set(piece, (pieceCounts.get(piece) ?? 0) + 1);
    }
  }
  const words: WordCount[] = [];
  for (const [piece, count] of pieceCounts) words.push({ bytes: utf8.encode(piece), count });

  const forbidden = new Set(specials);
  const merges = learnMerges(words, {
    maxNewSymbols,
    minFrequency,
    allowMerge: (bytes) => !forbidden.has(bytesToSymbols(bytes)),
  });

  const symbolText: string[] = [...BYTE_TO_CHAR]; // trainer symbol id -> token text
  const mergeTexts = merges.map(({ left, right, result }): [string, string] => {
    const pair: [string, string] = [symbolText[left] as string, symbolText[right] as string];
    if (result === symbolText.length) symbolText.push(pair[0] + pair[1]);
    return pair;
  });
  const tokens = [...specials, ...symbolText];
  return new Tokenizer({ tokens, merges: mergeTexts, specialTokens: specials, bos, eos, pad });
}

/**
 * Special tokens in the order llama.cpp's tokenizer_st_partition looks for them: longest first (by UTF-8
 * bytes), equal lengths by id (llama.cpp leaves that order unspecified; it only matters when two special
 * tokens of equal length overlap in the text).
 */
function matchOrder(specials: ReadonlyMap<string, number>): Array<readonly [string, number]> {
  return [...specials].sort(([a, idA], [b, idB]) => utf8.encode(b).length - utf8.encode(a).length || idA - idB);
}

/**
 * Cuts special tokens out of text as tokenizer_st_partition does: for each special token in match order,
 * every occurrence in the remaining text parts is replaced by its id. The parts between are tokenized apart.
 */
function splitOnSpecialTokens(text: string, ordered: ReadonlyArray<readonly [string, number]>): Array<string | number> {
  let parts: Array<string | number> = [text];
  for (const [special, id] of ordered) {
    const next: Array<string | number> = [];
    for (const part of parts) {
      if (typeof part === 'number') {
        next.push(part);
        continue;
      }
      let from = 0;
      for (let at = part.indexOf(special); at !== -1; at = part.indexOf(special, from)) {
        if (at > from) next.push(part.slice(from, at));
        next.push(id);
        from = at + special.length;
      }
      if (from < part.length) next.push(part.slice(from));
    }
    parts = next;
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------------------
// 4. The tokenizer.
// ---------------------------------------------------------------------------------------------------------

export interface TokenizerSpec {
  /** Token text by id: byte-alphabet strings for normal tokens, raw text for special tokens. */
  tokens: readonly string[];
  /** Merges in rank order (rank 0 is applied first), each a pair of token texts. */
  merges: ReadonlyArray<readonly [string, string]>;
  /** The special tokens' texts; each must be in `tokens`. */
  specialTokens: readonly string[];
  /** Which special tokens begin and end a sequence and pad a batch (one token may play several roles). */
  bos: string;
  eos: string;
  pad: string;
}

export type SpecialTokenRoles = Pick<TokenizerSpec, 'bos' | 'eos' | 'pad'>;

export type { DecodeOptions, EncodeOptions, StreamingDecoder };

/** Merge lookups pack two token ids into one number; exact while ids stay below 2^21. */
const ID_BASE = 2 ** 21;
const WORD_CACHE_LIMIT = 100_000;

interface MergeCandidate {
  rank: number;
  left: number; // position of the left symbol in the piece
  right: number;
  leftId: number;
  rightId: number;
}

// Lowest rank first; equal ranks (the same pair twice) leftmost first, as in llama.cpp and GPT-2.
const lowestRankFirst = (a: MergeCandidate, b: MergeCandidate): boolean => a.rank < b.rank || (a.rank === b.rank && a.left < b.left);

export class Tokenizer implements TextTokenizer {
  readonly kind = 'bpe' as const;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Training sequences start with <|bos|>, so prompts get it too. */
  readonly addsBos = true;
  /** From-scratch students are trained on raw prompt/completion text: no chat template. */
  readonly chatTemplate = undefined;

  private readonly spec: TokenizerSpec;
  private readonly ids = new Map<string, number>();
  private readonly special: boolean[];
  private readonly specialIds: Map<string, number>;
  private readonly specialOrder: Array<readonly [string, number]>;
  private readonly tokenBytes: Uint8Array[];
  private readonly byteIds: number[];
  private readonly mergeRanks = new Map<number, number>();
  private readonly mergeResults: number[];
  private readonly wordCache = new Map<string, readonly number[]>();

  /** Checks the spec; `file` names where it came from in error messages. */
  constructor(spec: TokenizerSpec, file?: string) {
    const fail = (message: string, field: string): never => {
      throw new InputError(message, { file, field });
    };
    this.spec = spec;
    if (spec.tokens.length >= ID_BASE) fail(`at most ${ID_BASE - 1} tokens are supported`, 'tokens');
    spec.tokens.forEach((text, id) => {
      const seen = this.ids.get(text);
      if (seen !== undefined) fail(`token ${JSON.stringify(text)} appears twice (ids ${seen} and ${id})`, 'tokens');
      this.ids.set(text, id);
    });

    this.specialIds = new Map();
    this.special = spec.tokens.map(() => false);
    for (const text of spec.specialTokens) {
      const id = this.ids.get(text) ?? fail(`special token ${JSON.stringify(text)} is not in the vocabulary`, 'specialTokens');
      this.special[id] = true;
      this.specialIds.set(text, id);
    }
    this.specialOrder = matchOrder(this.specialIds);
    const roleId = (role: 'bos' | 'eos' | 'pad'): number =>
      this.specialIds.get(spec[role]) ?? fail(`${JSON.stringify(spec[role])} is not a special token`, role);
    this.bosId = roleId('bos');
    this.eosId = roleId('eos');
    this.padId = roleId('pad');

    this.tokenBytes = spec.tokens.map((text, id) => {
      if (this.special[id]) return utf8.encode(text);
      const bytes = symbolsToBytes(text);
      return bytes ?? fail(`token ${id} (${JSON.stringify(text)}) is not written in the GPT-2 byte alphabet`, 'tokens');
    });
    this.byteIds = BYTE_TO_CHAR.map((ch, byte) => {
      const id = this.ids.get(ch);
      if (id !== undefined && !this.special[id]) return id;
      return fail(`the vocabulary has no token for byte ${byte} (${JSON.stringify(ch)})`, 'tokens');
    });

    this.mergeResults = spec.merges.map(([left, right], rank) => {
      const leftId = this.ids.get(left);
      const rightId = this.ids.get(right);
      const resultId = this.ids.get(left + right);
      const field = `merges[${rank}]`;
      if (leftId === undefined || rightId === undefined || resultId === undefined) {
        return fail(`merge "${left} ${right}" uses or makes a token that is not in the vocabulary`, field);
      }
      if (this.special[leftId] || this.special[rightId] || this.special[resultId]) {
        return fail(`merge "${left} ${right}" involves a special token`, field);
      }
      const key = leftId * ID_BASE + rightId;
      if (!this.mergeRanks.has(key)) this.mergeRanks.set(key, rank); // like llama.cpp, the first rank wins
      return resultId;
    });
  }

  get vocabSize(): number {
    return this.spec.tokens.length;
  }

  get eosIds(): readonly number[] {
    return [this.eosId];
  }

  get specialTokens(): readonly string[] {
    return this.spec.specialTokens;
  }

  /** The token's vocabulary text (byte-alphabet string, or a special token's raw text). */
  tokenText(id: number): string {
    this.checkId(id);
    return this.spec.tokens[id] as string;
  }

  /** The id of a vocabulary text, if there is one. */
  tokenId(text: string): number | undefined {
    return this.ids.get(text);
  }

  isSpecial(id: number): boolean {
    this.checkId(id);
    return this.special[id] as boolean;
  }

  /** The tokenizer as data (what tokenizer.json and GGUF are written from). */
  toSpec(): TokenizerSpec {
    return this.spec;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.addBos) out.push(this.bosId);
    const wellFormed = toWellFormed(text);
    const parts = options.parseSpecial ? splitOnSpecialTokens(wellFormed, this.specialOrder) : [wellFormed];
    for (const part of parts) {
      if (typeof part === 'number') {
        out.push(part);
        continue;
      }
      for (const piece of preTokenize(part)) {
        for (const id of this.encodePiece(piece)) out.push(id);
      }
    }
    if (options.addEos) out.push(this.eosId);
    return out;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.bytesOf(ids, options.skipSpecial ?? false));
  }

  createStreamingDecoder(options: DecodeOptions = {}): StreamingDecoder {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const skipSpecial = options.skipSpecial ?? false;
    return {
      push: (ids) => decoder.decode(this.bytesOf(typeof ids === 'number' ? [ids] : ids, skipSpecial), { stream: true }),
      flush: () => decoder.decode(),
    };
  }

  /** Applies merges to one pre-token: repeatedly the lowest-ranked adjacent pair (leftmost among equals). */
  private encodePiece(piece: string): readonly number[] {
    const cached = this.wordCache.get(piece);
    if (cached !== undefined) return cached;

    const ids = Array.from(utf8.encode(piece), (b) => this.byteIds[b] as number);
    const n = ids.length;
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const queue = new PriorityQueue<MergeCandidate>(lowestRankFirst);
    const consider = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const leftId = ids[left] as number;
      const rightId = ids[right] as number;
      const rank = this.mergeRanks.get(leftId * ID_BASE + rightId);
      if (rank !== undefined) queue.push({ rank, left, right, leftId, rightId });
    };
    for (let i = 0; i + 1 < n; i++) consider(i, i + 1);

    for (let c = queue.pop(); c !== undefined; c = queue.pop()) {
      // Skip candidates made stale by an earlier merge (a symbol changed or is gone).
      if (ids[c.left] !== c.leftId || ids[c.right] !== c.rightId || next[c.left] !== c.right) continue;
      ids[c.left] = this.mergeResults[c.rank] as number;
      ids[c.right] = -1;
      const after = next[c.right] as number;
      next[c.left] = after;
      if (after >= 0) prev[after] = c.left;
      consider(prev[c.left] as number, c.left);
      consider(c.left, after);
    }

    const result: number[] = [];
    for (let i = n > 0 ? 0 : -1; i >= 0; i = next[i] as number) result.push(ids[i] as number);
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(piece, result);
    return result;
  }

  private bytesOf(ids: readonly number[], skipSpecial: boolean): Uint8Array {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (const id of ids) {
      this.checkId(id);
      if (skipSpecial && this.special[id]) continue;
      const bytes = this.tokenBytes[id] as Uint8Array;
      parts.push(bytes);
      length += bytes.length;
    }
    const out = new Uint8Array(length);
    let offset = 0;
    for (const bytes of parts) {
      out.set(bytes, offset);
      offset += bytes.length;
    }
    return out;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.spec.tokens.length) {
      throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.spec.tokens.length - 1})`);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // 5. Files.
  // -------------------------------------------------------------------------------------------------------

  /** Hugging Face tokenizer.json content (a GPT-2 style byte-level BPE; loadable by HF `tokenizers`). */
  toHfTokenizerJson(): HfTokenizerJson {
    const { tokens, merges } = this.spec;
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: tokens.flatMap((content, id) =>
        this.special[id] ? [{ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }] : [],
      ),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        vocab: Object.fromEntries(tokens.map((text, id) => [text, id])),
        merges: merges.map(([left, right]) => `${left} ${right}`),
      },
    };
  }

  /** Hugging Face tokenizer_config.json content naming the special tokens (transformers reads this). */
  toHfTokenizerConfig(): Record<string, unknown> {
    return {
      tokenizer_class: 'PreTrainedTokenizerFast',
      bos_token: this.spec.bos,
      eos_token: this.spec.eos,
      pad_token: this.spec.pad,
      add_bos_token: false,
      add_eos_token: false,
      clean_up_tokenization_spaces: false,
      additional_special_tokens: this.spec.specialTokens.filter((t) => t !== this.spec.bos && t !== this.spec.eos && t !== this.spec.pad),
    };
  }

  async saveTokenizerJson(path: string): Promise<void> {
    await writeFile(path, JSON.stringify(this.toHfTokenizerJson(), null, 2) + '\n', 'utf8');
  }

  /**
   * Reads a byte-level BPE tokenizer.json. Which special tokens are bos/eos/pad is not stored there
   * (it is in tokenizer_config.json); pass them if they are not <|bos|>, <|eos|>, <|pad|>.
   */
  static async loadTokenizerJson(path: string, roles: Partial<SpecialTokenRoles> = {}): Promise<Tokenizer> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new InputError(`cannot read tokenizer.json: ${(err as Error).message}`, { file: path });
    }
    return Tokenizer.fromHfTokenizerJson(json, { ...roles, file: path });
  }

  static fromHfTokenizerJson(json: unknown, options: Partial<SpecialTokenRoles> & { file?: string } = {}): Tokenizer {
    const file = options.file;
    const fail = (message: string, field: string): never => {
      throw new InputError(message, { file, field });
    };
    const root = isObject(json) ? json : fail('expected a JSON object', '(root)');
    const model = isObject(root.model) ? root.model : fail('expected an object', 'model');
    if (model.type !== 'BPE') fail(`expected "BPE", got ${JSON.stringify(model.type)}`, 'model.type');
    if (model.continuing_subword_prefix || model.end_of_word_suffix || model.byte_fallback || model.dropout) {
      fail('continuing_subword_prefix, end_of_word_suffix, byte_fallback and dropout are not supported', 'model');
    }
    if (root.normalizer !== null && root.normalizer !== undefined) fail('normalizers are not supported', 'normalizer');
    const pre = root.pre_tokenizer;
    if (!isObject(pre) || pre.type !== 'ByteLevel' || pre.add_prefix_space === true || pre.use_regex === false) {
      fail('expected {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}', 'pre_tokenizer');
    }

    const tokens: string[] = [];
    const place = (text: unknown, id: unknown, field: string): void => {
      if (typeof text !== 'string' || !Number.isInteger(id) || (id as number) < 0) {
        return fail('expected a string token with a non-negative integer id', field);
      }
      const existing = tokens[id as number];
      if (existing !== undefined && existing !== text) {
        fail(`id ${id} is given to both ${JSON.stringify(existing)} and ${JSON.stringify(text)}`, field);
      }
      tokens[id as number] = text;
    };
    const vocab = isObject(model.vocab) ? model.vocab : fail('expected an object', 'model.vocab');
    for (const [text, id] of Object.entries(vocab)) place(text, id, `model.vocab[${JSON.stringify(text)}]`);

    const specialTokens: string[] = [];
    const added = root.added_tokens ?? [];
    if (!Array.isArray(added)) fail('expected an array', 'added_tokens');
    (added as unknown[]).forEach((entry, i) => {
      const field = `added_tokens[${i}]`;
      if (!isObject(entry)) return fail('expected an object', field);
      if (entry.special !== true) return fail('only special added tokens are supported', `${field}.special`);
      place(entry.content, entry.id, field);
      specialTokens.push(entry.content as string);
    });
    for (let id = 0; id < tokens.length; id++) {
      if (tokens[id] === undefined) fail(`no token has id ${id} (ids must be 0..${tokens.length - 1})`, 'model.vocab');
    }

    const rawMerges = Array.isArray(model.merges) ? model.merges : fail('expected an array', 'model.merges');
    const merges = rawMerges.map((merge: unknown, i): [string, string] => {
      if (typeof merge === 'string') {
        const space = merge.indexOf(' ', 1);
        if (space > 0) return [merge.slice(0, space), merge.slice(space + 1)];
      } else if (Array.isArray(merge) && merge.length === 2 && merge.every((m) => typeof m === 'string')) {
        return [merge[0] as string, merge[1] as string];
      }
      return fail('expected "left right" or ["left", "right"]', `model.merges[${i}]`);
    });

    const spec: TokenizerSpec = {
      tokens,
      merges,
      specialTokens,
      bos: options.bos ?? DEFAULT_SPECIAL_TOKENS.bos,
      eos: options.eos ?? DEFAULT_SPECIAL_TOKENS.eos,
      pad: options.pad ?? DEFAULT_SPECIAL_TOKENS.pad,
    };
    try {
      return new Tokenizer(spec, file);
    } catch (err) {
      // Name the field as it is in tokenizer.json rather than in TokenizerSpec.
      if (!(err instanceof InputError) || err.field === undefined) throw err;
      const message = err.message.slice(err.message.indexOf(': ') + 2);
      const field = err.field
        .replace(/^tokens/, 'model.vocab')
        .replace(/^merges/, 'model.merges')
        .replace(/^specialTokens/, 'added_tokens');
      throw new InputError(message, { file, field });
    }
  }

  /**
   * The tokenizer.* arrays of a GGUF file: write them with tokenizer.ggml.model = "gpt2" and
   * tokenizer.ggml.pre = "gpt-2". Special tokens are control tokens (type 3), so llama.cpp recognises them
   * in text only with parse_special, as encode does with parseSpecial.
   */
  toGgufVocab(): GgufVocab {
    return {
      model: 'gpt2',
      pre: 'gpt-2',
      tokens: [...this.spec.tokens],
      tokenTypes: this.special.map((isSpecial) => (isSpecial ? GGUF_TOKEN_TYPE.control : GGUF_TOKEN_TYPE.normal)),
      merges: this.spec.merges.map(([left, right]) => `${left} ${right}`),
      bosId: this.bosId,
      eosId: this.eosId,
      padId: this.padId,
    };
  }
}

/** llama.cpp's token types (llama_token_type). */
export const GGUF_TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface GgufVocab {
  /** tokenizer.ggml.model */
  model: 'gpt2';
  /** tokenizer.ggml.pre */
  pre: 'gpt-2';
  /** tokenizer.ggml.tokens */
  tokens: string[];
  /** tokenizer.ggml.token_type (int32) */
  tokenTypes: number[];
  /** tokenizer.ggml.merges, "left right" in rank order */
  merges: string[];
  /** tokenizer.ggml.bos_token_id / eos_token_id / padding_token_id */
  bosId: number;
  eosId: number;
  padId: number;
}

export interface HfTokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: Array<{
    id: number;
    content: string;
    single_word: boolean;
    lstrip: boolean;
    rstrip: boolean;
    normalized: boolean;
    special: boolean;
  }>;
  normalizer: null;
  pre_tokenizer: Record<string, unknown>;
  post_processor: Record<string, unknown>;
  decoder: Record<string, unknown>;
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: string;
    end_of_word_suffix: string;
    fuse_unk: boolean;
    byte_fallback: boolean;
    vocab: Record<string, number>;
    merges: string[];
  };
}
