/**
 * Fine-tuning lines as the engine's training rows ({prompt, completion}, loss on the completion only).
 *
 * - prompt/completion lines are rows as they are.
 * - chat lines for a student without a chat template (the built-in sizes, raw bases): one row per trained
 *   assistant turn, its prompt the plain transcript of the turns before it ("role: content" lines ending
 *   with "assistant:", what the builtin provider renders a chat request as) and its completion " <reply>".
 * - chat lines for a base with a chat template: the engine renders rows through the template as one user
 *   turn (with the format's system prompt), so a line must be [system?] user assistant, and every system
 *   prompt the same; anything else is refused naming the line.
 */
import type { TrainingExample } from '../engine/trainingData.js';
import { DEFAULT_TASK } from '../engine/trainingData.js';
import { transcript, type PromptFormat } from '../engine/tokenizers/promptFormat.js';
import { FineTuneFileError, type FineTuneLine } from './fileFormat.js';

export interface TrainingRows {
  examples: TrainingExample[];
  /** The chat format for a template student (with the file's system prompt), else undefined (the engine's default). */
  promptFormat?: PromptFormat;
}

export function trainingRows(lines: readonly FineTuneLine[], file: string, chatTemplate: boolean): TrainingRows {
  const examples: TrainingExample[] = [];
  let system: string | undefined;
  let systemLine: number | undefined;
  const row = (prompt: string, completion: string, line: number, weight = 1): TrainingExample => ({
    prompt,
    completion,
    weight,
    task: DEFAULT_TASK,
    source: { file, line },
  });
  for (const line of lines) {
    if (line.kind === 'completion') {
      examples.push(row(line.prompt, line.completion, line.line));
      continue;
    }
    if (!chatTemplate) {
      line.messages.forEach((turn, i) => {
        if (turn.role === 'assistant' && turn.weight === 1) {
          examples.push(row(transcript(line.messages.slice(0, i)), ` ${turn.content}`, line.line));
        }
      });
      continue;
    }
    const turns = line.messages;
    const offset = turns[0]?.role === 'system' ? 1 : 0;
    if (turns.length !== offset + 2 || turns[offset]?.role !== 'user' || turns[offset + 1]?.role !== 'assistant') {
      throw new FineTuneFileError('a base with a chat template trains on single-turn examples: [system], user, assistant', line.line, 'messages');
    }
    const lineSystem = offset === 1 ? turns[0]!.content : undefined;
    if (examples.length > 0 && lineSystem !== system) {
      throw new FineTuneFileError(
        `has another system prompt than line ${systemLine}: a base with a chat template trains with one`,
        line.line,
        'messages[0].content',
      );
    }
    system = lineSystem;
    systemLine = line.line;
    examples.push(row(turns[offset]!.content, turns[offset + 1]!.content, line.line));
  }
  const hasChat = lines.some((line) => line.kind === 'chat');
  return { examples, ...(chatTemplate && hasChat ? { promptFormat: { type: 'chat', ...(system !== undefined ? { system } : {}) } } : {}) };
}
