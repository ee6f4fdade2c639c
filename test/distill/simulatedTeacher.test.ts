import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { buildTrainingData } from '../../src/distill/builders.js';
import { simulatedAnnotations, simulatedTeacherName } from '../../src/distill/simulatedTeacher.js';

describe('simulated teacher', () => {
  it('is wrong on exactly the stated share of inputs, with a parsed wrong chain, and right on the rest', async () => {
    const dataset = await loadDataset('synthetic:steps=1-2,digits=1,distractors=0,seed=0,train=200,validation=0,test=0', {});
    const records = simulatedAnnotations(dataset.task, dataset.splits.train!, 'train', 0.1, 0);
    expect(records.filter((r) => r.correct === false)).toHaveLength(20);
    expect(records.every((r) => r.valid && r.rationale)).toBe(true);
    const wrong = records.find((r) => r.correct === false)!;
    expect(wrong.extracted).not.toBe(wrong.gold);
    expect(wrong.output).toMatch(new RegExp(`= ${wrong.extracted} [a-z]+\\. The answer is ${wrong.extracted}\\.$`));
    expect(simulatedAnnotations(dataset.task, dataset.splits.train!, 'train', 0.1, 0)).toEqual(records);
    expect(simulatedTeacherName(0.1)).toBe('simulated teacher (10% errors)');
    // Standard distillation learns its wrong labels; the CoT student only its correct chains.
    expect(buildTrainingData(dataset.task, records, { method: 'standard-distill' }).rows).toHaveLength(200);
    expect(buildTrainingData(dataset.task, records, { method: 'cot', mix: { 'zero-shot-cot': 1 } }).rows).toHaveLength(180);
  });
});
