import { describe, expect, it } from 'vitest';
import type { AnswerType, Example } from '../../src/data/types.js';
import { constantGuess } from '../../src/scaling/constantGuess.js';

const examples = (targets: string[]): Example[] => targets.map((target, index) => ({ index, id: `e${index}`, input: `q${index}`, target, raw: {} }));
const NUMBER: AnswerType = { kind: 'number' };

describe('constantGuess', () => {
  it('guesses the most common training answer and scores it on the evaluated examples', () => {
    // Training answers: 1 ×3, 2 ×2, 7 ×1 → guess "1"; it is right on 2 of the 5 evaluated examples.
    const result = constantGuess(NUMBER, examples(['1', '2', '1', '7', '2', '1']), examples(['1', '3', '1.0', '4', '5']));
    expect(result).toEqual({ guess: '1', accuracy: 0.4 });
  });

  it('compares by value for expressions, and breaks ties by the first answer seen', () => {
    const expression: AnswerType = { kind: 'expression' };
    // ( 4 / 2 ) and 2 are the same value: 2 is seen twice, 3 once.
    const result = constantGuess(expression, examples(['( 4.0 / 2.0 )', '3', '2']), examples(['( 1.0 + 1.0 )', '3']));
    expect(result).toEqual({ guess: '2', accuracy: 0.5 });
    expect(constantGuess(NUMBER, examples(['5', '6']), examples(['6', '6']))).toEqual({ guess: '5', accuracy: 0 });
  });

  it('is null with no training answers or nothing to score', () => {
    expect(constantGuess(NUMBER, [], examples(['1']))).toBeNull();
    expect(constantGuess(NUMBER, examples(['not a number']), examples(['1']))).toBeNull();
    expect(constantGuess(NUMBER, examples(['1']), [])).toBeNull();
  });
});
