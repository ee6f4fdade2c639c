/**
 * Checkpoint selection on held-out tasks (Fu et al. 2023): instead of keeping the checkpoint with the lowest
 * in-task validation loss, every evaluated step's weights are kept (the engine's `snapshotDir`), each is asked the
 * questions of one or more held-out tasks — datasets the student never trains on — as its students are asked
 * (its card), and the step with the highest mean accuracy over those tasks is the student. Ties go to the later
 * step. The held-out questions come from each task's validation split, never from a test split, so the
 * generic-ability check and the in-task test stay untouched.
 *
 *   <cell>/snapshots/step-<n>/                        one checkpoint per evaluated step
 *   <cell>/selection/step-<n>/<task>-<hash>/          its answers to each held-out task (resumable)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/load.js';
import type { Example, TaskDefinition } from '../data/types.js';
import type { ExampleRecord } from '../eval/records.js';
import { openRunDir, runIdFor, type RunDirHandle } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';
import type { StudentCard } from './studentCard.js';

/** A held-out task: its name, dataset spec, task definition and the validation questions used for selection. */
export interface HeldOutTask {
  name: string;
  dataset: string;
  task: TaskDefinition;
  examples: Example[];
}

/** How a sweep chooses each student's checkpoint. */
export type CheckpointSelection = { on: 'validation-loss' } | { on: 'held-out-tasks'; tasks: HeldOutTask[] };

/** What a cell records about the choice of its checkpoint. */
export interface CellSelection {
  /** 'validation loss', 'label-task validation loss' or 'accuracy on held-out tasks'. */
  on: string;
  step: number;
  /** The checkpoint folder that was tested. */
  checkpoint: string;
  /** Held-out tasks only: their names and, per evaluated step, the mean accuracy and each task's. */
  tasks?: string[];
  byStep?: { step: number; accuracy: number; perTask: Record<string, number> }[];
}

/** The held-out tasks of `--held-out name=dataset`: each one's validation split, its first `limit` questions. */
export async function loadHeldOutTasks(sets: readonly { name: string; dataset: string }[], limit: number): Promise<HeldOutTask[]> {
  if (sets.length === 0) throw new InputError('selection on held-out tasks needs at least one held-out task (--held-out name=dataset)', { field: 'held-out' });
  const tasks: HeldOutTask[] = [];
  for (const set of sets) {
    const dataset = await loadDataset(set.dataset, {});
    const validation = dataset.splits.validation ?? [];
    if (validation.length === 0) {
      throw new InputError(`held-out task "${set.name}" (${set.dataset}) has no validation split; selection never reads a test split`, { field: 'held-out' });
    }
    tasks.push({ name: set.name, dataset: dataset.source, task: dataset.task, examples: validation.slice(0, limit) });
  }
  return tasks;
}

/** What identifies the selection in a cell's settings: the tasks and their questions. */
export function selectionIdentity(selection: CheckpointSelection | undefined): unknown {
  if (!selection || selection.on === 'validation-loss') return 'validation-loss';
  return {
    on: selection.on,
    tasks: selection.tasks.map((t) => ({ name: t.name, dataset: t.dataset, examples: t.examples.map((e) => [e.index, e.input, e.target]) })),
  };
}

/** The snapshot steps of a training run, in order. */
export function snapshotSteps(snapshotDir: string): number[] {
  return readdirSync(snapshotDir)
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

type Evaluate = (
  checkpoint: string,
  card: StudentCard,
  task: TaskDefinition,
  examples: readonly Example[],
  answers: RunDirHandle<ExampleRecord>,
) => Promise<ExampleRecord[]>;

/** Asks every snapshot the held-out questions and returns the chosen step (highest mean accuracy; ties: the later). */
export async function selectOnHeldOutTasks(
  evaluate: Evaluate,
  cell: string,
  snapshotDir: string,
  card: StudentCard,
  tasks: readonly HeldOutTask[],
): Promise<CellSelection> {
  const steps = snapshotSteps(snapshotDir);
  if (steps.length === 0) throw new InputError('no snapshots were saved to select from', { file: snapshotDir });
  const byStep: NonNullable<CellSelection['byStep']> = [];
  for (const step of steps) {
    const checkpoint = join(snapshotDir, `step-${step}`);
    const perTask: Record<string, number> = {};
    for (const held of tasks) {
      const identity = { step, task: held.name, dataset: held.dataset, card: card.method, examples: held.examples.map((e) => [e.index, e.input, e.target]) };
      const answers = openRunDir<ExampleRecord>(join(cell, 'selection', `step-${step}`, runIdFor(held.name, identity)), {
        identity,
        resolved: { command: 'distill checkpoint selection on held-out tasks', task: held.name },
      });
      const records = await evaluate(checkpoint, card, held.task, held.examples, answers);
      perTask[held.name] = records.filter((r) => r.correct).length / Math.max(1, records.length);
    }
    const values = Object.values(perTask);
    byStep.push({ step, accuracy: values.reduce((a, b) => a + b, 0) / values.length, perTask });
  }
  const best = byStep.reduce((chosen, entry) => (entry.accuracy >= chosen.accuracy ? entry : chosen));
  return { on: 'accuracy on held-out tasks', step: best.step, checkpoint: join(snapshotDir, `step-${best.step}`), tasks: tasks.map((t) => t.name), byStep };
}
