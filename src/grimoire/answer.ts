/**
 * One weak-model answer to one question under one context (nothing, examples or a grimoire), as an
 * evaluation record: prompt, raw output, the label the foundation's extraction finds (the paper's rule:
 * the text after the last "Answer:", without '.' and ',' and case), correctness, tokens and cost.
 * A failed call becomes an error record (counted, retried on resume), never a wrong answer.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { extractAnswer, isCorrect } from '../eval/extract/index.js';
import { addUsage, type ExampleRecord, ZERO_USAGE } from '../eval/records.js';
import { isModelError } from '../models/errors.js';
import type { ChatMessage, LanguageModel } from '../models/types.js';
import { ANSWER_STOPS, buildWeakPrompt, type PromptContext } from './prompt.js';
import type { Templates } from './templates.js';

export interface AnswerSettings {
  maxTokens: number;
  temperature: number;
  templates?: Templates;
}

export const DEFAULT_ANSWER_SETTINGS: AnswerSettings = { maxTokens: 64, temperature: 0 };

export async function answerWithContext(
  model: LanguageModel,
  task: TaskDefinition,
  example: Example,
  context: PromptContext,
  settings: AnswerSettings = DEFAULT_ANSWER_SETTINGS,
): Promise<ExampleRecord> {
  const prompt = buildWeakPrompt(task, example.input, context, settings.templates);
  const base = baseRecord(example, prompt);
  try {
    const response = await model.generate({
      messages: prompt,
      stop: ANSWER_STOPS,
      maxTokens: settings.maxTokens,
      temperature: settings.temperature,
    });
    const output = response.completions[0]?.text;
    if (output === undefined) throw new Error(`model ${model.spec} returned no completion`);
    const extraction = extractAnswer(output, task.answer, example);
    const correct = extraction.valid && isCorrect(extraction, example.target, task.answer, example);
    return {
      ...base,
      output,
      extracted: extraction.answer,
      valid: extraction.valid,
      correct,
      ...(extraction.valid ? {} : { invalidReason: extraction.reason ?? 'no answer found' }),
      usage: addUsage(ZERO_USAGE, response.usage),
      costUsd: response.meta?.costUsd ?? 0,
      latencyMs: response.meta?.latencyMs ?? 0,
      cached: response.meta?.cached ?? false,
    };
  } catch (error) {
    if (!isModelError(error)) throw error;
    return { ...base, error: { kind: error.kind, message: error.message } };
  }
}

function baseRecord(example: Example, prompt: ChatMessage[]): ExampleRecord {
  return {
    index: example.index,
    id: example.id,
    prompt,
    output: null,
    extracted: null,
    gold: example.target,
    valid: false,
    correct: null,
    usage: ZERO_USAGE,
    costUsd: 0,
    latencyMs: 0,
    cached: false,
  };
}
