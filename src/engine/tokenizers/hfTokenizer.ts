/**
 * A pretrained base model's own tokenizer, from its Hugging Face files:
 *   tokenizer.json          the tokenizer itself (run by @huggingface/tokenizers)
 *   tokenizer_config.json   bos / eos / pad token names, add_bos_token, chat_template
 *   generation_config.json  the eos ids that end generation (optional)
 *
 * Special tokens written in the text are recognised only with `parseSpecial`, as llama.cpp does: without it
 * "<|im_end|>" in user text is ordinary text. Non-special added tokens (user-defined) are always recognised,
 * in both libraries. An added token marked non-special that looks like a control token ("<|fim_prefix|>")
 * counts as special, because llama.cpp's converter makes it a control token (does_token_look_special); so
 * the engine tokenizes as llama.cpp does on the exported GGUF.
 *
 * The chat template is tokenizer_config.json's chat_template, else chat_template.jinja, else
 * chat_template.json (the converter's order).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { InputError } from '../../util/errors.js';
import type { DecodeOptions, EncodeOptions, StreamingDecoder, TextTokenizer } from './textTokenizer.js';

export const TOKENIZER_JSON = 'tokenizer.json';
export const TOKENIZER_CONFIG_JSON = 'tokenizer_config.json';
export const GENERATION_CONFIG_JSON = 'generation_config.json';
export const CHAT_TEMPLATE_JINJA = 'chat_template.jinja';

type Json = Record<string, unknown>;

/** The parsed files a HfTokenizer is made from (kept so they can be written out again, e.g. by `export --format hf`). */
export interface HfTokenizerFiles {
  tokenizerJson: Json;
  tokenizerConfig: Json;
  generationConfig?: Json;
  /** Folder they came from, for messages. */
  dir?: string;
}

export interface AddedTokenInfo {
  id: number;
  content: string;
  special: boolean;
}

export class HfTokenizer implements TextTokenizer {
  readonly kind = 'hf' as const;
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number;
  readonly eosIds: readonly number[];
  readonly padId: number;
  readonly unkId: number | undefined;
  readonly addsBos: boolean;
  readonly addsEos: boolean;
  readonly specialTokens: readonly string[];
  readonly chatTemplate: string | undefined;
  /** tokenizer_config.json's token names (bos_token, eos_token, ...), as the chat template sees them. */
  readonly tokenNames: Readonly<Record<'bos' | 'eos' | 'pad' | 'unk', string | undefined>>;
  readonly addedTokens: readonly AddedTokenInfo[];

  private readonly lib: HfLibTokenizer;
  private readonly specialPattern: RegExp | undefined;
  private readonly specialIds: ReadonlySet<number>;
  private readonly addedIds: ReadonlySet<number>;
  private readonly vocabTexts: readonly (string | undefined)[];
  private readonly ids: ReadonlyMap<string, number>;

  constructor(readonly files: HfTokenizerFiles) {
    const file = files.dir ? join(files.dir, TOKENIZER_JSON) : TOKENIZER_JSON;
    const configFile = files.dir ? join(files.dir, TOKENIZER_CONFIG_JSON) : TOKENIZER_CONFIG_JSON;
    const { tokenizerJson, tokenizerConfig } = files;
    const model = tokenizerJson.model;
    if (!isObject(model) || typeof model.type !== 'string') throw new InputError('expected an object with a "type"', { file, field: 'model' });
    this.addedTokens = parseAddedTokens(tokenizerJson.added_tokens, file);
    // The library is given the non-special added tokens only: special ones are matched here, and only with
    // parseSpecial (see encode), so one library instance serves both ways of encoding.
    const userDefined = new Set(this.addedTokens.filter((t) => !t.special).map((t) => t.id));
    const libJson = {
      ...tokenizerJson,
      added_tokens: ((tokenizerJson.added_tokens as Json[] | undefined) ?? []).filter((t) => userDefined.has(t.id as number)),
    };
    try {
      this.lib = new HfLibTokenizer(libJson, { ...tokenizerConfig, clean_up_tokenization_spaces: false });
    } catch (error) {
      throw new InputError(`@huggingface/tokenizers cannot load it: ${(error as Error).message}`, { file });
    }
    const vocab = this.lib.get_vocab(true);
    const texts: (string | undefined)[] = [];
    for (const [text, id] of vocab) texts[id] = text;
    for (const t of this.addedTokens) texts[t.id] = t.content;
    this.vocabTexts = texts;
    this.vocabSize = texts.length;
    this.ids = new Map([...vocab, ...this.addedTokens.map((t) => [t.content, t.id] as const)]);
    const special = this.addedTokens.filter((t) => t.special);
    this.specialIds = new Set(special.map((t) => t.id));
    this.addedIds = new Set(this.addedTokens.map((t) => t.id));
    this.specialTokens = special.map((t) => t.content);
    this.specialPattern = specialTokenPattern(this.specialTokens);

    const name = (key: string): string | undefined => tokenName(tokenizerConfig[key], configFile, key);
    this.tokenNames = { bos: name('bos_token'), eos: name('eos_token'), pad: name('pad_token'), unk: name('unk_token') };
    const idOf = (text: string | undefined, field: string): number | undefined => {
      if (text === undefined) return undefined;
      const id = this.ids.get(text);
      if (id === undefined) throw new InputError(`${JSON.stringify(text)} is not in the vocabulary`, { file: configFile, field });
      return id;
    };
    this.bosId = idOf(this.tokenNames.bos, 'bos_token');
    const configEos = idOf(this.tokenNames.eos, 'eos_token');
    const generationEos = eosIdsOf(files.generationConfig, files.dir, this.vocabSize);
    const eosId = configEos ?? generationEos[0];
    if (eosId === undefined) {
      throw new InputError('no end-of-sequence token: set eos_token here or eos_token_id in generation_config.json', {
        file: configFile,
        field: 'eos_token',
      });
    }
    this.eosId = eosId;
    this.eosIds = [eosId, ...generationEos.filter((id) => id !== eosId)];
    this.padId = idOf(this.tokenNames.pad, 'pad_token') ?? eosId;
    this.unkId = idOf(this.tokenNames.unk, 'unk_token');
    this.addsBos = this.bosId !== undefined && addsToken(tokenizerConfig.add_bos_token, tokenizerJson.post_processor, this.tokenNames.bos, 'first');
    this.addsEos = addsToken(tokenizerConfig.add_eos_token, tokenizerJson.post_processor, this.tokenNames.eos, 'last');
    this.chatTemplate = chatTemplateOf(tokenizerConfig.chat_template, configFile);
  }

