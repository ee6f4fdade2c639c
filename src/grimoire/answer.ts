/**
 * One weak-model answer to one question under one context (nothing, examples or a grimoire), as an
 * evaluation record: prompt, raw output, the label the harness's one extractor finds (as the paper
 * scores: the text after the last "Answer:", ignoring case and punctuation; a run-on into an
 * invented "Question:" or "Please answer:" is cut first), correctness, tokens and cost.
 * A failed call becomes an error record (counted, retried on resume), never a wrong answer.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { answerRecord } from '../eval/evaluators.js';
import { promptLayout } from '../eval/extract/index.js';
import type { ExampleRecord } from '../eval/records.js';
import type { LanguageModel } from '../models/types.js';
import { ANSWER_STOPS, buildWeakPrompt, type PromptContext } from './prompt.js';
import type { Templates } from './templates.js';

/** How the weak model answers with a grimoire: token limit, temperature, templates and answer pattern. */
export interface AnswerSettings {
  maxTokens: number;
  temperature: number;
  templates?: Templates;
  /** A user's final-answer pattern (--answer-pattern), compiled. */
  answerPattern?: RegExp;
}

/** The fields the weak-model layout opens a question with (examples: "Question:", the asked one: "Please answer:"). */
const LAYOUT_FIELDS = ['Question', 'Please answer'];

export const DEFAULT_ANSWER_SETTINGS: AnswerSettings = { maxTokens: 64, temperature: 0 };

export async function answerWithContext(
  model: LanguageModel,
  task: TaskDefinition,
  example: Example,
  context: PromptContext,
  settings: AnswerSettings = DEFAULT_ANSWER_SETTINGS,
): Promise<ExampleRecord> {
  const prompt = buildWeakPrompt(task, example.input, context, settings.templates);
  const demos = context.kind === 'examples' ? context.examples : [];
  return answerRecord(
    model,
    task,
    example,
    { messages: prompt, stop: ANSWER_STOPS, maxTokens: settings.maxTokens, temperature: settings.temperature },
    { layout: promptLayout(task, example, demos, LAYOUT_FIELDS), answerPattern: settings.answerPattern },
  );
}
