/**
 * The one example runner every evaluation goes through (`eval`, grimoire methods, `scale run`, distillation
 * students): an example evaluator over examples with bounded concurrency, appending each finished record (with
 * its usage and cost) to the run folder as it lands, so a killed run loses nothing and a restart only does what
 * is left, matched by example index and id. Examples whose call failed are recorded as errors, never scored, and
 * tried again on resume (failures are never cached). A fatal failure (a wrong key, an unknown model) is recorded
 * and stops the run at once: nothing new is started and the provider's message is thrown.
 */
import pLimit from 'p-limit';
import type { Example } from '../data/types.js';
import { fnv1a } from '../util/fnv1a.js';
import { createProgress, type Progress } from '../util/progress.js';
import { type RunDirHandle, streamRecords } from '../runs/runDir.js';
import type { ExampleRecord } from './records.js';
import { SummaryColumns } from './summaryColumns.js';
import { FATAL_KINDS, ModelError, type ModelErrorKind } from '../models/errors.js';

/** Evaluates one example into its record (prompt, output, extracted answer, correctness, usage). */
export type ExampleEvaluator = (example: Example) => Promise<ExampleRecord>;

export interface RunExamplesOptions {
  examples: Example[];
  evaluate: ExampleEvaluator;
  runDir: RunDirHandle<ExampleRecord>;
  concurrency: number;
  progressLabel?: string;
  showProgress?: boolean;
  /** Stop scheduling new examples once this returns true (e.g. the budget is spent). */
  shouldStop?: () => boolean;
}

export interface RunExamplesResult {
  /** Final records in example order (one per example that has a record). */
  records: ExampleRecord[];
  /** Examples evaluated by this process (not taken from an earlier run). */
  evaluatedNow: number;
  reused: number;
}

export async function runExamples(options: RunExamplesOptions): Promise<RunExamplesResult> {
  const { examples, runDir } = options;
  const records = new Map<number, ExampleRecord>();
  const todo: Example[] = [];
  for (const example of examples) {
    const previous = runDir.existing.get(example.index);
    // Kept only when it answered this very example (same id) and its call did not fail.
    if (previous && !previous.error && previous.id === example.id) records.set(example.index, previous);
    else todo.push(example);
  }
  const reused = records.size;
  const progress = createProgress({
    label: options.progressLabel ?? 'eval',
    total: examples.length,
    initial: reused,
    enabled: options.showProgress ?? true,
  });
  const tally = new Tally(progress, sumCost(records.values()));
  const limit = pLimit(Math.max(1, options.concurrency));
  try {
    await Promise.all(
      todo.map((example) =>
        limit(async () => {
          if (tally.fatal || options.shouldStop?.()) return;
          const record = await evaluateAndAppend(options, example);
          records.set(example.index, record);
          tally.add(record);
        }),
      ),
    );
  } finally {
    progress.stop();
  }
  if (tally.fatal) throw fatalRunError(tally.fatal, runDir.dir);
  const ordered = examples.flatMap((example) => {
    const record = records.get(example.index);
    return record ? [record] : [];
  });
  return { records: ordered, evaluatedNow: todo.length, reused };
}

export interface RunExampleStreamOptions extends Omit<RunExamplesOptions, 'examples'> {
  /** Examples with indices 0..total-1, in order, read as they are needed. */
  examples: AsyncIterable<Example>;
  total: number;
}

/**
 * `runExamples` over a stream, for evaluations too large to hold: earlier records are read from the run folder
 * as a stream (opened with `streamExisting`) and nothing is kept per example but a few numbers for the summary
 * and what resuming needs (a state byte and a hash of the id), so memory does not grow with the records' text.
 * At most `concurrency` examples are read ahead of the finished ones. The same resume rules: an earlier record
 * is kept when it is the last for its index, did not fail, and answered the same id.
 */
