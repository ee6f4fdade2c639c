/**
 * Prompt layouts for the four prompt styles. One system message states the task (and the allowed
 * labels); one user message holds the demonstrations as Question/Answer pairs, the question, and
 * an instruction on the answer format. Zero-shot chain of thought (Kojima et al. 2022) takes two
 * calls: "Let's think step by step." first, then a cue that asks for the answer alone.
 */
import type { AnswerType, Example, TaskDefinition } from '../data/types.js';
import type { ChatMessage } from '../models/types.js';
import { optionLetter } from './extract/choices.js';

/** How an evaluation prompt asks: zero-shot, few-shot, chain of thought, or zero-shot chain of thought. */
export type PromptStyle = 'zero-shot' | 'few-shot' | 'cot' | 'zero-shot-cot';

/** Every {@link PromptStyle}. */
export const PROMPT_STYLES: readonly PromptStyle[] = ['zero-shot', 'few-shot', 'cot', 'zero-shot-cot'];

/** A prompt ready to send: the chat messages and the stop sequences that go with them. */
export interface BuiltPrompt {
  messages: ChatMessage[];
  stop?: string[];
}

/** The fields this layout opens a question with; a line starting with one in an output is a run-on. */
export const QUESTION_FIELDS = ['Question'];

/** A model that keeps going after its answer usually invents the next demonstration. */
const NEXT_QUESTION_STOPS = ['\n\nQuestion:', '\nQuestion:'];
const STEP_BY_STEP = "Let's think step by step.";

/** Builds the evaluation prompt for one example in the given style, with demonstrations for few-shot styles. */
export function buildPrompt(style: PromptStyle, task: TaskDefinition, example: Example, demos: Example[]): BuiltPrompt {
  const shownDemos = style === 'zero-shot' || style === 'zero-shot-cot' ? [] : demos;
  const blocks = shownDemos.map((demo) => `${questionBlock(task, demo)}\nAnswer: ${demoAnswer(style, task, demo)}`);
  const question = questionBlock(task, example);
  const user = style === 'zero-shot-cot' ? [...blocks, `${question}\nAnswer: ${STEP_BY_STEP}`] : [...blocks, question, formatInstruction(style, task.answer)];
  return {
    messages: [
      { role: 'system', content: systemText(task) },
      { role: 'user', content: user.join('\n\n') },
    ],
    stop: NEXT_QUESTION_STOPS,
  };
}

/**
 * Second stage of zero-shot CoT: the first stage's messages, the model's reasoning as its turn,
 * then the answer-type cue (Kojima et al.'s "Therefore, the answer (arabic numerals) is").
 */
export function buildAnswerExtractionPrompt(task: TaskDefinition, example: Example, firstMessages: ChatMessage[], reasoning: string): BuiltPrompt {
  const cue = answerCue(task.answer, example);
  return {
    messages: [
      ...firstMessages,
      { role: 'assistant', content: reasoning.trim() },
      { role: 'user', content: `Now give only the final answer by completing this sentence: "${cue}"` },
    ],
    stop: NEXT_QUESTION_STOPS,
  };
}

export function answerCue(answer: AnswerType, example: Example): string {
  switch (answer.kind) {
    case 'label':
      return `Therefore, among the labels ${answer.labels.join(', ')}, the answer is`;
    case 'number':
    case 'expression':
      return 'Therefore, the answer (arabic numerals) is';
    case 'multiple_choice': {
      const count = example.choices?.length ?? 0;
      return count > 0 ? `Therefore, among (a) through (${optionLetter(count - 1)}), the answer is` : 'Therefore, the answer is';
    }
    case 'free_text':
      return 'Therefore, the answer is';
  }
}

function systemText(task: TaskDefinition): string {
  const lines = [task.taskType ? `You are an expert in ${task.taskType}. ${task.description}` : task.description];
  if (task.answer.kind === 'label') lines.push(`The possible labels are: ${task.answer.labels.join(', ')}.`);
  if (task.answer.kind === 'multiple_choice') lines.push('Each question comes with lettered answer choices.');
  return lines.join('\n');
}

function questionBlock(task: TaskDefinition, example: Example): string {
  const lines = [`Question: ${example.input}`];
  if (task.answer.kind === 'multiple_choice') {
    const choices = example.choices ?? [];
    if (!choices.length) throw new Error(`example ${example.id} of multiple-choice task ${task.name} has no choices`);
    lines.push('Answer choices:', ...choices.map((choice, i) => `(${optionLetter(i)}) ${choice}`));
  }
  return lines.join('\n');
}

function demoAnswer(style: PromptStyle, task: TaskDefinition, demo: Example): string {
  const answer = writtenAnswer(task, demo);
  if (style !== 'cot') return answer;
  const rationale = demo.rationale?.trim();
  if (!rationale) {
    throw new Error(
      `chain-of-thought prompts need a rationale for every demonstration, but demo ${demo.id} of task ${task.name} has none; use few-shot, zero-shot-cot, or demos with rationales`,
    );
  }
  return `${rationale} The answer is ${answer}.`;
}

/** A multiple-choice answer is shown as "(c) wooded area" so the model learns to give both. */
function writtenAnswer(task: TaskDefinition, example: Example): string {
  if (task.answer.kind !== 'multiple_choice') return example.target;
  const index = (example.choices ?? []).findIndex((c) => c.trim().toLowerCase() === example.target.trim().toLowerCase());
  return index >= 0 ? `(${optionLetter(index)}) ${example.target}` : example.target;
}

function formatInstruction(style: PromptStyle, answer: AnswerType): string {
  const reason = style === 'cot';
  switch (answer.kind) {
    case 'label':
      return reason
        ? 'Reason step by step, then finish with "The answer is <label>." using one of the labels exactly as written.'
        : 'Reply with one of the labels only, exactly as written, and nothing else.';
    case 'number':
    case 'expression':
      return reason ? 'Reason step by step, then finish with "The answer is <number>."' : 'Reply with the final number only, and nothing else.';
    case 'multiple_choice':
      return reason
        ? 'Reason step by step, then finish with "The answer is (<letter>) <choice>."'
        : 'Reply with the letter and text of the correct choice only, for example "(b) <choice>", and nothing else.';
    case 'free_text':
      return reason ? 'Reason step by step, then finish with "The answer is <answer>."' : 'Reply with the answer only.';
  }
}
