/**
 * An Ollama Modelfile for an exported GGUF, in the student's prompt format:
 *
 *   FROM ./<model>.gguf
 *   TEMPLATE """..."""      Go template over .Messages (chat) or {{ .Prompt }} (raw)
 *   SYSTEM """..."""        the format's system prompt, if any
 *   PARAMETER stop "..."    the eos and end-of-turn tokens
 *
 * Ollama does not run Jinja, so a chat template is turned into a Go template by rendering it with marker
 * contents and cutting the result into the pieces around each message (start, system / user / assistant
 * prefix and suffix, generation prompt). The pieces are checked against the Jinja rendering of several
 * conversations (system or not, one or two user turns); a template they do not reproduce (content-dependent
 * logic, tools) gets no TEMPLATE line, and Ollama falls back to its own reading of the GGUF's
 * tokenizer.chat_template (`templateFromJinja: false` says so).
 */
import { chatTemplateOf, stopTokenIds, type ChatTurn, type FormatTokenizer, type PromptFormat } from '../tokenizers/promptFormat.js';

export interface Modelfile {
  text: string;
  /** Whether TEMPLATE came from the chat template (false: raw format, or Ollama's own detection). */
  templateFromJinja: boolean;
}

interface ChatPieces {
  start: string;
  system: readonly [string, string];
  user: readonly [string, string];
  assistant: readonly [string, string];
  generation: string;
}

const M = (name: string) => `\u0001${name}\u0002`;

/** Cuts a rendering at the given marker contents: the text before, between and after them. */
function cut(text: string, markers: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let from = 0;
  for (const marker of markers) {
    const at = text.indexOf(marker, from);
    if (at < 0) return undefined;
    out.push(text.slice(from, at));
    from = at + marker.length;
  }
  out.push(text.slice(from));
  return out;
}

/** The pieces of a chat template, or undefined when it is not built from per-message pieces. */
export function chatPieces(render: (messages: ChatTurn[], addGenerationPrompt: boolean) => string): ChatPieces | undefined {
  const [s, u1, a1, u2] = [M('s'), M('u1'), M('a1'), M('u2')];
  try {
    const turns = cut(
      render(
        [
          { role: 'user', content: u1 },
          { role: 'assistant', content: a1 },
          { role: 'user', content: u2 },
        ],
        true,
      ),
      [u1, a1, u2],
    );
    const closed = cut(render([{ role: 'user', content: u1 }], false), [u1]);
    const withSystem = cut(
      render(
        [
          { role: 'system', content: s },
          { role: 'user', content: u1 },
        ],
        true,
      ),
      [s, u1],
    );
    if (!turns || !closed || !withSystem) return undefined;
    const [beforeU1, afterU1ToA1, afterA1ToU2, afterU2] = turns as [string, string, string, string];
    const userSuffix = closed[1] as string;
    if (!afterU1ToA1.startsWith(userSuffix) || !afterU2.startsWith(userSuffix)) return undefined;
    const assistantPrefix = afterU1ToA1.slice(userSuffix.length);
    const generation = afterU2.slice(userSuffix.length);
    // The second user turn shows the user prefix and the assistant suffix; what the first turn has more is the start.
    const userPrefix = commonSuffix(beforeU1, afterA1ToU2);
    const assistantSuffix = afterA1ToU2.slice(0, afterA1ToU2.length - userPrefix.length);
    const start = beforeU1.slice(0, beforeU1.length - userPrefix.length);
    const [beforeS, betweenSAndU1] = withSystem as [string, string, string];
    if (!beforeS.startsWith(start) || !betweenSAndU1.endsWith(userPrefix)) return undefined;
    const pieces: ChatPieces = {
      start,
      system: [beforeS.slice(start.length), betweenSAndU1.slice(0, betweenSAndU1.length - userPrefix.length)],
      user: [userPrefix, userSuffix],
      assistant: [assistantPrefix, assistantSuffix],
      generation,
    };
    return reproduces(pieces, render) ? pieces : undefined;
  } catch {
    return undefined;
  }
}

