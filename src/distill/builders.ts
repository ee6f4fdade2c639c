/**
 * Training data from annotations, one builder per method. Every row is `{prompt, completion,
 * weight?, task?}`, the format `apprentice train --data` reads: loss on the completion's tokens
 * only, each example's loss multiplied by its weight.
 *
 * - standard-ft: the gold label (no teacher needed).
 * - standard-distill: the teacher's label.
 * - step-by-step (Hsieh et al. 2023): two tasks on one model, `[label]` -> label (weight alpha, task
 *   "label") and `[rationale]` -> teacher rationale (weight 1 - alpha, task "rationale"); every input
 *   gives one row of each, label row first, side by side (the trainer keeps the pair in one batch), so
 *   the weighted loss is alpha * L_label + (1 - alpha) * L_rationale. The paper's two settings
 *   (`labels`): 'gold' = human labels + teacher rationales (its baseline: standard fine-tuning),
 *   'teacher' = teacher labels + teacher rationales (its baseline: standard distillation).
 * - cot (Fu et al. 2023): chain-of-thought specialization. The paper's mixture (the default): every
 *   chain reaching the gold answer in BOTH chain-of-thought formats — in-context (k demos) and
 *   zero-shot — plus answer-only rows in both formats, one per question. A `mix` instead draws one
 *   format per (question, chain) with the given shares (single-format students, ablations).
 */
import type { TaskDefinition } from '../data/types.js';
import type { TrainingExample } from '../engine/trainingData.js';
import { InputError } from '../util/errors.js';
import { createRng, sampleIndices, type Rng } from '../util/random.js';
import { type AnnotationRecord, type ChainSample, goodChains } from './annotation.js';
import { writtenLabel } from './parse.js';
import { answerOnlyPrompt, cotCompletion, cotPrompt, labelTaskPrompt, rationaleTaskPrompt, type StudentDemo, type StudentItem } from './studentFormat.js';

export interface TrainingRow {
  prompt: string;
  completion: string;
  /** Multiplies this row's loss (default 1). */
  weight?: number;
  /** Which task of a multi-task method the row belongs to ("label", "rationale") or the CoT format. */
  task?: string;
}

/** Builder rows as the engine's training examples, each sourced to its line of `file`; `task` overrides the rows'. */
export function trainingExamplesOf(rows: readonly TrainingRow[], file: string, task?: string): TrainingExample[] {
  return rows.map((row, i) => ({
    prompt: row.prompt,
    completion: row.completion,
    weight: row.weight ?? 1,
    task: task ?? row.task ?? 'default',
    source: { file, line: i + 1 },
  }));
}

/** The ways a student's training rows are built: gold labels, teacher labels, step-by-step (label and rationale), chain of thought. */
export const METHODS = ['standard-ft', 'standard-distill', 'step-by-step', 'cot'] as const;
/** One of the ways a student's training rows are built (see the methods list). */
export type Method = (typeof METHODS)[number];

export const COT_FORMATS = ['zero-shot-answer', 'zero-shot-cot', 'in-context-answer', 'in-context-cot'] as const;
export type CotFormat = (typeof COT_FORMATS)[number];

export interface BuildOptions {
  method: Method;
  /** step-by-step: weight of the label task; the rationale task gets 1 - alpha. Default 0.5. */
  alpha?: number;
  /** 'gold': keep only inputs (and chains) whose teacher answer matches gold. Default 'none'. */
  filter?: 'none' | 'gold';
  /** cot: 'all' trains on every chain reaching gold (the majority when there is no gold); 'one' on the chosen chain. Default 'all'. */
  chains?: 'one' | 'all';
  /**
   * cot: relative share of each format; each (question, chain) gets one format, drawn with the seed. Default:
   * the paper's mixture (every chain in both CoT formats, answer-only rows in both formats per question).
   */
  mix?: Partial<Record<CotFormat, number>>;
  /** step-by-step: whose labels the label task learns, 'gold' or 'teacher' (Hsieh et al.'s two settings). Default 'teacher'. */
  labels?: StepByStepLabels;
  /** cot in-context formats: demonstrations per prompt. Default 4. */
  shots?: number;
  /** Share of the inputs to use, in (0, 1], drawn with the seed (data-efficiency sweeps). Default 1. */
  fraction?: number;
  seed?: number;
}

/** How a student's training rows were built from the annotations: method, inputs used and rows dropped. */
export interface BuildReport {
  method: Method;
  /** Inputs in the annotations split. */
  inputs: number;
  /** Inputs left after the fraction. */
  selected: number;
  /** Inputs that produced at least one row. */
  used: number;
  rows: number;
  skipped: { failedCall: number; noGold: number; unparsed: number; noRationale: number; disagreesWithGold: number };
  /** Rows per task tag. */
  byTask: Record<string, number>;
}

export interface BuildResult {
  rows: TrainingRow[];
  report: BuildReport;
}

