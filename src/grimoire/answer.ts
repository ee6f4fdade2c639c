/**
 * One weak-model answer to one question under one context (nothing, examples or a grimoire), as an
 * evaluation record: prompt, raw output, the label the foundation's extraction finds (the paper's rule:
 * the text after the last "Answer:", without '.' and ',' and case), correctness, tokens and cost.
 * A failed call becomes an error record (counted, retried on resume), never a wrong answer.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { answerRecord } from '../eval/evaluators.js';
import type { ExampleRecord } from '../eval/records.js';
import type { LanguageModel } from '../models/types.js';
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
  return answerRecord(model, task, example, {
    messages: prompt,
    stop: ANSWER_STOPS,
    maxTokens: settings.maxTokens,
    temperature: settings.temperature,
  });
}
