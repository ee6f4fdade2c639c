/**
 * What training, inference and export need from a tokenizer, whichever kind it is:
 * - the engine's own byte-level BPE (../tokenizer.ts), trained on the task corpus for from-scratch students;
 * - a pretrained base model's Hugging Face tokenizer (./hfTokenizer.ts), loaded from its tokenizer.json.
 * Code that takes a TextTokenizer works with either.
 */
export interface EncodeOptions {
  addBos?: boolean;
  addEos?: boolean;
  /** Recognise special tokens written in the text (llama.cpp's parse_special). Default false. */
  parseSpecial?: boolean;
}

/** Options of {@link TextTokenizer.decode}. */
export interface DecodeOptions {
  /** Leave special tokens out of the text. Default false (they appear as their text). */
  skipSpecial?: boolean;
}

/** Turns ids into text as they arrive, holding back bytes until they complete a UTF-8 character. */
export interface StreamingDecoder {
  push(ids: number | readonly number[]): string;
  /** The held-back bytes of an unfinished character, as U+FFFD; call once at the end. */
  flush(): string;
}

/** A student's tokenizer: the engine's own BPE or a base model's tokenizer.json. */
export interface TextTokenizer {
  /** 'bpe': the engine's own tokenizer; 'hf': a base model's tokenizer.json. */
  readonly kind: 'bpe' | 'hf';
  /** Number of token ids (highest id + 1, added tokens included). */
  readonly vocabSize: number;
  /** The beginning-of-sequence token; undefined when the model has none (Qwen). */
  readonly bosId: number | undefined;
  /** The main end-of-sequence token: the one training appends after a completion. */
  readonly eosId: number;
  /** Every token that ends generation (generation_config.json's eos_token_id list, eosId first). */
  readonly eosIds: readonly number[];
  /** The token batches are padded with (never scored). */
  readonly padId: number;
  /** Whether the model expects bosId at the start of every sequence (llama.cpp's add_bos_token). */
  readonly addsBos: boolean;
  /** Texts of the special (control) tokens. */
  readonly specialTokens: readonly string[];
  /** The chat template (Jinja) of tokenizer_config.json, if the model has one. */
  readonly chatTemplate: string | undefined;

  /** Text -> ids. `addBos`/`addEos` add those tokens; `parseSpecial` recognises special tokens written in the text. */
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  createStreamingDecoder(options?: DecodeOptions): StreamingDecoder;
  /** The token's vocabulary text (byte-alphabet string for byte-level BPE, a special token's raw text). */
  tokenText(id: number): string;
  tokenId(text: string): number | undefined;
  isSpecial(id: number): boolean;
}
