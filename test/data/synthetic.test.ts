import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { generateProblem, parseSyntheticSpec, type SyntheticSpec } from '../../src/data/synthetic/index.js';
import { evaluateArithmetic, extractAnswer, isCorrect } from '../../src/eval/extract/index.js';
import { InputError } from '../../src/util/errors.js';
import { createRng } from '../../src/util/random.js';

const knobs = (over: Partial<SyntheticSpec> = {}) => ({ ...parseSyntheticSpec(''), ...over });

describe('synthetic spec', () => {
  it('reads a preset then key=value knobs, ranges included', () => {
    expect(parseSyntheticSpec('hard,seed=4,steps=2-6,train=10')).toMatchObject({
      seed: 4,
      steps: [2, 6],
      digits: 2,
      distractors: [1, 2],
      train: 10,
      validation: 200,
      test: 200,
    });
    expect(parseSyntheticSpec('digits=3').digits).toBe(3);
  });

  it('names the bad knob', () => {
    expect(() => parseSyntheticSpec('steps=0')).toThrow('synthetic steps must be between 1 and 8, got 0');
    expect(() => parseSyntheticSpec('colour=red')).toThrow('unknown synthetic knob "colour"');
    expect(() => parseSyntheticSpec('steps=4-2')).toThrow('runs backwards');
    expect(() => parseSyntheticSpec('seed=1,easy')).toThrow(InputError);
  });
});

describe('synthetic arithmetic problems', () => {
  it('every rationale step is true arithmetic and ends at the answer', () => {
    const rng = createRng(11);
    for (let i = 0; i < 300; i++) {
      const problem = generateProblem(rng, knobs({ steps: [1, 5], digits: 2, distractors: [0, 2] }));
      const equations = [...problem.rationale.matchAll(/(\d+) ([-+*/]) (\d+) = (\d+)/g)];
      expect(equations).toHaveLength(problem.steps.length);
      for (const [, a, op, b, result] of equations) {
        expect(evaluateArithmetic(`${a} ${op} ${b}`)).toBe(Number(result));
      }
      expect(Number(equations.at(-1)![4])).toBe(problem.answer);
      expect(problem.steps.every((step) => Number.isInteger(step.after) && step.after >= 1)).toBe(true);
      expect(problem.question.endsWith('have now?')).toBe(true);
    }
  });

  it('difficulty knobs: steps, digits and distractors are what was asked', () => {
    const rng = createRng(5);
    for (let i = 0; i < 100; i++) {
      const problem = generateProblem(rng, knobs({ steps: [3, 3], digits: 3, distractors: [2, 2] }));
      expect(problem.steps).toHaveLength(3);
      expect(problem.distractors).toBe(2);
      expect(problem.start).toBeGreaterThanOrEqual(100);
      expect(problem.start).toBeLessThanOrEqual(999);
      // The question has every step's number and the distractors' numbers.
      expect(problem.question.match(/\d+/g)!.length).toBe(1 + 3 + 2);
    }
  });

  it('is a dataset kind: same seed, same problems; splits never share a problem; answers score as numbers', async () => {
    const a = await loadDataset('synthetic:medium,seed=9,train=300,validation=50,test=50');
    const b = await loadDataset('synthetic:medium,seed=9,train=300,validation=50,test=50');
    expect(a).toEqual(b);
    expect(a.task.answer).toEqual({ kind: 'number' });
    expect(a.source).toBe('synthetic:seed=9,steps=2-3,digits=2,distractors=0-1,train=300,validation=50,test=50');
    const texts = Object.values(a.splits)
      .flat()
      .map((example) => example.input);
    expect(new Set(texts).size).toBe(400);

    // Growing train leaves test as it was.
    const bigger = await loadDataset('synthetic:medium,seed=9,train=600,validation=50,test=50');
    expect(bigger.splits.test).toEqual(a.splits.test);
    const other = await loadDataset('synthetic:medium,seed=10,train=300,validation=50,test=50');
    expect(other.splits.test![0]!.input).not.toBe(a.splits.test![0]!.input);

    const example = a.splits.test![0]!;
    const output = `${example.rationale} The answer is ${example.target}.`;
    const extraction = extractAnswer(output, a.task.answer, example);
    expect(extraction.answer).toBe(example.target);
    expect(isCorrect(extraction, example.target, a.task.answer, example)).toBe(true);
  });

  it('rejects field flags', async () => {
    await expect(loadDataset('synthetic:easy', { inputField: 'x' })).rejects.toThrow('--input-field does not apply to synthetic');
  });
});
