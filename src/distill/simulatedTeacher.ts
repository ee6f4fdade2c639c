/**
 * A simulated teacher for the offline quickstart: the synthetic family's own gold chains, with a stated share of
 * them made wrong. A real teacher LLM is right far more often than a model trained from scratch on a few hundred
 * chains, so the demo distils from a realistic teacher and says exactly how good it is.
 *
 * Exactly round(errorRate × n) inputs, drawn with the seed, get a wrong chain: the gold rationale with its final
 * result changed by 1 to 3 (a slip at the last step, never below zero) and that wrong answer. Every other input
 * gets the gold chain. Records are ordinary annotations (annotationFromOutputs), so every builder reads them.
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { InputError } from '../util/errors.js';
import { createRng, sampleIndices } from '../util/random.js';
import { annotationFromOutputs, type AnnotationRecord } from './annotation.js';
import { cotCompletion } from './studentFormat.js';

export function simulatedTeacherName(errorRate: number): string {
  return `simulated teacher (${Math.round(100 * errorRate)}% errors)`;
}

export function simulatedAnnotations(task: TaskDefinition, examples: readonly Example[], split: string, errorRate: number, seed: number): AnnotationRecord[] {
  if (!(errorRate >= 0 && errorRate <= 1))
    throw new InputError(`the simulated teacher's error rate must be in [0, 1], got ${errorRate}`, { field: 'errorRate' });
  const rng = createRng(`simulated-teacher:${split}:${seed}`);
  const wrong = new Set(sampleIndices(examples.length, Math.round(errorRate * examples.length), rng));
  return examples.map((example, i) => {
    const rationale = example.rationale?.trim() ?? '';
    if (!wrong.has(i)) return annotationFromOutputs(task, example, split, [cotCompletion(rationale, example.target).trim()]);
    const gold = Number(example.target);
    if (!Number.isFinite(gold))
      throw new InputError(`the simulated teacher needs numeric answers; example ${example.id} has "${example.target}"`, { field: 'target' });
    const delta = 1 + rng.int(3);
    const slip = gold - delta >= 0 && rng.next() < 0.5 ? gold - delta : gold + delta;
    const slipped = rationale.replace(/(\d+(?:\.\d+)?)(?!.*\d)/s, String(slip));
    return annotationFromOutputs(task, example, split, [cotCompletion(slipped, String(slip)).trim()]);
  });
}
