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
import { createProgress } from '../util/progress.js';
import type { RunDirHandle } from '../runs/runDir.js';
import type { ExampleRecord } from './records.js';
import { FATAL_KINDS, ModelError, type ModelErrorKind } from '../models/errors.js';

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
  let costUsd = sumCost(records.values());
  let errors = 0;
  let fatal: ExampleRecord['error'];
  const limit = pLimit(Math.max(1, options.concurrency));
  try {
    await Promise.all(
      todo.map((example) =>
        limit(async () => {
          if (fatal || options.shouldStop?.()) return;
          const record = await options.evaluate(example);
          runDir.append(record);
          records.set(example.index, record);
          costUsd += record.costUsd;
          if (record.error) errors += 1;
          if (record.error && FATAL_KINDS.has(record.error.kind)) fatal ??= record.error;
          progress.tick({ costUsd, errors });
        }),
      ),
    );
  } finally {
    progress.stop();
  }
  if (fatal) {
    throw new ModelError(
      fatal.kind as ModelErrorKind,
      `${fatal.message}\nThe run stopped at the first ${fatal.kind} failure (no other call can succeed); ${records.size} record(s) are in ${runDir.dir}. Fix it and run the same command again to resume.`,
    );
  }
  const ordered = examples.flatMap((example) => {
    const record = records.get(example.index);
    return record ? [record] : [];
  });
  return { records: ordered, evaluatedNow: todo.length, reused };
}

function sumCost(records: Iterable<ExampleRecord>): number {
  let total = 0;
  for (const record of records) total += record.costUsd;
  return total;
}
