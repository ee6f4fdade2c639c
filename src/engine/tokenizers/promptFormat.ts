/**
 * How a student sees a prompt, in one place for training and for every path that runs it.
 *
 *   raw    [bos] prompt | completion eos                         (from-scratch students, base models)
 *   chat   chat_template([system], user: prompt, assistant: ...) (a pretrained model with a chat template)
 *
 * A checkpoint records its format in config.json as `apprentice.promptFormat`: {"type": "raw"} or
 * {"type": "chat", "system": "..."} (system optional); the template is the tokenizer's (tokenizer_config.json's
 * chat_template). Training encodes a {prompt, completion} row with encodeRow (loss on the completion tokens
 * only); inference renders a request with renderRequest, which gives the very prompt tokens training saw.
 *
 * Chat rows: the prompt is the template rendered with add_generation_prompt; the completion is what the full
 * conversation adds after it, up to and including the first special token there (the end of turn, e.g.
 * <|im_end|> or <|eot_id|>; the newline after it belongs to the next turn). The prompt and the completion are
 * tokenized separately, as at inference (the runtime tokenizes the prompt, the model produces the rest).
 */
import { Template } from '@huggingface/jinja';
import { InputError } from '../../util/errors.js';
import type { TextTokenizer } from './textTokenizer.js';

/** How a student's prompt is written: raw text, or a chat turn in the model's template. */
export type PromptFormat = { type: 'raw' } | { type: 'chat'; system?: string };

export const RAW_FORMAT: PromptFormat = { type: 'raw' };

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A prompt ready for a runtime: text, whether special tokens in it are parsed, whether BOS goes first. */
export interface RenderedPrompt {
  text: string;
  parseSpecial: boolean;
  addBos: boolean;
}

/** Token names a chat template may use (bos_token, eos_token, ...), as tokenizer_config.json names them. */
export type TemplateTokenNames = Partial<Record<'bos' | 'eos' | 'pad' | 'unk', string>>;

/** A chat template (Jinja) rendered by @huggingface/jinja, as transformers' apply_chat_template does. */
export class ChatTemplate {
  private readonly template: Template;

  constructor(
    readonly source: string,
    private readonly tokenNames: TemplateTokenNames = {},
  ) {
    try {
      this.template = new Template(source);
    } catch (error) {
      throw new InputError(`the chat template does not parse: ${(error as Error).message}`, {
        file: 'tokenizer_config.json',
        field: 'chat_template',
      });
    }
  }

  render(messages: readonly ChatTurn[], options: { addGenerationPrompt: boolean }): string {
    return this.template.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: options.addGenerationPrompt,
      bos_token: this.tokenNames.bos ?? '',
      eos_token: this.tokenNames.eos ?? '',
      pad_token: this.tokenNames.pad ?? '',
      unk_token: this.tokenNames.unk ?? '',
      // Qwen3's template: without this the model is prompted to think first; students answer directly.
      enable_thinking: false,
    });
  }
}

/** What a tokenizer contributes to prompt formatting. */
export interface FormatTokenizer extends TextTokenizer {
  readonly tokenNames?: Readonly<Record<string, string | undefined>>;
}

/** The format a new student gets by default: chat when its tokenizer has a chat template, else raw. */
export function defaultPromptFormat(tokenizer: TextTokenizer): PromptFormat {
  return tokenizer.chatTemplate ? { type: 'chat' } : RAW_FORMAT;
}

/** Reads `apprentice.promptFormat` from config.json; absent means raw (checkpoints made before it existed). */
export function parsePromptFormat(value: unknown, file: string): PromptFormat {
  const field = 'apprentice.promptFormat';
  if (value === undefined || value === null) return RAW_FORMAT;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InputError('expected {"type": "raw" | "chat"}', { file, field });
  const v = value as Record<string, unknown>;
  if (v.type === 'raw') return RAW_FORMAT;
  if (v.type !== 'chat') throw new InputError(`expected "raw" or "chat", got ${JSON.stringify(v.type)}`, { file, field: `${field}.type` });
  if (v.system !== undefined && typeof v.system !== 'string') throw new InputError('expected a string', { file, field: `${field}.system` });
  return v.system === undefined ? { type: 'chat' } : { type: 'chat', system: v.system };
}

/** Checks that a format can be used with a tokenizer (a chat format needs a chat template). */
export function checkPromptFormat(format: PromptFormat, tokenizer: TextTokenizer): void {
  if (format.type === 'chat' && !tokenizer.chatTemplate) {
    throw new InputError('the prompt format is "chat" but the tokenizer has no chat_template', {
      file: 'tokenizer_config.json',
      field: 'chat_template',
    });
  }
}

const templates = new WeakMap<TextTokenizer, ChatTemplate>();

/** The tokenizer's chat template, parsed once. */
export function chatTemplateOf(tokenizer: FormatTokenizer): ChatTemplate {
  let template = templates.get(tokenizer);
  if (!template) {
    if (!tokenizer.chatTemplate) throw new InputError('this model has no chat template', { field: 'chat_template' });
    const names = tokenizer.tokenNames ?? {};
    template = new ChatTemplate(tokenizer.chatTemplate, { bos: names.bos, eos: names.eos, pad: names.pad, unk: names.unk });
    templates.set(tokenizer, template);
  }
  return template;
}