  /** The underlying tokenizer model ("BPE", "Unigram", ...), tokenizer.json's model.type. */
  get modelType(): string {
    return (this.files.tokenizerJson.model as Json).type as string;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.addBos) {
      if (this.bosId === undefined) throw new Error('this tokenizer has no beginning-of-sequence token');
      out.push(this.bosId);
    }
    // Like llama.cpp and transformers: the text is split on special tokens first, each fragment tokenized alone.
    const pattern = options.parseSpecial ? this.specialPattern : undefined;
    let start = 0;
    if (pattern) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        this.encodeFragment(text.slice(start, m.index), out);
        out.push(this.ids.get(m[0]) as number);
        start = m.index + m[0].length;
      }
    }
    this.encodeFragment(text.slice(start), out);
    if (options.addEos) out.push(this.eosId);
    return out;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    // Runs of ordinary tokens go through the tokenizer's decoder; special tokens are their text.
    let text = '';
    let run: number[] = [];
    const flushRun = (): void => {
      if (run.length > 0) text += this.lib.decode(run, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
      run = [];
    };
    for (const id of ids) {
      this.checkId(id);
      if (!this.specialIds.has(id)) {
        run.push(id);
        continue;
      }
      flushRun();
      if (!options.skipSpecial) text += this.vocabTexts[id] as string;
    }
    flushRun();
    return text;
  }

  /** Emits the text of the ids seen so far minus what was already emitted, holding back an unfinished character. */
  createStreamingDecoder(options: DecodeOptions = {}): StreamingDecoder {
    const ids: number[] = [];
    let emitted = 0;
    return {
      push: (more) => {
        for (const id of typeof more === 'number' ? [more] : more) ids.push(id);
        const text = this.decode(ids, options);
        if (text.endsWith('\uFFFD') || text.length < emitted) return '';
        const delta = text.slice(emitted);
        emitted = text.length;
        return delta;
      },
      flush: () => this.decode(ids, options).slice(emitted),
    };
  }

  tokenText(id: number): string {
    this.checkId(id);
    const text = this.vocabTexts[id];
    if (text === undefined) throw new RangeError(`token id ${id} has no text in the vocabulary`);
    return text;
  }

  tokenId(text: string): number | undefined {
    return this.ids.get(text);
  }

  /** Whether the id has a token (a tokenizer.json may leave ids unused). */
  hasToken(id: number): boolean {
    return this.vocabTexts[id] !== undefined;
  }

  /** Whether the id is an added token (special or user-defined) rather than one of the model's vocabulary. */
  isAdded(id: number): boolean {
    return this.addedIds.has(id);
  }

  isSpecial(id: number): boolean {
    this.checkId(id);
    return this.specialIds.has(id);
  }

  private encodeFragment(fragment: string, out: number[]): void {
    if (fragment === '') return;
    for (const id of this.lib.encode(fragment, { add_special_tokens: false }).ids) out.push(id);
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`);
    }
  }
}

/** Whether `dir` holds a Hugging Face tokenizer (tokenizer.json). */
export async function hasHfTokenizer(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, TOKENIZER_JSON))).isFile();
  } catch {
    return false;
  }
}

/** Reads tokenizer.json, tokenizer_config.json and (if present) generation_config.json from a model folder. */
export async function readHfTokenizerFiles(dir: string): Promise<HfTokenizerFiles> {
  const tokenizerJson = await readJson(join(dir, TOKENIZER_JSON), true);
  const tokenizerConfig = (await readJson(join(dir, TOKENIZER_CONFIG_JSON), false)) ?? {};
  const generationConfig = await readJson(join(dir, GENERATION_CONFIG_JSON), false);
  if (tokenizerConfig.chat_template === undefined) {
    const jinja = await readFile(join(dir, CHAT_TEMPLATE_JINJA), 'utf8').catch(() => undefined);
    const fromJson = (await readJson(join(dir, 'chat_template.json'), false))?.chat_template;
    if (jinja !== undefined || fromJson !== undefined) tokenizerConfig.chat_template = jinja ?? fromJson;
  }
  return { tokenizerJson: tokenizerJson as Json, tokenizerConfig, ...(generationConfig ? { generationConfig } : {}), dir };
}

export async function loadHfTokenizer(dir: string): Promise<HfTokenizer> {
  return new HfTokenizer(await readHfTokenizerFiles(dir));
}

async function readJson(path: string, required: boolean): Promise<Json | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read it: ${(error as Error).message}`, { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: path });
  }
  if (!isObject(json)) throw new InputError('expected a JSON object', { file: path });
  return json;
}

