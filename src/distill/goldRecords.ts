/**
 * Annotation-like records made from dataset examples without a teacher: the gold label, and the gold
 * rationale when the dataset has one. Gold-only runs use them — standard fine-tuning needs nothing
 * else, and the quickstart's teacher is itself trained on gold rationales — so every builder reads
 * one record type whether a teacher was involved or not.
 */
import type { Example } from '../data/types.js';
import { ZERO_USAGE } from '../eval/records.js';
import { exampleFields, type AnnotationRecord, type ChainSample } from './annotation.js';
import { cotCompletion } from './studentFormat.js';

export function goldRecord(example: Example, split: string): AnnotationRecord {
  const gold = example.target.trim();
  const rationale = example.rationale?.trim() ?? '';
  const sample: ChainSample = {
    output: cotCompletion(rationale, gold).trim(),
    rationale,
    answerText: gold,
    extracted: gold,
    valid: gold !== '',
    correct: gold !== '' ? true : null,
    cut: false,
  };
  return {
    ...exampleFields(example, split),
    prompt: null,
    output: sample.output,
    extracted: gold || null,
    valid: gold !== '',
    correct: gold !== '' ? true : null,
    rationale: rationale || null,
    answerText: gold || null,
    samples: gold ? [sample] : [],
    votes: gold ? { [gold]: 1 } : {},
    usage: ZERO_USAGE,
    costUsd: 0,
    latencyMs: 0,
    cached: false,
  };
}

export function goldRecords(examples: readonly Example[], split: string): AnnotationRecord[] {
  return examples.map((example) => goldRecord(example, split));
}
