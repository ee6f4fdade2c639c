/**
 * Fine-tuning files as OpenAI takes them: JSON lines, each either a chat example
 *   {"messages": [{"role": "system"|"user"|"assistant", "content": "...", "weight"?: 0|1}, ...]}
 * or a prompt/completion example
 *   {"prompt": "...", "completion": "..."}
 * One file holds one kind. A bad line is a FineTuneFileError naming the line and the field (e.g.
 * `messages[2].content`), which the API answers with a 400 in OpenAI's error shape.
 */
import { InputError } from '../util/errors.js';
import { isObject } from '../util/isObject.js';

export interface ChatTurnLine {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Assistant turns only: 0 = not trained on (OpenAI's `weight`). */
  weight: 0 | 1;
}

export type FineTuneLine = { kind: 'chat'; line: number; messages: ChatTurnLine[] } | { kind: 'completion'; line: number; prompt: string; completion: string };

export class FineTuneFileError extends InputError {
  readonly param: string;
  constructor(message: string, line: number, field: string) {
    super(message, { line, field });
    this.param = field;
  }
}

const ROLES = new Set(['system', 'user', 'assistant']);

/** Parses and validates every line; the first bad one throws. Blank lines are skipped. */
export function parseFineTuneFile(text: string): FineTuneLine[] {
  const lines: FineTuneLine[] = [];
  const rows = text.split(/\r?\n/);
  for (let index = 0; index < rows.length; index++) {
    const raw = rows[index]!.trim();
    if (raw === '') continue;
    const lineNumber = index + 1;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      throw new FineTuneFileError(`is not valid JSON (${(error as Error).message})`, lineNumber, 'line');
    }
    if (!isObject(data)) throw new FineTuneFileError('must be a JSON object', lineNumber, 'line');
    const parsed = 'messages' in data ? chatLine(data, lineNumber) : completionLine(data, lineNumber);
    const first = lines[0];
    if (first && first.kind !== parsed.kind) {
      throw new FineTuneFileError(
        `is a ${parsed.kind === 'chat' ? 'chat ("messages")' : 'prompt/completion'} example, but line ${first.line} is a ${first.kind === 'chat' ? 'chat' : 'prompt/completion'} one: a file holds one kind`,
        lineNumber,
        parsed.kind === 'chat' ? 'messages' : 'prompt',
      );
    }
    lines.push(parsed);
  }
  if (lines.length === 0) throw new FineTuneFileError('the file has no examples', 1, 'file');
  return lines;
}

function chatLine(data: Record<string, unknown>, line: number): FineTuneLine {
  const messages = data.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new FineTuneFileError('must be a non-empty array of messages', line, 'messages');
  const turns = messages.map((message: unknown, i): ChatTurnLine => {
    const field = `messages[${i}]`;
    if (!isObject(message)) throw new FineTuneFileError('must be an object with "role" and "content"', line, field);
    const { role, content, weight } = message;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw new FineTuneFileError(`must be one of system, user, assistant, got ${JSON.stringify(role)}`, line, `${field}.role`);
    }
    if (typeof content !== 'string') {
      throw new FineTuneFileError(`must be a string, got ${content === undefined ? 'nothing' : JSON.stringify(content)}`, line, `${field}.content`);
    }
    if (weight !== undefined && (role !== 'assistant' || (weight !== 0 && weight !== 1))) {
      throw new FineTuneFileError(role === 'assistant' ? 'must be 0 or 1' : 'is only allowed on assistant messages', line, `${field}.weight`);
    }
    return { role: role as ChatTurnLine['role'], content, weight: weight === 0 ? 0 : 1 };
  });
  const trained = turns.filter((turn) => turn.role === 'assistant' && turn.weight === 1);
  if (trained.length === 0) throw new FineTuneFileError('has no assistant message to train on (with weight 1)', line, 'messages');
  return { kind: 'chat', line, messages: turns };
}

function completionLine(data: Record<string, unknown>, line: number): FineTuneLine {
  for (const field of ['prompt', 'completion'] as const) {
    if (data[field] === undefined) throw new FineTuneFileError('is missing (each line needs "messages", or "prompt" and "completion")', line, field);
    if (typeof data[field] !== 'string') throw new FineTuneFileError(`must be a string, got ${JSON.stringify(data[field])}`, line, field);
  }
  if (data.completion === '') throw new FineTuneFileError('is empty: there is nothing to learn from this line', line, 'completion');
  return { kind: 'completion', line, prompt: data.prompt as string, completion: data.completion as string };
}
