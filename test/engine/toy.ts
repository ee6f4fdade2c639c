import { expect } from 'vitest';
import { train, type TrainEvent, type TrainOptions } from '../../src/engine/train.js';
import type { TrainingExample } from '../../src/engine/trainingData.js';

/** A toy task: spell a word backwards and add one to a digit. */
export function toyExamples(count: number): TrainingExample[] {
  const words = ['apple', 'river', 'stone', 'cloud', 'tiger', 'lemon', 'piano', 'house', 'green', 'happy'];
  return Array.from({ length: count }, (_, i) => {
    const word = words[i % words.length] as string;
    const n = (i * 7) % 10;
    return {
      prompt: `Q: ${word} ${n}\nA:`,
      completion: ` ${[...word].reverse().join('')} ${(n + 1) % 10}`,
      weight: 1,
      task: i % 2 ? 'odd' : 'even',
      source: { file: 'toy', line: i + 1 },
    };
  });
}

/** The toy task's run of train() into `outDir`: 100 training and 20 validation examples, the tiny size, 12 steps. */
export function toyTrainOptions(outDir: string, overrides: Partial<TrainOptions> = {}): TrainOptions {
  const data = toyExamples(120);
  return {
    train: data.slice(0, 100),
    validation: data.slice(100),
    outDir,
    size: 'tiny',
    contextLength: 32,
    steps: 12,
    batchSize: 8,
    learningRate: 3e-3,
    evalEvery: 4,
    seed: 5,
    ...overrides,
  };
}

/** Runs train() on `options` and kills it as it reports step `step` (an error thrown from its event handler). */
export async function trainKilledAt(options: TrainOptions, step: number): Promise<void> {
  const kill = (e: TrainEvent): void => {
    if (e.type === 'step' && e.step === step) throw new Error('killed');
  };
  await expect(train({ ...options, onEvent: kill })).rejects.toThrow('killed');
}
