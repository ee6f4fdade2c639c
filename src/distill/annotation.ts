/**
 * One teacher annotation per input: the teacher's rationale and label, with every sample when
 * self-consistency drew several. An annotation is an evaluation record (src/eval/records.ts) plus
 * the distillation fields, so run folders, resume and summaries work on it unchanged: `extracted` is
 * the teacher's (majority) label, `correct` whether it matches gold (null when there is no gold).
 */
import type { Example, TaskDefinition } from '../data/types.js';
import { isCorrect, normalizeAnswerText, type ReadOptions } from '../eval/extract/index.js';
import type { ExampleRecord } from '../eval/records.js';
import { ZERO_USAGE } from '../eval/records.js';
import type { ChatMessage, TokenUsage } from '../models/types.js';
import { parseChain } from './parse.js';

/** One teacher sample for an input: its output, the rationale and the answer read from it. */
export interface ChainSample {
  output: string;
  rationale: string;
  answerText: string | null;
  extracted: string | null;
  valid: boolean;
  /** Agrees with gold; null when the example has no gold. */
  correct: boolean | null;
  /** An invented continuation was cut off this output. */
  cut: boolean;
  /** What cut it ("Premise:"), when cut. */
  cutAt?: string;
  /** Which pattern read the answer ("the answer is", "####", "custom"...). */
  answerPattern?: string;
  /** Why no answer could be read, when invalid. */
  invalidReason?: string;
}

/** One annotated input: the teacher's samples, its majority label and the rationale students learn from. */
export interface AnnotationRecord extends ExampleRecord {
  split: string;
  input: string;
  choices?: string[];
  /** Rationale of the first sample that reached the majority label (null when no sample parsed). */
  rationale: string | null;
  /** The majority label as that sample wrote it, e.g. "(10 * 45)". */
  answerText: string | null;
  /** Every sample, in sample order (one for a single greedy chain or an import). */
  samples: ChainSample[];
  /** Valid samples per canonical answer (self-consistency votes). */
  votes: Record<string, number>;
}

export interface CallCost {
  prompt: ChatMessage[] | null;
  usage: TokenUsage;
  costUsd: number;
  latencyMs: number;
  cached: boolean;
}

export const NO_CALL: CallCost = { prompt: null, usage: ZERO_USAGE, costUsd: 0, latencyMs: 0, cached: false };

/** Whether the example carries a gold answer (an unlabelled pool has none). */
export function hasGold(example: Example): boolean {
  return example.target.trim() !== '';
}

/**
 * The annotation of one example from its teacher outputs: every output is cut and parsed, valid
 * answers vote, the majority wins (a tie goes to the answer reached first), and the first chain
 * reaching it supplies the rationale.
 */
export function annotationFromOutputs(
  task: TaskDefinition,
  example: Example,
  split: string,
  outputs: string[],
  call: CallCost = NO_CALL,
  read: ReadOptions = {},
): AnnotationRecord {
  const gold = hasGold(example);
  const samples: ChainSample[] = outputs.map((output) => {
    const parsed = parseChain(output, task, example, read);
    // The same reading as evaluation: an unfinished chain (no statement, ends mid-sentence) is invalid there too.
    const { extraction } = parsed;
    const valid = extraction.valid && extraction.answer !== null;
    return {
      output,
      rationale: parsed.rationale,
      answerText: parsed.answerText,
      extracted: extraction.answer,
      valid,
      correct: gold ? valid && isCorrect(extraction, example.target, task.answer, example) : null,
      cut: parsed.cut,
      ...(extraction.cutAt ? { cutAt: extraction.cutAt } : {}),
      ...(extraction.pattern ? { answerPattern: extraction.pattern } : {}),
      ...(valid ? {} : { invalidReason: extraction.reason ?? 'no answer found' }),
    };
  });
  const votes: Record<string, number> = {};
  const firstAt = new Map<string, number>();
  samples.forEach((sample, i) => {
    if (!sample.valid) return;
    const key = voteKey(task, sample.extracted!);
    votes[key] = (votes[key] ?? 0) + 1;
    if (!firstAt.has(key)) firstAt.set(key, i);
  });
  let winner: string | null = null;
  for (const [key, count] of Object.entries(votes)) {
    if (winner === null || count > votes[winner]! || (count === votes[winner]! && firstAt.get(key)! < firstAt.get(winner)!)) {
      winner = key;
    }
  }
  const chosen = winner === null ? undefined : samples[firstAt.get(winner)!];
  const firstInvalid = samples.find((sample) => !sample.valid);
  const shown = chosen ?? samples[0];
  const record: AnnotationRecord = {
    ...exampleFields(example, split),
    prompt: call.prompt,
    output: (chosen ?? samples[0])?.output ?? null,
    extracted: chosen?.extracted ?? null,
    valid: chosen !== undefined,
    correct: gold ? (chosen?.correct ?? false) : null,
    rationale: chosen ? chosen.rationale : null,
    answerText: chosen ? chosen.answerText : null,
    ...(shown?.answerPattern ? { answerPattern: shown.answerPattern } : {}),
    ...(shown?.cutAt ? { cutAt: shown.cutAt } : {}),
    samples,
    votes,
    usage: call.usage,
    costUsd: call.costUsd,
    latencyMs: call.latencyMs,
    cached: call.cached,
  };
  if (!chosen) record.invalidReason = firstInvalid?.invalidReason ?? 'no output';
  return record;
}

/** Answers that mean the same vote together: canonical numbers and options as they are, text normalised. */
function voteKey(task: TaskDefinition, answer: string): string {
  return task.answer.kind === 'free_text' || task.answer.kind === 'label' ? normalizeAnswerText(answer) : answer;
}

/** What an annotation record takes from its example: where it is, what was asked and the gold answer. */
export function exampleFields(example: Example, split: string): Pick<AnnotationRecord, 'index' | 'id' | 'split' | 'input' | 'choices' | 'gold'> {
  return {
    index: example.index,
    id: example.id,
    split,
    input: example.input,
    ...(example.choices ? { choices: example.choices } : {}),
    gold: example.target,
  };
}

/** A failed teacher call: counted as an error (retried on resume), never as a wrong label. */
export function failedAnnotation(example: Example, split: string, error: { kind: string; message: string }, call: CallCost): AnnotationRecord {
  return {
    ...exampleFields(example, split),
    prompt: call.prompt,
    output: null,
    extracted: null,
    valid: false,
    correct: null,
    rationale: null,
    answerText: null,
    samples: [],
    votes: {},
    usage: call.usage,
    costUsd: call.costUsd,
    latencyMs: call.latencyMs,
    cached: false,
    error,
  };
}

/** Chains whose answer matches gold (all valid chains with the majority answer when there is no gold). */
export function goodChains(record: AnnotationRecord, task: TaskDefinition): ChainSample[] {
  if (record.correct === null) {
    if (record.extracted === null) return [];
    const key = voteKey(task, record.extracted);
    return record.samples.filter((sample) => sample.valid && voteKey(task, sample.extracted!) === key);
  }
  return record.samples.filter((sample) => sample.correct === true);
}