function commonSuffix(a: string, b: string): string {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return a.slice(a.length - n);
}

/** What the Go template made from the pieces renders (its semantics, written out). */
export function renderPieces(pieces: ChatPieces, messages: readonly ChatTurn[]): string {
  let out = pieces.start;
  messages.forEach((m, i) => {
    const last = i === messages.length - 1;
    const [prefix, suffix] = pieces[m.role];
    out += prefix + m.content + (m.role === 'assistant' && last ? '' : suffix);
    if (m.role !== 'assistant' && last) out += pieces.generation;
  });
  return out;
}

function reproduces(pieces: ChatPieces, render: (messages: ChatTurn[], addGenerationPrompt: boolean) => string): boolean {
  const conversations: ChatTurn[][] = [
    [{ role: 'user', content: 'What is 2 + 2?' }],
    [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi there' },
    ],
    [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'Name a prime.' },
    ],
    [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ],
  ];
  return conversations.every((c) => render(c, true) === renderPieces(pieces, c));
}

/** Go template text for the pieces (no whitespace trimming: the pieces' own newlines must stay). */
function goTemplate(pieces: ChatPieces): string {
  const [sp, ss] = pieces.system;
  const [up, us] = pieces.user;
  const [ap, as] = pieces.assistant;
  return (
    `${pieces.start}{{ range $i, $_ := .Messages }}{{ $last := eq (len (slice $.Messages $i)) 1 }}` +
    `{{ if eq .Role "system" }}${sp}{{ .Content }}${ss}` +
    `{{ else if eq .Role "user" }}${up}{{ .Content }}${us}` +
    `{{ else if eq .Role "assistant" }}${ap}{{ .Content }}{{ if not $last }}${as}{{ end }}{{ end }}` +
    `{{ if and (ne .Role "assistant") $last }}${pieces.generation}{{ end }}{{ end }}`
  );
}

/** A Modelfile string literal: Ollama's triple-quoted form (no escapes inside). */
function quoted(text: string): string {
  if (text.includes('"""')) throw new Error(`a Modelfile value cannot contain """: ${JSON.stringify(text)}`);
  return `"""${text}"""`;
}

export function ollamaModelfile(ggufFile: string, format: PromptFormat, tokenizer: FormatTokenizer): Modelfile {
  const lines = [`FROM ./${ggufFile}`];
  let templateFromJinja = false;
  if (format.type === 'raw') {
    lines.push(`TEMPLATE ${quoted('{{ .Prompt }}')}`);
  } else {
    const template = chatTemplateOf(tokenizer);
    const pieces = chatPieces((messages, addGenerationPrompt) => template.render(messages, { addGenerationPrompt }));
    const literals = pieces ? [pieces.start, ...pieces.system, ...pieces.user, ...pieces.assistant, pieces.generation] : [];
    if (pieces && !literals.some((l) => l.includes('{{') || l.includes('"""'))) {
      // Ollama's runner adds BOS itself when the GGUF says add_bos_token; the template must not add a second.
      const bosText = tokenizer.bosId === undefined ? undefined : tokenizer.tokenText(tokenizer.bosId);
      const start = tokenizer.addsBos && bosText !== undefined && pieces.start.startsWith(bosText) ? pieces.start.slice(bosText.length) : pieces.start;
      lines.push(`TEMPLATE ${quoted(goTemplate({ ...pieces, start }))}`);
      templateFromJinja = true;
    }
    if (format.system !== undefined) lines.push(`SYSTEM ${quoted(format.system)}`);
  }
  for (const id of stopTokenIds(format, tokenizer)) lines.push(`PARAMETER stop ${JSON.stringify(tokenizer.tokenText(id))}`);
  return { text: lines.join('\n') + '\n', templateFromJinja };
}
