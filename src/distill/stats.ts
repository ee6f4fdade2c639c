/**
 * What a split's annotation is worth, from its records alone: how many completions parsed, how
 * often the teacher's label agrees with gold (with a 95% Wilson CI; an unparsed answer counts as
 * wrong, a failed call is an error and not scored), and what self-consistency and gold filtering
 * leave for training.
 */
import type { TaskDefinition } from '../data/types.js';
import { summarizeRecords, type RunSummary } from '../eval/summary.js';
import { type AnnotationRecord, goodChains } from './annotation.js';

/**
 * Counts for one annotated split: examples, answered, usable, and the teacher's agreement with gold. What it
 * shares with an evaluation run (examples, correct labels, CI, errors, missing examples, usage) is the split's
 * run summary, counted the same way: `correct` is the teacher's (majority) label equal to gold.
 */
export interface AnnotationStats extends Pick<RunSummary, 'n' | 'correct' | 'ci95' | 'errors' | 'errorsByKind' | 'missing' | 'usage'> {
  /** Records whose teacher call(s) succeeded. */
  answered: number;
  /** Answered records with a usable answer (at least one sample parsed). */
  parsed: number;
  /** parsed / answered. */
  parseRate: number | null;
  /** Examples with a gold answer among the answered. */
  withGold: number;
  /** correct / withGold: an unparsed answer counts as wrong. Null without gold. */
  teacherAccuracy: number | null;
  /** Samples per example (self-consistency), summed. */
  samples: number;
  /** Samples that parsed. */
  parsedSamples: number;
  /** Outputs that ran on into an invented next question and were cut. */
  cutOutputs: number;
  /** Examples with at least one chain reaching gold (what --filter gold keeps). */
  withCorrectChain: number;
  /** Chains reaching gold, over all examples (what "all correct chains" trains on). */
  correctChains: number;
}

export function annotationStats(records: AnnotationRecord[], total: number, task: TaskDefinition): AnnotationStats {
  const summary = summarizeRecords(records, total);
  const answered = records.filter((record) => !record.error);
  const parsed = answered.filter((record) => record.valid).length;
  const samples = answered.flatMap((record) => record.samples);
  const withGold = answered.filter((record) => record.correct !== null);
  const correctChainCounts = withGold.map((record) => goodChains(record, task).length);
  return {
    n: total,
    answered: answered.length,
    parsed,
    parseRate: answered.length ? parsed / answered.length : null,
    withGold: withGold.length,
    correct: summary.correct,
    teacherAccuracy: summary.accuracy,
    ci95: summary.ci95,
    samples: samples.length,
    parsedSamples: samples.filter((sample) => sample.valid).length,
    cutOutputs: samples.filter((sample) => sample.cut).length,
    withCorrectChain: correctChainCounts.filter((count) => count > 0).length,
    correctChains: correctChainCounts.reduce((a, b) => a + b, 0),
    errors: summary.errors,
    errorsByKind: summary.errorsByKind,
    missing: summary.missing,
    usage: summary.usage,
  };
}