/** The conversation of a chat row: the format's system prompt unless the messages bring their own. */
function withSystem(format: { system?: string }, messages: readonly ChatTurn[]): ChatTurn[] {
  const hasSystem = messages[0]?.role === 'system';
  return format.system !== undefined && !hasSystem ? [{ role: 'system', content: format.system }, ...messages] : [...messages];
}

/** Chat text starts with BOS only if the template writes it; the model's add_bos adds it otherwise. */
function chatPrompt(tokenizer: FormatTokenizer, text: string): RenderedPrompt {
  const bosText = tokenizer.bosId === undefined ? undefined : tokenizer.tokenText(tokenizer.bosId);
  const startsWithBos = bosText !== undefined && text.startsWith(bosText);
  return { text, parseSpecial: true, addBos: tokenizer.addsBos && !startsWithBos };
}

/**
 * The prompt a student gets for a request: `prompt` is a training row's prompt (wrapped in the chat template
 * for a chat student), `messages` a conversation (rendered with the template; for a raw student as the plain
 * "role: content" transcript). `raw` sends the prompt as it is, whatever the format.
 */
export function renderRequest(
  format: PromptFormat,
  tokenizer: FormatTokenizer,
  request: { prompt?: string; messages?: readonly ChatTurn[]; raw?: boolean },
): RenderedPrompt | undefined {
  if (request.raw || format.type === 'raw') {
    if (request.prompt !== undefined && (request.raw || !request.messages?.length)) {
      return { text: request.prompt, parseSpecial: false, addBos: tokenizer.addsBos };
    }
    // Messages to a raw student: the plain transcript the runtime uses for a model without a chat template
    // (what `scale family` trains on), never the base's chat template, which the student was not trained on.
    if (!request.messages?.length) return undefined;
    return { text: transcript(request.messages), parseSpecial: false, addBos: tokenizer.addsBos };
  }
  const messages =
    request.messages && request.messages.length > 0
      ? request.messages
      : request.prompt !== undefined
        ? [{ role: 'user' as const, content: request.prompt }]
        : undefined;
  if (!messages) return undefined;
  const last = messages[messages.length - 1];
  const conversation = withSystem(format, messages);
  const text =
    last?.role === 'assistant'
      ? chatTemplateOf(tokenizer).render(conversation, { addGenerationPrompt: false })
      : chatTemplateOf(tokenizer).render(conversation, { addGenerationPrompt: true });
  return chatPrompt(tokenizer, text);
}

/** Messages as "role: content" lines ending with "assistant:" (the gguf provider's rendering without a template). */
export function transcript(messages: readonly ChatTurn[]): string {
  return `${messages.map((m) => `${m.role}: ${m.content}\n`).join('')}assistant:`;
}

/** A rendered prompt as token ids, exactly as a runtime tokenizes it. */
export function encodePrompt(tokenizer: TextTokenizer, prompt: RenderedPrompt): number[] {
  const ids = tokenizer.encode(prompt.text, { parseSpecial: prompt.parseSpecial });
  if (prompt.addBos && tokenizer.bosId !== undefined) ids.unshift(tokenizer.bosId);
  return ids;
}

/** A training row as prompt ids (not scored) and completion ids (scored, ending with the end of turn / eos). */
export function encodeRow(
  format: PromptFormat,
  tokenizer: FormatTokenizer,
  row: { prompt: string; completion: string },
): { promptIds: number[]; completionIds: number[] } {
  if (format.type === 'raw') {
    return {
      promptIds: encodePrompt(tokenizer, { text: row.prompt, parseSpecial: false, addBos: tokenizer.addsBos }),
      completionIds: [...tokenizer.encode(row.completion), tokenizer.eosId],
    };
  }
  const template = chatTemplateOf(tokenizer);
  const conversation = withSystem(format, [{ role: 'user', content: row.prompt }]);
  const promptText = template.render(conversation, { addGenerationPrompt: true });
  const fullText = template.render([...conversation, { role: 'assistant', content: row.completion }], { addGenerationPrompt: false });
  if (!fullText.startsWith(promptText)) {
    throw new InputError(
      'the chat template does not render a conversation as its prompt (with add_generation_prompt) followed by the reply, so the reply cannot be told apart for training',
      { file: 'tokenizer_config.json', field: 'chat_template' },
    );
  }
  const tail = tokenizer.encode(fullText.slice(promptText.length), { parseSpecial: true });
  const endOfTurn = tail.findIndex((id) => tokenizer.isSpecial(id));
  const completionIds = endOfTurn >= 0 ? tail.slice(0, endOfTurn + 1) : [...tail, tokenizer.eosId];
  return { promptIds: encodePrompt(tokenizer, chatPrompt(tokenizer, promptText)), completionIds };
}

/**
 * The ids that end a student's reply: the eos ids and, for a chat format, the end-of-turn token its template
 * writes after a reply (Llama 3's <|eot_id|> when eos is <|end_of_text|>).
 */
export function stopTokenIds(format: PromptFormat, tokenizer: FormatTokenizer): number[] {
  const ids = new Set(tokenizer.eosIds);
  if (format.type === 'chat') {
    const { completionIds } = encodeRow(format, tokenizer, { prompt: 'x', completion: 'y' });
    const last = completionIds[completionIds.length - 1];
    if (last !== undefined && tokenizer.isSpecial(last)) ids.add(last);
  }
  return [...ids];
}
