/**
 * The chance level of exact match when there are no options to guess among (numbers, expressions, free
 * text): the accuracy of a constant guesser that always gives the most common answer of the training
 * split. Guessing an exact value at random scores ~0, but a model that has learned only the answers'
 * distribution scores this much, so a family that never beats it has shown no ability.
 */
import type { AnswerType, Example } from '../data/types.js';
import { extractAnswer, isCorrect } from '../eval/extract/index.js';
import { found } from '../eval/extract/types.js';

export interface ConstantGuess {
  /** The most common training answer, in canonical form (ties: the first seen). */
  guess: string;
  /** Share of `scored` examples it answers correctly. */
  accuracy: number;
}

/** Null when there is no training answer to learn from, or nothing to score. */
export function constantGuess(answer: AnswerType, train: readonly Example[], scored: readonly Example[]): ConstantGuess | null {
  const counts = new Map<string, number>();
  for (const example of train) {
    const canonical = extractAnswer(example.target, answer, example);
    if (canonical.valid && canonical.answer !== null) counts.set(canonical.answer, (counts.get(canonical.answer) ?? 0) + 1);
  }
  if (counts.size === 0 || scored.length === 0) return null;
  let guess = '';
  let most = 0;
  for (const [candidate, count] of counts) {
    if (count > most) [guess, most] = [candidate, count];
  }
  const correct = scored.filter((example) => isCorrect(found(guess), example.target, answer, example)).length;
  return { guess, accuracy: correct / scored.length };
}