export const DEFAULT_ALPHA = 0.5;

export const STEP_BY_STEP_LABELS = ['gold', 'teacher'] as const;
export type StepByStepLabels = (typeof STEP_BY_STEP_LABELS)[number];

export function buildTrainingData(task: TaskDefinition, records: readonly AnnotationRecord[], options: BuildOptions): BuildResult {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`alpha must be between 0 and 1, got ${alpha}`, { field: 'alpha' });
  const seed = options.seed ?? 0;
  const selected = selectFraction(records, options.fraction ?? 1, seed);
  const skipped = { failedCall: 0, noGold: 0, unparsed: 0, noRationale: 0, disagreesWithGold: 0 };
  const rows: TrainingRow[] = [];
  let used = 0;

  // Inputs whose teacher annotation may be used (for the distillation methods).
  const usable = (record: AnnotationRecord): boolean => {
    const reason = record.error
      ? 'failedCall'
      : !record.valid || record.extracted === null
        ? 'unparsed'
        : options.filter === 'gold' && record.correct === false
          ? 'disagreesWithGold'
          : null;
    if (reason) skipped[reason]++;
    return reason === null;
  };

  if (options.method === 'cot') {
    const built = cotRows(task, selected, options, usable, skipped, createRng(`cot:${seed}`));
    rows.push(...built.rows);
    used = built.used;
  } else {
    for (const record of selected) {
      const item = itemOf(record);
      const before = rows.length;
      if (options.method === 'standard-ft') {
        if (!record.gold.trim()) skipped.noGold++;
        else rows.push({ prompt: answerOnlyPrompt(task.answer, item), completion: ` ${goldLabel(task, record)}` });
      } else if (options.method === 'step-by-step' && options.labels === 'gold' && !record.gold.trim()) {
        skipped.noGold++;
      } else if (usable(record)) {
        const label = options.method === 'step-by-step' && options.labels === 'gold' ? goldLabel(task, record) : teacherLabel(task, record);
        if (options.method === 'standard-distill') {
          rows.push({ prompt: answerOnlyPrompt(task.answer, item), completion: ` ${label}` });
        } else if (!record.rationale?.trim()) {
          skipped.noRationale++;
        } else {
          rows.push(
            { prompt: labelTaskPrompt(task.answer, item), completion: ` ${label}`, weight: alpha, task: 'label' },
            { prompt: rationaleTaskPrompt(task.answer, item), completion: ` ${record.rationale.trim()}`, weight: 1 - alpha, task: 'rationale' },
          );
        }
      }
      if (rows.length > before) used++;
    }
  }

  const byTask: Record<string, number> = {};
  for (const row of rows) byTask[row.task ?? options.method] = (byTask[row.task ?? options.method] ?? 0) + 1;
  return {
    rows,
    report: { method: options.method, inputs: records.length, selected: selected.length, used, rows: rows.length, skipped, byTask },
  };
}

function cotRows(
  task: TaskDefinition,
  records: readonly AnnotationRecord[],
  options: BuildOptions,
  usable: (record: AnnotationRecord) => boolean,
  skipped: BuildReport['skipped'],
  rng: Rng,
): { rows: TrainingRow[]; used: number } {
  const mix = options.mix ? normaliseMix(options.mix) : null;
  const shots = options.shots ?? 4;
  const chainsOf = (record: AnnotationRecord): ChainSample[] => {
    const good = goodChains(record, task);
    if (options.chains === 'one') {
      const chosen = record.samples.find((sample) => sample.valid && sample.output === record.output);
      return chosen && (options.filter !== 'gold' || chosen.correct !== false) ? [chosen] : [];
    }
    return good;
  };
  // Every usable question with its chains; demos come from the others.
  const units: { record: AnnotationRecord; chains: ChainSample[] }[] = [];
  for (const record of records) {
    if (!usable(record)) continue;
    const chains = chainsOf(record).filter((chain) => chain.rationale.trim());
    if (chains.length === 0) {
      skipped.noRationale++;
      continue;
    }
    units.push({ record, chains });
  }
  const demoPool: StudentDemo[] = units.map(({ record, chains }) => ({
    ...itemOf(record),
    label: chainLabel(task, record, chains[0]!),
    rationale: chains[0]!.rationale.trim(),
  }));

  const rows: TrainingRow[] = [];
  units.forEach(({ record, chains }, unitIndex) => {
    const item = itemOf(record);
    const row = (format: CotFormat, chain: ChainSample): TrainingRow => {
      const label = chainLabel(task, record, chain);
      const demos = format.startsWith('in-context') ? drawDemos(demoPool, unitIndex, shots, rng) : [];
      const isCot = format.endsWith('cot');
      return {
        prompt: isCot ? cotPrompt(task.answer, item, demos) : answerOnlyPrompt(task.answer, item, demos),
        completion: isCot ? cotCompletion(chain.rationale, label) : ` ${label}`,
        task: format,
      };
    };
    if (mix) {
      for (const chain of chains) rows.push(row(drawFormat(mix, rng), chain));
      return;
    }
    // Fu et al.'s mixture: each chain in both CoT formats, and the answer once per question in both answer-only formats.
    for (const chain of chains) rows.push(row('in-context-cot', chain), row('zero-shot-cot', chain));
    rows.push(row('in-context-answer', chains[0]!), row('zero-shot-answer', chains[0]!));
  });
  return { rows, used: units.length };
}

