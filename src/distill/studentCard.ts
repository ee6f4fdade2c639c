/**
 * How a distilled student is asked a question, written beside its checkpoint (`<student>/student-prompt.json`),
 * so that every evaluation of it — the sweep's own, the generic-ability check, `apprentice eval --model
 * builtin:<student dir>` — sends the same raw prompt (its training method's format, the same in-context
 * demonstrations), the same stop strings and token limit, and reads the answer the same way.
 *
 *   { kind, method, maxTokens, stop, demos: null | { shots, seed, pool } }
 *
 * An in-context student's demonstrations are drawn per question from `pool` with the seed and the question's
 * index (builders.ts drawEvaluationDemos), exactly as in the sweep.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../util/zod.js';
import type { Example, TaskDefinition } from '../data/types.js';
import { answerRecord } from '../eval/evaluators.js';
import type { ReadOptions } from '../eval/extract/index.js';
import type { ExampleRecord } from '../eval/records.js';
import { parseModelSpec } from '../models/spec.js';
import type { LanguageModel } from '../models/types.js';
import { readChecked } from '../util/checkedJson.js';
import { drawEvaluationDemos } from './builders.js';
import { isSweepMethod, type SweepMethod } from './methods.js';
import { answerOnlyPrompt, cotPrompt, inferencePrompt, STUDENT_STOPS, type StudentDemo, type StudentItem } from './studentFormat.js';

export const STUDENT_CARD_FILE = 'student-prompt.json';
export const STUDENT_CARD_KIND = 'apprentice-student-prompt';

export interface StudentCard {
  kind: typeof STUDENT_CARD_KIND;
  method: SweepMethod;
  /** Tokens the student may write (answer-only or chain of thought, by method). */
  maxTokens: number;
  stop: string[];
  /** In-context students only: the demonstrations drawn per question. */
  demos: { shots: number; seed: number; pool: StudentDemo[] } | null;
}

/** Demonstrations per in-context prompt, in training and evaluation alike (builders' default). */
export const STUDENT_SHOTS = 4;

export function isStepByStep(method: SweepMethod): boolean {
  return method === 'step-by-step' || method === 'step-by-step-gold';
}

/** Students trained with in-context demonstrations are evaluated with them (the Fu et al. mixture has in-context rows). */
export function usesDemos(method: SweepMethod): boolean {
  return method === 'cot' || method === 'cot-in-context-cot' || method === 'cot-in-context-answer';
}

export function writesChain(method: SweepMethod): boolean {
  return method === 'cot' || method.endsWith('-cot');
}

/** The raw prompt a trained student is evaluated with; `demos` for a student trained in context. */
export function studentPrompt(method: SweepMethod, task: TaskDefinition, item: StudentItem, demos: StudentDemo[] = []): string {
  if (method === 'cot-zero-shot-answer' || method === 'cot-in-context-answer') return answerOnlyPrompt(task.answer, item, demos);
  if (method.startsWith('cot')) return cotPrompt(task.answer, item, demos);
  return inferencePrompt(isStepByStep(method) ? 'step-by-step' : (method as 'standard-ft' | 'standard-distill'), task.answer, item);
}

/** The card of a student of `method`; `demoPool` (and the seed) for an in-context student. */
export function studentCard(method: SweepMethod, maxTokens: { answer: number; cot: number }, demos?: { pool: StudentDemo[]; seed: number }): StudentCard {
  return {
    kind: STUDENT_CARD_KIND,
    method,
    maxTokens: writesChain(method) ? maxTokens.cot : maxTokens.answer,
    stop: [...STUDENT_STOPS],
    demos: usesDemos(method) && demos ? { shots: STUDENT_SHOTS, seed: demos.seed, pool: demos.pool } : null,
  };
}

export function writeStudentCard(studentDir: string, card: StudentCard): void {
  writeFileSync(join(studentDir, STUDENT_CARD_FILE), JSON.stringify(card, null, 2) + '\n');
}

const demoSchema = z.object({ input: z.string(), choices: z.array(z.string()).optional(), label: z.string(), rationale: z.string().optional() });
const cardSchema = z.object({
  kind: z.literal(STUDENT_CARD_KIND),
  method: z.string().refine(isSweepMethod, { message: 'not a distillation method' }),
  maxTokens: z.number().int().positive(),
  stop: z.array(z.string()),
  demos: z.object({ shots: z.number().int().nonnegative(), seed: z.number(), pool: z.array(demoSchema) }).nullable(),
});

/** The card of a checkpoint folder; null when it has none (not a distilled student); an InputError when malformed. */
export function readStudentCard(studentDir: string): StudentCard | null {
  const file = join(studentDir, STUDENT_CARD_FILE);
  if (!existsSync(file)) return null;
  return readChecked<StudentCard>(cardSchema, file, "a distilled student's prompt card");
}

/**
 * Answers one example as the card says, scored as everywhere. A prompt the student cannot take (longer than its
 * context: the model layer's bad_request) is a question it cannot answer: invalid, so wrong. Other failures stay
 * error records (never scored).
 */
export function studentEvaluator(
  model: LanguageModel,
  task: TaskDefinition,
  card: StudentCard,
  read: ReadOptions = {},
): (example: Example) => Promise<ExampleRecord> {
  return async (example) => {
    const item = example.choices ? { input: example.input, choices: example.choices } : { input: example.input };
    const demos = card.demos ? drawEvaluationDemos(card.demos.pool, card.demos.shots, card.demos.seed, example.index) : [];
    const call = { prompt: studentPrompt(card.method, task, item, demos), maxTokens: card.maxTokens, temperature: 0, stop: card.stop };
    const record = await answerRecord(model, task, example, call, read);
    if (record.error?.kind !== 'bad_request') return record;
    const { error, ...rest } = record;
    return { ...rest, output: '', extracted: null, valid: false, correct: false, invalidReason: error.message };
  };
}

/** The card of a model spec that names a built-in checkpoint (`builtin:<dir>`) with one; null for any other model. */
export function studentCardOfModel(spec: string): StudentCard | null {
  const parsed = parseModelSpec(spec);
  return parsed.provider === 'builtin' ? readStudentCard(parsed.path) : null;
}
