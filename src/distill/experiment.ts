/**
 * `apprentice distill run`: the sweep of methods × training-data fractions × seeds on an annotations
 * folder, evaluated on the dataset's test split, with its results (src/distill/sweepResults.ts).
 *
 * Validation (checkpoint selection only) is the annotations' `validation` split when there is one,
 * else a seeded share of the annotated train inputs held out exactly as annotation does; fractions are
 * then taken of what is left. Test is never used before the final evaluation.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { loadDataset, type DatasetOptions } from '../data/load.js';
import { selectExamples } from '../data/split.js';
import type { Example } from '../data/types.js';
import type { LossNormalization } from '../engine/train.js';
import { ModelHub } from '../models/hub.js';
import { InputError } from '../util/errors.js';
import type { AnnotationRecord } from './annotation.js';
import { chanceLevel } from './chance.js';
import { genericAbility } from './generic.js';
import { loadHeldOutTasks, type CheckpointSelection } from './heldOutSelection.js';
import { goldRecords } from './goldRecords.js';
import type { AnnotationStats } from './stats.js';
import { readAnnotations } from './store.js';
import { holdOutRecords, runSweep, type StudentSettings, type SweepMethod, type SweepResult } from './sweep.js';
import type { GenericSection, TeacherAccuracy } from './sweepResults.js';
import { concludeSweep } from './verdict.js';

/** What {@link runDistillExperiment} runs: the dataset and annotations, the methods, data fractions, seeds and students. */
export interface ExperimentConfig {
  dataset: string;
  datasetOptions?: DatasetOptions;
  /** Annotations folder; without one only standard fine-tuning (gold labels of the dataset's train split) can run. */
  annotations?: string;
  /** Annotated split the students learn from. Default train. */
  split: string;
  testSplit: string;
  testLimit?: number;
  testSample?: number;
  methods: SweepMethod[];
  fractions: number[];
  seeds: number[];
  alpha: number;
  filter: 'none' | 'gold';
  validationFraction: number;
  /** Seed of the held-out validation (and the test sample). */
  seed: number;
  student: StudentSettings;
  generic: { name: string; dataset: string }[];
  genericTrainPerSet: number;
  genericLimit?: number;
  /** Step-by-step students' loss normalisation (default 'task'). */
  lossNormalization?: LossNormalization;
  /** Checkpoint selection: validation loss (default) or accuracy on these held-out tasks' validation questions (Fu et al.). */
  selectOn?: 'validation-loss' | 'held-out-tasks';
  heldOut?: { name: string; dataset: string }[];
  /** Validation questions per held-out task (default 50). */
  heldOutLimit?: number;
  /** Students trained and answered at once, each in its own process on its share of the cores (default: min(2, cores)). */
  pool?: number;
  out: string;
  log?: (line: string) => void;
}

/** What {@link runDistillExperiment} measured: teacher accuracy, the sweep and the generic-ability section. */
export interface ExperimentResult {
  out: string;
  wallSeconds: number;
  teacher: TeacherAccuracy[];
  sweep: SweepResult;
  generic: GenericSection | null;
  /** results.json (the report is rendered from it by report/sweepReport.ts) and the verdict it holds. */
  report: { results: string; verdict: string[] };
}

function statsAccuracy(label: string, stats: AnnotationStats | undefined): TeacherAccuracy | null {
  if (!stats || stats.teacherAccuracy === null) return null;
  return { label, n: stats.withGold, accuracy: stats.teacherAccuracy, ci95: stats.ci95 };
}

