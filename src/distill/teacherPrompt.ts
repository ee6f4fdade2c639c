/**
 * The few-shot chain-of-thought prompt a teacher annotates with. Demonstrations come from the user
 * (`--demos file`) or from the template for the task's answer type in templates/distill/ (written
 * for Apprentice: arithmetic for number and expression tasks, multiple-choice questions); label and
 * free-text tasks have no universal demos, so without user demos they get the instruction alone.
 * The layout is the evaluation harness's `cot` prompt, so teacher and evaluated models read the same.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Example, TaskDefinition } from '../data/types.js';
import { buildPrompt, type BuiltPrompt } from '../eval/prompts.js';
import { InputError } from '../util/errors.js';

export interface TeacherDemo {
  input: string;
  rationale: string;
  /** The answer as it should be written (an expression for expression tasks). */
  answer: string;
  choices?: string[];
}

export interface DemoSet {
  /** Where the demos came from: a template name, a file, or "none". */
  source: string;
  demos: TeacherDemo[];
}

const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/distill/', import.meta.url));

/** The built-in demos for an answer type, or none (label and free-text tasks). */
export function templateDemos(task: TaskDefinition): DemoSet {
  const kind = task.answer.kind;
  if (kind === 'number' || kind === 'expression') {
    const file = `${TEMPLATE_DIR}arithmetic.json`;
    const demos = readTemplate(file).map((demo) => ({
      input: text(demo, 'input', file),
      rationale: text(demo, 'rationale', file),
      answer: text(demo, kind === 'expression' ? 'expression' : 'answer', file),
    }));
    return { source: 'template:arithmetic', demos };
  }
  if (kind === 'multiple_choice') {
    const file = `${TEMPLATE_DIR}multiple-choice.json`;
    const demos = readTemplate(file).map((demo) => ({
      input: text(demo, 'input', file),
      rationale: text(demo, 'rationale', file),
      answer: text(demo, 'answer', file),
      choices: demo.choices as string[],
    }));
    return { source: 'template:multiple-choice', demos };
  }
  return { source: 'none', demos: [] };
}

/**
 * User demonstrations: a JSON array or JSON lines of `{input, rationale, answer, choices?}`.
 * Every problem names the file, line (or array position) and field.
 */
export function readUserDemos(path: string, task: TaskDefinition): DemoSet {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch {
    throw new InputError('cannot read demonstrations file', { file: path });
  }
  let rows: { value: unknown; line: number }[];
  const trimmed = content.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: path });
    }
    rows = (parsed as unknown[]).map((value, i) => ({ value, line: i + 1 }));
  } else {
    rows = [];
    content.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        rows.push({ value: JSON.parse(line), line: i + 1 });
      } catch (error) {
        throw new InputError(`invalid JSON: ${(error as Error).message}`, { file: path, line: i + 1 });
      }
    });
  }
  if (rows.length === 0) throw new InputError('no demonstrations', { file: path });
  const demos = rows.map(({ value, line }) => {
    const where = { file: path, line };
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InputError('expected an object', where);
    const row = value as Record<string, unknown>;
    const field = (name: string): string => {
      const v = row[name];
      if (typeof v !== 'string' || !v.trim()) throw new InputError('missing or not a non-empty string', { ...where, field: name });
      return v.trim();
    };
    const demo: TeacherDemo = { input: field('input'), rationale: field('rationale'), answer: field('answer') };
    if (task.answer.kind === 'multiple_choice') {
      const choices = row.choices;
      if (!Array.isArray(choices) || choices.length < 2 || !choices.every((c) => typeof c === 'string')) {
        throw new InputError('multiple-choice demonstrations need a list of at least two options', { ...where, field: 'choices' });
      }
      demo.choices = choices as string[];
    }
    return demo;
  });
  return { source: `file:${path}`, demos };
}

/** The teacher's prompt for one example: the harness's chain-of-thought layout with these demos. */
export function teacherPrompt(task: TaskDefinition, example: Example, demos: TeacherDemo[]): BuiltPrompt {
  const shown: Example[] = demos.map((demo, i) => ({
    index: -1 - i,
    id: `demo-${i}`,
    input: demo.input,
    target: demo.answer,
    rationale: demo.rationale,
    ...(demo.choices ? { choices: demo.choices } : {}),
    raw: {},
  }));
  const built = buildPrompt('cot', task, example, shown);
  // A chain-of-thought completion may also invent a "Q:"-style next question.
  return { ...built, stop: [...(built.stop ?? []), '\n\nQ:'] };
}

function readTemplate(file: string): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the built-in template ${file}: ${(error as Error).message}`);
  }
  const demos = (parsed as { demos?: unknown }).demos;
  if (!Array.isArray(demos)) throw new Error(`built-in template ${file} has no "demos" list`);
  return demos as Record<string, unknown>[];
}

function text(demo: Record<string, unknown>, key: string, file: string): string {
  const value = demo[key];
  if (typeof value !== 'string') throw new Error(`built-in template ${file}: a demo lacks "${key}"`);
  return value;
}
