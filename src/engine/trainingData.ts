/**
 * Training data for a student: JSON lines (or a JSON array) of
 *   { "prompt": string, "completion": string, "weight"?: number >= 0, "task"?: string }
 * Loss is taken on the completion (and the end-of-sequence / end-of-turn token after it) only, each token weighted by its
 * example's weight; `task` tags let training report a loss per task (e.g. label vs rationale when distilling
 * step by step). Bad lines stop with an error naming the file, the line and the field.
 */
import { formatFromExtension, readRecordFile, type SourceRecord } from '../data/readers.js';
import { InputError } from '../util/errors.js';
import { createRng, shuffle } from '../util/random.js';
import { encodeRow, RAW_FORMAT, type PromptFormat } from './tokenizers/promptFormat.js';
import type { TextTokenizer } from './tokenizers/textTokenizer.js';

/** One prompt/completion pair a student learns from, with its weight. */
export interface TrainingExample {
  prompt: string;
  completion: string;
  weight: number;
  task: string;
  /** Where it came from, for messages. */
  source: { file: string; line: number };
}

/** An example as token ids: input[t] predicts input[t + 1]; lossMask[t] = 1 where input[t + 1] is scored. */
export interface EncodedExample {
  ids: number[];
  /** Index of the first completion token in ids (loss starts predicting it). */
  completionStart: number;
  weight: number;
  task: string;
  /** True when the prompt was cut from the left to fit the context. */
  truncated: boolean;
}

export const DEFAULT_TASK = 'default';

export function parseTrainingRecord(record: SourceRecord, file: string): TrainingExample {
  const { data, line } = record;
  const where = (field: string) => ({ file, line, field });
  const text = (field: 'prompt' | 'completion'): string => {
    const value = data[field];
    if (value === undefined) throw new InputError('is missing (each line needs "prompt" and "completion")', where(field));
    if (typeof value !== 'string') throw new InputError(`must be a string, got ${JSON.stringify(value)}`, where(field));
    return value;
  };
  const prompt = text('prompt');
  const completion = text('completion');
  if (completion === '') throw new InputError('is empty: there is nothing to learn from this line', where('completion'));
  let weight = 1;
  if (data.weight !== undefined) {
    if (typeof data.weight !== 'number' || !Number.isFinite(data.weight) || data.weight < 0) {
      throw new InputError(`must be a number >= 0, got ${JSON.stringify(data.weight)}`, where('weight'));
    }
    weight = data.weight;
  }
  let task = DEFAULT_TASK;
  if (data.task !== undefined) {
    if (typeof data.task !== 'string' || data.task === '') {
      throw new InputError(`must be a non-empty string, got ${JSON.stringify(data.task)}`, where('task'));
    }
    task = data.task;
  }
  return { prompt, completion, weight, task, source: { file, line } };
}

/** Reads prompt/completion training examples from a JSON lines or JSON file. */
export async function readTrainingExamples(file: string): Promise<TrainingExample[]> {
  const format = formatFromExtension(file) ?? 'jsonl';
  if (format === 'csv') throw new InputError('training data must be JSON lines (.jsonl) or a JSON array (.json)', { file });
  const records = await readRecordFile(file, format);
  if (records.length === 0) throw new InputError('has no examples', { file });
  const examples = records.map((record) => parseTrainingRecord(record, file));
  if (!examples.some((e) => e.weight > 0)) throw new InputError('every example has weight 0', { file, field: 'weight' });
  return examples;
}

/** Seeded hold-out of a validation split: `fraction` of the examples (at least 1, at most maxCount). */
export function holdOut(
  examples: readonly TrainingExample[],
  fraction: number,
  seed: number,
  maxCount = 1000,
): { train: TrainingExample[]; validation: TrainingExample[] } {
  if (fraction <= 0 || examples.length < 2) return { train: [...examples], validation: [] };
  const count = Math.min(maxCount, Math.max(1, Math.round(examples.length * fraction)), examples.length - 1);
  const order = shuffle([...examples.keys()], createRng(`holdout:${seed}`));
  const held = new Set(order.slice(0, count));
  return {
    train: examples.filter((_, i) => !held.has(i)),
    validation: examples.filter((_, i) => held.has(i)),
  };
}

/**
 * The row in the student's prompt format (raw: [bos] prompt completion eos; chat: the chat template, see
 * tokenizers/promptFormat.ts), at most contextLength + 1 tokens (the prompt is cut from the left).
 */
export function encodeExample(example: TrainingExample, tokenizer: TextTokenizer, contextLength: number, format: PromptFormat = RAW_FORMAT): EncodedExample {
  const encoded = encodeRow(format, tokenizer, example);
  let prompt = encoded.promptIds;
  let completion = encoded.completionIds;
  const room = contextLength + 1;
  let truncated = false;
  if (prompt.length + completion.length > room) {
    truncated = true;
    // Keep the leading BOS (a sequence without it is out of distribution) and cut the prompt after it.
    const bos = tokenizer.bosId !== undefined && prompt[0] === tokenizer.bosId ? [tokenizer.bosId] : [];
    const keepPrompt = Math.max(0, room - bos.length - completion.length);
    prompt = [...bos, ...prompt.slice(Math.max(bos.length, prompt.length - keepPrompt))];
    completion = completion.slice(0, room - prompt.length);
  }
  return {
    ids: [...prompt, ...completion],
    completionStart: prompt.length,
    weight: example.weight,
    task: example.task,
    truncated,
  };
}

/** Text the tokenizer is trained on. */
export function tokenizerCorpus(examples: readonly TrainingExample[]): string[] {
  return examples.flatMap((e) => [e.prompt, e.completion]);
}
