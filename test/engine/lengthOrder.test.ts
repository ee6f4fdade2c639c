/**
 * Micro-batches formed by length (training/batches.ts lengthOrder): a step-by-step batch of interleaved label and
 * rationale rows splits into a short pass and a long one, so the label rows are not padded to the rationales'
 * length. train.test.ts checks that micro-batching leaves the update unchanged.
 */
import { describe, expect, it } from 'vitest';
import { lengthOrder, makeBatch } from '../../src/engine/training/batches.js';
import type { EncodedExample } from '../../src/engine/trainingData.js';

const row = (length: number, task: string): EncodedExample => ({
  ids: Array.from({ length }, (_, i) => i + 1),
  completionStart: length - 2,
  weight: 0.5,
  task,
  truncated: false,
});

describe('lengthOrder', () => {
  it('orders by length, ties in their drawn order', () => {
    expect(lengthOrder([row(9, 'a'), row(3, 'b'), row(9, 'c'), row(3, 'd'), row(5, 'e')])).toEqual([1, 3, 4, 0, 2]);
    expect(lengthOrder([])).toEqual([]);
  });

  it('puts the label rows of a paired batch in one pass, padded to their own length', () => {
    // label, rationale, label, rationale: as distilling step-by-step draws them (groupSize 2).
    const drawn = [row(20, 'label'), row(60, 'rationale'), row(24, 'label'), row(57, 'rationale')];
    const ordered = lengthOrder(drawn).map((i) => drawn[i]!);
    const passes = [ordered.slice(0, 2), ordered.slice(2)].map((pass) => makeBatch(pass, 0, [1, 1], 160));
    expect(passes.map((b) => [b.tasks, b.T])).toEqual([
      [['label'], 24],
      [['rationale'], 64],
    ]);
    // Together they pad 4 rows to 64 (256 positions); apart 2 × 24 + 2 × 64 = 176.
    expect(passes[0]!.positions + passes[1]!.positions).toBe(176);
    expect(makeBatch(drawn, 0, [1, 1, 1, 1], 160).positions).toBe(256);
  });
});