function drawDemos(pool: StudentDemo[], exclude: number, shots: number, rng: Rng): StudentDemo[] {
  const available = pool.length - 1;
  const k = Math.min(shots, Math.max(0, available));
  return sampleIndices(available, k, rng).map((i) => pool[i >= exclude ? i + 1 : i]!);
}

function normaliseMix(mix: BuildOptions['mix']): [CotFormat, number][] {
  const entries = (mix ? Object.entries(mix) : COT_FORMATS.map((format) => [format, 1])) as [CotFormat, number][];
  for (const [format, share] of entries) {
    if (!COT_FORMATS.includes(format)) throw new InputError(`unknown CoT format "${format}"; formats: ${COT_FORMATS.join(', ')}`, { field: 'mix' });
    if (!(share >= 0) || !Number.isFinite(share)) throw new InputError(`share of ${format} must be a non-negative number`, { field: 'mix' });
  }
  const positive = entries.filter(([, share]) => share > 0);
  if (positive.length === 0) throw new InputError('the CoT mix gives no format a positive share', { field: 'mix' });
  return positive;
}

function drawFormat(mix: [CotFormat, number][], rng: Rng): CotFormat {
  if (mix.length === 1) return mix[0]![0];
  const total = mix.reduce((sum, [, share]) => sum + share, 0);
  let point = rng.next() * total;
  for (const [format, share] of mix) {
    point -= share;
    if (point < 0) return format;
  }
  return mix[mix.length - 1]![0];
}

/**
 * Worked demonstrations for evaluating an in-context student, as its in-context training rows show them: the
 * first chain reaching gold of each training input, and its label. `shots` of them per question, drawn with
 * the seed and the question's index, so every student of a seed sees the same demonstrations.
 */
export function evaluationDemos(task: TaskDefinition, records: readonly AnnotationRecord[], shots: number, seed: number): (index: number) => StudentDemo[] {
  const pool = demoPool(task, records);
  return (index) => drawEvaluationDemos(pool, shots, seed, index);
}

/** The demonstrations an in-context student's evaluation draws from: each training input's first chain reaching gold. */
export function demoPool(task: TaskDefinition, records: readonly AnnotationRecord[]): StudentDemo[] {
  const pool: StudentDemo[] = [];
  for (const record of records) {
    const chain = goodChains(record, task).find((c) => c.rationale.trim());
    if (chain) pool.push({ ...itemOf(record), label: chainLabel(task, record, chain), rationale: chain.rationale.trim() });
  }
  return pool;
}

/** `shots` demonstrations of the pool for the question with this index, drawn with the seed and the index. */
export function drawEvaluationDemos(pool: readonly StudentDemo[], shots: number, seed: number, index: number): StudentDemo[] {
  return sampleIndices(pool.length, Math.min(shots, pool.length), createRng(`demos:${seed}:${index}`)).map((i) => pool[i]!);
}

/** A seeded share of the inputs, kept in file order. The same seed nests: a smaller fraction is a subset. */
export function selectFraction<T>(items: readonly T[], fraction: number, seed: number): T[] {
  if (!(fraction > 0 && fraction <= 1)) throw new InputError(`fraction must be in (0, 1], got ${fraction}`, { field: 'fraction' });
  if (fraction === 1) return items.slice();
  const order = sampleIndices(items.length, items.length, createRng(`fraction:${seed}`));
  const keep = Math.max(1, Math.round(items.length * fraction));
  return order
    .slice(0, keep)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}

function itemOf(record: AnnotationRecord): StudentItem {
  return record.choices ? { input: record.input, choices: record.choices } : { input: record.input };
}

function goldLabel(task: TaskDefinition, record: AnnotationRecord): string {
  return writtenLabel(task, itemAsExample(record), record.gold);
}

function teacherLabel(task: TaskDefinition, record: AnnotationRecord): string {
  return writtenLabel(task, itemAsExample(record), record.extracted!, record.answerText);
}

function chainLabel(task: TaskDefinition, record: AnnotationRecord, chain: ChainSample): string {
  return writtenLabel(task, itemAsExample(record), chain.extracted!, chain.answerText);
}

function itemAsExample(record: AnnotationRecord) {
  return { index: record.index, id: record.id, input: record.input, target: record.gold, raw: {}, ...(record.choices ? { choices: record.choices } : {}) };
}
