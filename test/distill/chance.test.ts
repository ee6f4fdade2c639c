import { describe, expect, it } from 'vitest';
import type { Example, TaskDefinition } from '../../src/data/types.js';
import { chanceLevel } from '../../src/distill/chance.js';
import { goldRecords } from '../../src/distill/goldRecords.js';

const ex = (index: number, target: string): Example => ({ index, id: String(index), input: `q${index}`, target, raw: {} });

describe('chance level: the constant answer chosen on train', () => {
  it('is the majority label of train, scored on test (not 1/k)', () => {
    const task: TaskDefinition = { name: 'sentiment', description: '', answer: { kind: 'label', labels: ['negative', 'neutral', 'positive'] } };
    const train = goldRecords([...Array(7)].map((_, i) => ex(i, 'positive')).concat([ex(7, 'negative'), ex(8, 'neutral'), ex(9, 'negative')]), 'train');
    const test = [ex(20, 'positive'), ex(21, 'positive'), ex(22, 'negative'), ex(23, 'neutral')];
    expect(chanceLevel(task, train, test)).toEqual({ answer: 'positive', accuracy: 0.5, chosenOn: 10, n: 4 });
  });

  it('for numbers, the most common training answer; it is chosen on train, never on test', () => {
    const task: TaskDefinition = { name: 'arith', description: '', answer: { kind: 'number' } };
    const train = goldRecords([ex(0, '1'), ex(1, '1'), ex(2, '3')], 'train');
    const test = [ex(10, '3'), ex(11, '3'), ex(12, '1')];
    expect(chanceLevel(task, train, test)).toMatchObject({ answer: '1', accuracy: 1 / 3 });
    expect(chanceLevel(task, [], test)).toBeNull();
  });
});
