/**
 * The chance level of a distillation sweep: the accuracy on test of a constant answer chosen on train — the
 * most common gold answer of the training inputs (the majority label of a label task). A student that does not
 * beat it has learned no more than the answers' distribution, whatever its method.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { constantGuess } from '../scaling/constantGuess.js';
import type { AnnotationRecord } from './annotation.js';

export interface ChanceLevel {
  /** The constant answer (canonical form). */
  answer: string;
  /** Its accuracy on the test examples. */
  accuracy: number;
  /** Training inputs it was chosen on. */
  chosenOn: number;
  /** Test examples it was scored on. */
  n: number;
}

/** Null when no training input has a gold answer, or there is no test example. */
export function chanceLevel(task: TaskDefinition, train: readonly AnnotationRecord[], test: readonly Example[]): ChanceLevel | null {
  const trainExamples: Example[] = train
    .filter((record) => record.gold.trim())
    .map((record) => ({
      index: record.index,
      id: record.id,
      input: record.input,
      target: record.gold,
      raw: {},
      ...(record.choices ? { choices: record.choices } : {}),
    }));
  const guess = constantGuess(task.answer, trainExamples, test);
  return guess ? { answer: guess.guess, accuracy: guess.accuracy, chosenOn: trainExamples.length, n: test.length } : null;
}

export function chanceLabel(chance: ChanceLevel): string {
  return `chance (always "${chance.answer}", the most common training answer)`;
}
