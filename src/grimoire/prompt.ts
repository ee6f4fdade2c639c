/**
 * The weak model's prompt in the paper's layout: "You are an expert in {task type}, {description}",
 * a blank line, then the examples or the grimoire (or nothing), "Please answer:", the question and
 * an instruction to output only the answer — all in one user message, from `answer.txt`.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import type { ChatMessage } from '../models/types.js';
import { loadTemplates, render, type Templates } from './templates.js';

export type PromptContext =
  { kind: 'zero-shot' } | { kind: 'examples'; examples: readonly Pick<Example, 'input' | 'target'>[] } | { kind: 'grimoire'; text: string };

/** A model that runs on usually invents the next example; stop there. */
export const ANSWER_STOPS = ['\nQuestion:', '\nPlease answer:'];

export function buildWeakPrompt(task: TaskDefinition, question: string, context: PromptContext, templates: Templates = loadTemplates()): ChatMessage[] {
  return [
    {
      role: 'user',
      content: render(
        templates.answer,
        {
          taskType: task.taskType ?? task.name,
          description: task.description,
          labels: labelsOf(task).join(' / '),
          context: contextBlock(context, templates),
          question,
        },
        'answer',
      ),
    },
  ];
}

function contextBlock(context: PromptContext, templates: Templates): string {
  switch (context.kind) {
    case 'zero-shot':
      return '';
    case 'grimoire':
      return `${context.text.trim()}\n\n`;
    case 'examples':
      if (!context.examples.length) return '';
      return `${templates['examples-header']}\n${formatExamples(context.examples)}\n\n`;
  }
}

export function formatExamples(examples: readonly Pick<Example, 'input' | 'target'>[]): string {
  return examples.map((example) => `Question: ${example.input}\nAnswer: ${example.target}`).join('\n\n');
}

export function labelsOf(task: TaskDefinition): string[] {
  return task.answer.kind === 'label' ? task.answer.labels : [];
}