/** Runs a distillation experiment: trains students by each method and evaluates them against their baselines. */
export async function runDistillExperiment(config: ExperimentConfig): Promise<ExperimentResult> {
  const started = performance.now();
  const log = config.log ?? (() => {});
  const out = resolve(config.out);
  const dataset = await loadDataset(config.dataset, config.datasetOptions ?? {});
  const task = dataset.task;
  const testPool = dataset.splits[config.testSplit];
  if (!testPool?.length) throw new InputError(`the dataset has no "${config.testSplit}" split to evaluate on`, { field: 'testSplit' });
  const test: Example[] = selectExamples(testPool, { limit: config.testLimit, sample: config.testSample, seed: config.seed });

  let records: AnnotationRecord[];
  let validation: AnnotationRecord[] | undefined;
  let teacherName = 'none (gold only)';
  const teacher: TeacherAccuracy[] = [];
  if (config.annotations) {
    const annotations = readAnnotations(config.annotations);
    teacherName = annotations.manifest.teacher;
    const split = annotations.splits[config.split];
    if (!split?.length) {
      throw new InputError(`no annotations for split "${config.split}"; annotated splits: ${Object.keys(annotations.splits).join(', ') || 'none'}`, {
        field: 'split',
      });
    }
    records = split;
    validation = config.split !== 'validation' ? annotations.splits.validation : undefined;
    for (const [name, stats] of Object.entries(annotations.manifest.splits).sort(([a], [b]) =>
      a === config.testSplit ? -1 : b === config.testSplit ? 1 : 0,
    )) {
      const accuracy = statsAccuracy(`teacher labels on ${name} (${teacherName})`, stats);
      if (accuracy) teacher.push(accuracy);
    }
  } else {
    const needTeacher = config.methods.filter((method) => method !== 'standard-ft');
    if (needTeacher.length)
      throw new InputError(`${needTeacher.join(', ')} ${needTeacher.length === 1 ? 'needs' : 'need'} teacher annotations: give --annotations <dir>`, {
        field: 'annotations',
      });
    const train = dataset.splits[config.split];
    if (!train?.length) throw new InputError(`the dataset has no "${config.split}" split`, { field: 'split' });
    records = goldRecords(train, config.split);
    validation = dataset.splits.validation ? goldRecords(dataset.splits.validation, 'validation') : undefined;
  }
  // Test inputs must never be trained on.
  if (config.split === config.testSplit) throw new InputError('students cannot be trained on the split they are tested on', { field: 'split' });
  if (!validation?.length) {
    const held = holdOutRecords(task, records, config.validationFraction, config.seed);
    records = held.train;
    validation = held.validation;
    log(`validation: ${validation.length} of the annotated ${config.split} inputs held out (seed ${config.seed}); ${records.length} left for training`);
  }

  if (config.heldOut?.length && config.selectOn !== 'held-out-tasks')
    throw new InputError('held-out tasks choose checkpoints only with --select-on held-out-tasks', { field: 'held-out' });
  const selection: CheckpointSelection =
    config.selectOn === 'held-out-tasks'
      ? { on: 'held-out-tasks', tasks: await loadHeldOutTasks(config.heldOut ?? [], config.heldOutLimit ?? 50) }
      : { on: 'validation-loss' };
  if (selection.on === 'held-out-tasks')
    log(
      `checkpoints chosen on held-out tasks: ${selection.tasks.map((t) => `${t.name} (${t.dataset}, ${t.examples.length} validation questions)`).join(', ')}`,
    );
  const hub = new ModelHub({ cachePath: 'none' });
  try {
    const sweep = await runSweep(
      {
        task,
        train: records,
        validation,
        test,
        methods: config.methods,
        fractions: config.fractions,
        seeds: config.seeds,
        alpha: config.alpha,
        filter: config.filter,
        student: config.student,
        out,
        identity: { dataset: dataset.source, annotations: config.annotations ? resolve(config.annotations) : null, split: config.split },
        ...(config.lossNormalization ? { lossNormalization: config.lossNormalization } : {}),
        selection,
        pool: config.pool ?? Math.min(2, availableParallelism()),
        log,
      },
      hub,
    );
    let generic: GenericSection | null = null;
    if (config.generic.length) {
      log(`generic ability: a generalist before and after specialization, on ${config.generic.length} out-of-task set(s)`);
      const byIndex = new Map((dataset.splits[config.split] ?? []).map((example) => [example.index, example]));
      generic = await genericAbility(hub, {
        task,
        out,
        inTask: { dataset: dataset.source, test },
        trainPool: records.map(
          (record) => byIndex.get(record.index) ?? { index: record.index, id: record.id, input: record.input, target: record.gold, raw: {} },
        ),
        validation: validation.map((record) => ({ index: record.index, id: record.id, input: record.input, target: record.gold, raw: {} })),
        sets: config.generic,
        trainPerSet: config.genericTrainPerSet,
        ...(config.genericLimit ? { testLimit: config.genericLimit } : {}),
        student: config.student,
        seed: config.seeds[0] ?? 0,
        cells: sweep.cells,
        ...(config.lossNormalization ? { lossNormalization: config.lossNormalization } : {}),
        log,
      });
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const report = concludeSweep(out, {
      title: `Distillation: ${task.name}`,
      dataset: dataset.source,
      teacherName,
      teacher,
      points: sweep.points,
      cells: sweep.cells,
      testSize: test.length,
      chance: chanceLevel(task, records, test),
      ...(generic ? { generic } : {}),
      wallSeconds,
      settings: { ...config, log: undefined, out },
    });
    return { out, wallSeconds, teacher, sweep, generic, report };
  } finally {
    await hub.close();
  }
}
