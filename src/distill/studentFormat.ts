/**
 * The text a student sees and writes, in one place, so that training data (builders.ts) and the
 * evaluation of a trained student use exactly the same prompts.
 *
 *   answer-only            Question: <input>[\nAnswer choices:\n(a) ...]\nAnswer:                     -> " <label>"
 *   chain of thought       ...\nAnswer: Let's think step by step.                                   -> " <rationale> The answer is <label>."
 *   step-by-step, label    [label] Question: <input>...\nAnswer:                                      -> " <label>"
 *   step-by-step, rationale [rationale] Question: <input>...\nRationale:                              -> " <rationale>"
 *   in-context (k demos)   <demo 1>\n\n...<demo k>\n\n<one of the above without prefix>
 *
 * At inference a step-by-step student runs only the label prompt (Hsieh et al. 2023).
 */
import type { AnswerType } from '../data/types.js';
import { optionLetter } from '../eval/extract/choices.js';

export const LABEL_PREFIX = '[label]';
export const RATIONALE_PREFIX = '[rationale]';
export const COT_CUE = "Let's think step by step.";

/** What a student prompt is built from: an input and, for multiple choice, its options. */
export interface StudentItem {
  input: string;
  choices?: string[];
}

/** A worked demonstration for in-context formats. */
export interface StudentDemo extends StudentItem {
  label: string;
  rationale?: string;
}

export function questionBlock(answer: AnswerType, item: StudentItem): string {
  const lines = [`Question: ${item.input.trim()}`];
  if (answer.kind === 'multiple_choice' && item.choices?.length) {
    lines.push('Answer choices:', ...item.choices.map((choice, i) => `(${optionLetter(i)}) ${choice}`));
  }
  return lines.join('\n');
}

export function answerOnlyPrompt(answer: AnswerType, item: StudentItem, demos: StudentDemo[] = []): string {
  const demoText = demos.map((demo) => `${questionBlock(answer, demo)}\nAnswer: ${demo.label}`);
  return [...demoText, `${questionBlock(answer, item)}\nAnswer:`].join('\n\n');
}

export function cotPrompt(answer: AnswerType, item: StudentItem, demos: StudentDemo[] = []): string {
  const demoText = demos.map((demo) => `${questionBlock(answer, demo)}\nAnswer: ${COT_CUE}${cotCompletion(demo.rationale ?? '', demo.label)}`);
  return [...demoText, `${questionBlock(answer, item)}\nAnswer: ${COT_CUE}`].join('\n\n');
}

export function cotCompletion(rationale: string, label: string): string {
  const reasoning = rationale.trim();
  return reasoning ? ` ${reasoning} The answer is ${label}.` : ` The answer is ${label}.`;
}

export function labelTaskPrompt(answer: AnswerType, item: StudentItem): string {
  return `${LABEL_PREFIX} ${questionBlock(answer, item)}\nAnswer:`;
}

export function rationaleTaskPrompt(answer: AnswerType, item: StudentItem): string {
  return `${RATIONALE_PREFIX} ${questionBlock(answer, item)}\nRationale:`;
}

/** The prompt a trained student is evaluated with, per training method. */
export function inferencePrompt(method: 'standard-ft' | 'standard-distill' | 'step-by-step' | 'cot', answer: AnswerType, item: StudentItem): string {
  switch (method) {
    case 'step-by-step':
      return labelTaskPrompt(answer, item);
    case 'cot':
      return cotPrompt(answer, item);
    default:
      return answerOnlyPrompt(answer, item);
  }
}

/** Where generation should stop for a student: it must not go on to invent the next question. */
export const STUDENT_STOPS = ['\n\nQuestion:', '\nQuestion:', '\n['];