function parseAddedTokens(value: unknown, file: string): AddedTokenInfo[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError('expected an array', { file, field: 'added_tokens' });
  return value.map((entry: unknown, i) => {
    const field = `added_tokens[${i}]`;
    if (!isObject(entry) || typeof entry.content !== 'string' || !Number.isInteger(entry.id) || (entry.id as number) < 0) {
      throw new InputError('expected {"id": integer >= 0, "content": string, ...}', { file, field });
    }
    return { id: entry.id as number, content: entry.content, special: entry.special === true || looksSpecial(entry.content) };
  });
}

/** convert_hf_to_gguf.py's does_token_look_special: such added tokens become control tokens in a GGUF. */
export function looksSpecial(text: string): boolean {
  return (
    ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(text) ||
    (text.startsWith('<|') && text.endsWith('|>')) ||
    (text.startsWith('<｜') && text.endsWith('｜>')) ||
    (text.startsWith('<unused') && text.endsWith('>'))
  );
}

/** A token name in tokenizer_config.json: a string, an AddedToken object ({"content": ...}) or null. */
function tokenName(value: unknown, file: string, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  throw new InputError('expected a string, {"content": string} or null', { file, field });
}

function eosIdsOf(config: Json | undefined, dir: string | undefined, vocabSize: number): number[] {
  const value = config?.eos_token_id;
  if (value === undefined || value === null) return [];
  const ids = Array.isArray(value) ? value : [value];
  return ids.map((id: unknown) => {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabSize) {
      throw new InputError(`expected token ids in 0..${vocabSize - 1}, got ${JSON.stringify(value)}`, {
        file: dir ? join(dir, GENERATION_CONFIG_JSON) : GENERATION_CONFIG_JSON,
        field: 'eos_token_id',
      });
    }
    return id as number;
  });
}

/**
 * Whether encoding adds a token (as transformers and convert_hf_to_gguf.py decide): tokenizer_config.json's
 * add_bos_token / add_eos_token when set, else whether tokenizer.json's TemplateProcessing puts it first/last.
 */
function addsToken(flag: unknown, postProcessor: unknown, token: string | undefined, where: 'first' | 'last'): boolean {
  if (typeof flag === 'boolean') return flag;
  if (token === undefined) return false;
  const processors = isObject(postProcessor)
    ? postProcessor.type === 'Sequence' && Array.isArray(postProcessor.processors)
      ? (postProcessor.processors as unknown[])
      : [postProcessor]
    : [];
  for (const p of processors) {
    if (!isObject(p) || p.type !== 'TemplateProcessing' || !Array.isArray(p.single)) continue;
    const single = p.single as unknown[];
    const piece = where === 'first' ? single[0] : single[single.length - 1];
    if (isObject(piece) && isObject(piece.SpecialToken) && piece.SpecialToken.id === token) return true;
  }
  return false;
}

/** tokenizer_config.json's chat_template: a string, or a list of {name, template} (the "default" one is used). */
function chatTemplateOf(value: unknown, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((t: unknown) => isObject(t) && t.name === 'default') as Json | undefined;
    if (named && typeof named.template === 'string') return named.template;
  }
  throw new InputError('expected a string or a list with a {"name": "default", "template": string}', { file, field: 'chat_template' });
}

/** Matches any special token's text, longest first (as llama.cpp's partition does). */
function specialTokenPattern(tokens: readonly string[]): RegExp | undefined {
  if (tokens.length === 0) return undefined;
  const escaped = [...tokens].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(escaped.join('|'), 'gu');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
