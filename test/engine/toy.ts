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