export async function runExampleStream(options: RunExampleStreamOptions): Promise<{ columns: SummaryColumns; evaluatedNow: number; reused: number }> {
  const { runDir, total } = options;
  const columns = new SummaryColumns(total);
  // 32-bit FNV-1a of each kept record's id: enough to tell a record of another example at the same index (the
  // dataset digest is in the identity).
  const earlierId = new Uint32Array(total);
  for await (const record of streamRecords<ExampleRecord>(runDir.recordsPath)) {
    if (record.index < 0 || record.index >= total) continue;
    if (record.error) columns.clear(record.index);
    else {
      columns.set(record.index, record);
      earlierId[record.index] = fnv1a(record.id);
    }
  }

  let reused = 0;
  for (let index = 0; index < total; index++) if (columns.has(index)) reused++;
  const progress = createProgress({ label: options.progressLabel ?? 'eval', total, initial: reused, enabled: options.showProgress ?? true });
  const tally = new Tally(progress, 0);
  let evaluatedNow = 0;
  const inFlight = new Set<Promise<void>>();
  // Wakes the reader when an example finishes (Promise.race over every in-flight example would attach
  // `concurrency` reactions per example read).
  let slotFreed: (() => void) | undefined;
  let failure: unknown;
  try {
    for await (const example of options.examples) {
      if (columns.has(example.index)) {
        if (earlierId[example.index] === fnv1a(example.id)) continue;
        columns.clear(example.index);
        reused--;
      }
      if (failure !== undefined || tally.fatal || options.shouldStop?.()) break;
      // One reaction per example (not an async wrapper, a catch and a finally, each a promise of its own): the
      // record is appended (written before it is counted), counted, and the slot freed.
      const release = () => {
        inFlight.delete(task);
        slotFreed?.();
      };
      const failed = (error: unknown) => {
        failure ??= error;
        release();
      };
      const finished = (record: ExampleRecord) => {
        try {
          options.runDir.append(record);
          columns.set(example.index, record);
          tally.add(record);
        } catch (error) {
          failure ??= error;
        }
        release();
      };
      let evaluated: Promise<ExampleRecord>;
      try {
        evaluated = options.evaluate(example);
      } catch (error) {
        evaluated = Promise.reject(error);
      }
      const task: Promise<void> = evaluated.then(finished, failed);
      evaluatedNow++;
      inFlight.add(task);
      if (inFlight.size >= Math.max(1, options.concurrency)) await new Promise<void>((resolve) => (slotFreed = resolve));
    }
    await Promise.all(inFlight);
  } finally {
    progress.stop();
  }
  if (failure !== undefined) throw failure;
  if (tally.fatal) throw fatalRunError(tally.fatal, runDir.dir);
  return { columns, evaluatedNow, reused };
}

/** Evaluates one example and appends its record to the run folder as soon as it lands. */
async function evaluateAndAppend(options: Pick<RunExamplesOptions, 'evaluate' | 'runDir'>, example: Example): Promise<ExampleRecord> {
  const record = await options.evaluate(example);
  options.runDir.append(record);
  return record;
}

/** Cost and failures of the finished examples, shown on the progress bar; the first fatal failure stops the run. */
class Tally {
  private errors = 0;
  fatal: ExampleRecord['error'];

  constructor(
    private readonly progress: Progress,
    private costUsd: number,
  ) {}

  add(record: ExampleRecord): void {
    this.costUsd += record.costUsd;
    if (record.error) {
      this.errors += 1;
      if (FATAL_KINDS.has(record.error.kind)) this.fatal ??= record.error;
    }
    this.progress.tick({ costUsd: this.costUsd, errors: this.errors });
  }
}

function fatalRunError(fatal: NonNullable<ExampleRecord['error']>, dir: string): ModelError {
  return new ModelError(
    fatal.kind as ModelErrorKind,
    `${fatal.message}\nThe run stopped at the first ${fatal.kind} failure (no other call can succeed); the finished records are in ${dir}. Fix it and run the same command again to resume.`,
  );
}

function sumCost(records: Iterable<ExampleRecord>): number {
  let total = 0;
  for (const record of records) total += record.costUsd;
  return total;
}
