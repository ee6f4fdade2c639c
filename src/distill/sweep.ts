/**
 * The distillation experiment (`distill run`, and the quickstart's students): for every method ×
 * training-data fraction × seed, build the training data from the annotations, train a student with
 * the built-in engine in-process (checkpoint selected by validation loss — validation is held out,
 * never test), and evaluate it on the test examples through the model layer (`builtin:<dir>`), with
 * the raw prompt the student was trained on (`inferencePrompt`) and the student stop strings.
 *
 *   <out>/cells/<method>/f<fraction>-s<seed>/
 *       cell.json         what identifies the cell (compared on resume)
 *       train.jsonl, validation.jsonl    the student's data (what `apprentice train --data` reads)
 *       student/          the checkpoint (Hugging Face Llama folder; resumable state in student/training/)
 *       test.jsonl        one example record per test example, appended as it lands (resumed by example)
 *       result.json       written last: a cell with a result is finished and never redone
 *
 * The folder layout and result types are the sweep's results contract (sweepResults.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { holdOutValidation } from '../data/split.js';
import type { Example, TaskDefinition } from '../data/types.js';
import type { ModelSize } from '../engine/model.js';
import { train, type LossNormalization, type TrainOptions } from '../engine/train.js';
import type { ExampleRecord } from '../eval/records.js';
import { runExamples } from '../eval/runner.js';
import { seedExampleBootstrap } from '../eval/seedBootstrap.js';
import { wilsonInterval } from '../eval/stats.js';
import type { ModelHub } from '../models/hub.js';
import { openRunDir, type RunDirHandle } from '../runs/runDir.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { InputError } from '../util/errors.js';
import { formatPercent } from '../util/numberFormat.js';
import type { AnnotationRecord } from './annotation.js';
import { cellName, CellProcesses } from './cellPool.js';
import { buildTrainingData, demoPool, trainingExamplesOf, type BuildOptions, type CotFormat } from './builders.js';
import { selectionIdentity, selectOnHeldOutTasks, type CellSelection, type CheckpointSelection } from './heldOutSelection.js';
import { isStepByStep, STUDENT_SHOTS, studentCard, studentEvaluator, usesDemos, writeStudentCard, type StudentCard } from './studentCard.js';
import type { SweepMethod } from './methods.js';
import { redactSecrets } from '../util/redact.js';
import { CELL_ANSWERS_FILE, CELL_FILE, CELL_RESULT_FILE, cellDir, selectedOnLabel, type CellResult, type SweepPoint } from './sweepResults.js';

export { isSweepMethod, methodLabel, SWEEP_METHODS, type SweepMethod } from './methods.js';
export { cellDir, type CellResult, type SweepPoint } from './sweepResults.js';
export { isStepByStep, STUDENT_SHOTS, studentPrompt, usesDemos, writesChain } from './studentCard.js';

/** How each student of a sweep is trained: size, steps, batch size, learning rate and context length. */
export interface StudentSettings {
  size: ModelSize;
  steps: number;
  /**
   * Steps for some methods instead of `steps` (the quickstart's CoT student trains longer than the answer-only and
   * step-by-step students, whose validation-selected checkpoints stop gaining before `steps`; docs/distill.md).
   * Every student's steps are in its cell and in the report's table of students.
   */
  stepsByMethod?: Partial<Record<SweepMethod, number>>;
  batchSize: number;
  learningRate: number;
  contextLength: number;
  /** Steps between validations (checkpoint selection). Default steps / 10. */
  evalEvery?: number;
  /**
   * Rows per forward/backward pass: a step's rows run in passes of this many, grouped by length, so each pass
   * pads only to its own longest row (the same gradient, less compute). Must divide the batch size. Default: one
   * pass a step (step-by-step: two, its label rows apart from its rationale rows).
   */
  microBatch?: number;
  /** Tokens a student may write: answer-only prompts, chain-of-thought prompts. */
  maxTokens: { answer: number; cot: number };
}

/** What {@link runSweep} trains: the task, the annotated pools, methods, data fractions, seeds and student settings. */
export interface SweepConfig {
  task: TaskDefinition;
  /** Train pool: teacher annotations (gold rides along for standard fine-tuning) or gold records. */
  train: readonly AnnotationRecord[];
  /** Held-out validation records (same kind as train), for checkpoint selection only. */
  validation: readonly AnnotationRecord[];
  test: readonly Example[];
  methods: readonly SweepMethod[];
  fractions: readonly number[];
  seeds: readonly number[];
  alpha: number;
  filter: 'none' | 'gold';
  student: StudentSettings;
  out: string;
  /** Folded into every cell's identity (e.g. the dataset and annotations the records came from). */
  identity: Record<string, unknown>;
  /**
   * How step-by-step students normalise their two-task loss (engine `lossNormalization`). Default 'task': each
   * task's loss averaged over its own tokens, then alpha * label + (1 - alpha) * rationale, as the paper does.
   * Single-task methods train with the engine's default either way.
   */
  lossNormalization?: LossNormalization;
  /**
   * How each student's checkpoint is chosen: by validation loss (the default; step-by-step: the label task's), or
   * by accuracy on held-out tasks (Fu et al. 2023; heldOutSelection.ts).
   */
  selection?: CheckpointSelection;
  /** Test answers in flight per student (the model layer caps it at what the engine decodes together). Default 1. */
  concurrency?: number;
  /**
   * Students trained and answered at once, each in its own process (cellPool.ts). Default 1: one after the
   * other, in this process.
   */
  pool?: number;
  /**
   * ONNX Runtime threads of each student's training (engine `threads`). Default: with a pool of one, the engine's
   * (env APPRENTICE_THREADS, else the cores); with a larger pool, the cores shared out (at least 1). Students are
   * bit-reproducible for a given seed and thread count, not across thread counts (the last bits differ).
   */
  threads?: number;
  log?: (line: string) => void;
}

/** What {@link runSweep} measured: every student, and the points per method and fraction. */
export interface SweepResult {
  cells: CellResult[];
  points: SweepPoint[];
}

function methodBuild(method: SweepMethod): Pick<BuildOptions, 'method' | 'mix' | 'labels'> {
  if (method.startsWith('cot-')) return { method: 'cot', mix: { [method.slice(4) as CotFormat]: 1 } };
  if (method === 'step-by-step-gold') return { method: 'step-by-step', labels: 'gold' };
  if (method === 'step-by-step') return { method: 'step-by-step', labels: 'teacher' };
  return { method: method as BuildOptions['method'] };
}

function writeJsonl(path: string, rows: readonly unknown[]): void {
  writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : ''));
}

/**
 * Evaluates one student on examples through the model layer and the example runner, as its card says (the
 * prompt, demonstrations, stops and token limit of its method; studentCard.ts): one record appended per example
 * to `answers` as it lands (a restart answers only what is missing or failed), answers extracted and scored as
 * everywhere. A failed call is recorded as an error, never scored: the evaluation then throws, and running again
 * retries only the failed examples.
 */
export async function evaluateStudent(
  hub: ModelHub,
  checkpoint: string,
  card: StudentCard,
  task: TaskDefinition,
  examples: readonly Example[],
  answers: RunDirHandle<ExampleRecord>,
  concurrency = 1,
): Promise<ExampleRecord[]> {
  const model = await hub.model(`builtin:${checkpoint}`);
  const evaluate = studentEvaluator(model, task, card);
  const { records } = await runExamples({ examples: [...examples], evaluate, runDir: answers, concurrency, showProgress: false });
  const failed = records.filter((record) => record.error);
  if (failed.length) {
    const first = failed[0]!.error!;
    throw new ModelFailuresError(
      `${failed.length} of ${examples.length} student answers failed (first: ${first.kind}: ${first.message}); they are recorded in ${answers.dir} and run again on the next run`,
    );
  }
  return records;
}

/** Student answers that failed (recorded, not scored): the cell is not finished. */
export class ModelFailuresError extends Error {
  override name = 'ModelFailuresError';
}

/** The run handle of a cell's test answers (test.jsonl beside cell.json, which identifies the cell). */
function cellAnswers(dir: string, identity: string): RunDirHandle<ExampleRecord> {
  return openRunDir<ExampleRecord>(dir, { identity, resolved: {}, configFile: CELL_FILE, recordsFile: CELL_ANSWERS_FILE });
}

/**
 * Accuracy of per-example scores in [0, 1] with its 95% Wilson interval over the examples. Scores
 * averaged over seeds count as fractional successes: their variance is at most p(1 − p), so the
 * interval is, if anything, conservative.
 */
export function accuracyOf(flags: readonly number[]): { accuracy: number; ci95: [number, number] } {
  if (flags.length === 0) return { accuracy: NaN, ci95: [NaN, NaN] };
  const correct = flags.reduce((a, b) => a + b, 0);
  return { accuracy: correct / flags.length, ci95: wilsonInterval(correct, flags.length) };
}

/** The optimizer steps of a method's students: its own when the settings name them, else the common `steps`. */
export function stepsOf(student: Pick<StudentSettings, 'steps' | 'stepsByMethod'>, method: SweepMethod): number {
  return student.stepsByMethod?.[method] ?? student.steps;
}

export function lossNormalizationOf(config: Pick<SweepConfig, 'lossNormalization'>, method: SweepMethod): LossNormalization {
  return isStepByStep(method) ? (config.lossNormalization ?? 'task') : 'token';
}

/** Trains, selects and evaluates one student; a finished cell (result.json) is read back, not redone. */
export async function runCell(config: SweepConfig, hub: ModelHub, method: SweepMethod, fraction: number, seed: number): Promise<CellResult> {
  const dir = cellDir(config.out, method, fraction, seed);
  const log = config.log ?? (() => {});
  const built = buildTrainingData(config.task, config.train, {
    ...methodBuild(method),
    alpha: config.alpha,
    filter: config.filter,
    fraction,
    seed,
    shots: STUDENT_SHOTS,
  });
  const validation = buildTrainingData(config.task, config.validation, {
    ...methodBuild(method),
    alpha: config.alpha,
    filter: config.filter,
    fraction: 1,
    seed,
    shots: STUDENT_SHOTS,
  });
  // Digested per part, so a refused cell can say which input changed.
  const parts = Object.fromEntries(
    Object.entries({
      settings: {
        ...config.identity,
        method,
        fraction,
        seed,
        alpha: config.alpha,
        filter: config.filter,
        student: config.student,
        lossNormalization: lossNormalizationOf(config, method),
        // Absent for validation-loss selection, so cells of earlier versions keep their identity.
        ...(config.selection?.on === 'held-out-tasks' ? { selection: selectionIdentity(config.selection) } : {}),
      },
      train: built.rows,
      validation: validation.rows,
      test: config.test.map((e) => [e.index, e.input, e.target]),
    }).map(([part, value]) => [part, sha256Hex(canonicalJson(value)).slice(0, 16)]),
  );
  const identity = sha256Hex(canonicalJson(parts));
  mkdirSync(dir, { recursive: true });
  const cellFile = join(dir, CELL_FILE);
  if (existsSync(cellFile)) {
    const previous = JSON.parse(readFileSync(cellFile, 'utf8')) as { identity?: string; parts?: Record<string, string> };
    if (previous.identity !== identity) {
      const changed = previous.parts
        ? Object.keys(parts)
            .filter((part) => previous.parts![part] !== parts[part])
            .map((part) => `${part} changed`)
            .join(', ')
        : 'other data or settings';
      throw new InputError(`this cell was run with other inputs (${changed}); use another --out or delete the folder`, { file: cellFile });
    }
  }
  const resultFile = join(dir, CELL_RESULT_FILE);
  if (existsSync(resultFile)) {
    const finished = JSON.parse(readFileSync(resultFile, 'utf8')) as CellResult;
    // Its interval is recomputed from its answers, so a sweep resumed across versions reports one kind.
    return finished.skipped ? finished : { ...finished, ...accuracyOf(finished.correctFlags) };
  }
  writeFileSync(
    cellFile,
    redactSecrets(JSON.stringify({ identity, parts, method, fraction, seed, student: config.student, build: built.report }, null, 2)) + '\n',
  );
  if (built.rows.length === 0 || validation.rows.length === 0) {
    const skipped = Object.entries(built.rows.length === 0 ? built.report.skipped : validation.report.skipped)
      .filter(([, count]) => count > 0)
      .map(([reason, count]) => `${count} ${reason}`)
      .join(', ');
    const result: CellResult = {
      method,
      fraction,
      seed,
      dir,
      inputs: 0,
      rows: 0,
      build: built.report,
      n: config.test.length,
      correct: 0,
      accuracy: NaN,
      ci95: [NaN, NaN],
      invalid: 0,
      training: { parameters: 0, steps: 0, bestStep: 0, validationLoss: null, trainSeconds: 0, tokensPerSecond: 0, validationLossByTask: {} },
      evalSeconds: 0,
      skipped: `no usable ${built.rows.length === 0 ? 'training' : 'validation'} rows (${skipped || 'no inputs'})`,
      correctFlags: [],
    };
    writeFileSync(resultFile, redactSecrets(JSON.stringify(result)) + '\n');
    return result;
  }
  writeJsonl(join(dir, 'train.jsonl'), built.rows);
  writeJsonl(join(dir, 'validation.jsonl'), validation.rows);

  const studentDir = join(dir, 'student');
  const s = config.student;
  // Step-by-step: an input's label and rationale rows in one batch, as many inputs per step as the one-task
  // methods (so the label task gets as many updates, on as many inputs, as standard fine-tuning), and the
  // checkpoint chosen on the label task's validation loss: the label is what the student answers with. The batch
  // runs as two length-ordered passes (the same gradient), so the short label rows are not padded to the
  // rationales' length: a third less compute a step here.
  const paired = isStepByStep(method);
  const heldOut = config.selection?.on === 'held-out-tasks' ? config.selection.tasks : null;
  const snapshotDir = join(dir, 'snapshots');
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const options: TrainOptions = {
    train: trainingExamplesOf(built.rows, join(dir, 'train.jsonl')),
    validation: trainingExamplesOf(validation.rows, join(dir, 'validation.jsonl')),
    outDir: studentDir,
    size: s.size,
    steps: stepsOf(s, method),
    batchSize: paired ? 2 * s.batchSize : s.batchSize,
    microBatchSize: s.microBatch ?? s.batchSize,
    ...(paired ? { groupSize: 2, selectOnTask: 'label' } : {}),
    ...(heldOut ? { snapshotDir } : {}),
    learningRate: s.learningRate,
    contextLength: s.contextLength,
    ...(s.evalEvery ? { evalEvery: s.evalEvery } : {}),
    seed,
    ...(config.threads !== undefined ? { threads: config.threads } : {}),
    resume: true,
    info: { method, fraction, seed, data: join(dir, 'train.jsonl') },
    lossNormalization: lossNormalizationOf(config, method),
  };
  let lastLog = 0;
  const trained = await train({
    ...options,
    onEvent: (event) => {
      if (event.type === 'start' && event.step > 0) log(`  ${method} f=${fraction} seed=${seed}: training resumed at step ${event.step} of ${event.steps}`);
      if (event.type !== 'step') return;
      const now = Date.now();
      if (now - lastLog < 10_000 && event.step !== event.steps) return;
      lastLog = now;
      log(`  ${method} f=${fraction} seed=${seed}: step ${event.step}/${event.steps}, loss ${event.loss.toFixed(3)}`);
    },
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpuStarted);
  const evalStarted = performance.now();
  const evalCpuStarted = process.cpuUsage();
  // Written beside the checkpoint: `apprentice eval --model builtin:<student>` asks it the same way.
  const card = studentCard(method, s.maxTokens, usesDemos(method) ? { pool: demoPool(config.task, config.train), seed } : undefined);
  writeStudentCard(studentDir, card);
  const selection: CellSelection = heldOut
    ? await selectOnHeldOutTasks(
        (checkpoint, asked, task, examples, answers) => evaluateStudent(hub, checkpoint, asked, task, examples, answers, config.concurrency),
        dir,
        snapshotDir,
        card,
        heldOut,
      )
    : { on: paired ? 'label-task validation loss' : 'validation loss', step: trained.bestStep, checkpoint: studentDir };
  if (heldOut) {
    writeStudentCard(selection.checkpoint, card);
    log(
      `  ${method} f=${fraction} seed=${seed}: checkpoint of step ${selection.step} chosen on held-out tasks (${selection.byStep!.map((e) => `${e.step}: ${formatPercent(e.accuracy)}`).join(', ')})`,
    );
  }
  const records = await evaluateStudent(hub, selection.checkpoint, card, config.task, config.test, cellAnswers(dir, identity), config.concurrency);
  const flags: number[] = records.map((r) => (r.correct ? 1 : 0));
  const { accuracy, ci95 } = accuracyOf(flags);
  const result: CellResult = {
    method,
    fraction,
    seed,
    dir,
    inputs: built.report.used,
    rows: built.report.rows,
    build: built.report,
    n: records.length,
    correct: flags.reduce((a, b) => a + b, 0),
    accuracy,
    ci95,
    invalid: records.filter((r) => !r.valid).length,
    training: {
      parameters: trained.parameters,
      steps: trained.steps,
      bestStep: trained.bestStep,
      validationLoss: trained.validationLoss,
      trainSeconds,
      tokensPerSecond: trained.tokensPerSecond,
      validationLossByTask: trained.validationLossByTask,
      cpuSeconds,
    },
    evalSeconds: (performance.now() - evalStarted) / 1000,
    evalCpuSeconds: cpuSecondsSince(evalCpuStarted),
    selection,
    correctFlags: flags,
  };
  writeFileSync(resultFile, redactSecrets(JSON.stringify(result)) + '\n');
  return result;
}

/** User + system CPU seconds of this process (every thread) since `start`. */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Pools a method × fraction over seeds. */
export function sweepPoints(cells: readonly CellResult[]): SweepPoint[] {
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells.filter((c) => !c.skipped)) {
    const key = `${cell.method}\u0000${cell.fraction}`;
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const n = first.correctFlags.length;
    // Cells read back from results.json have no flags: their pooled interval is that file's.
    const usable = group.every((cell) => cell.correctFlags.length === n && n > 0);
    const { mean: accuracy, ci95 } = usable
      ? seedExampleBootstrap(
          group.map((cell) => cell.correctFlags),
          { seed: `${first.method}:${first.fraction}` },
        )
      : { mean: NaN, ci95: [NaN, NaN] as [number, number] };
    return {
      method: first.method,
      fraction: first.fraction,
      inputs: group.reduce((sum, cell) => sum + cell.inputs, 0) / group.length,
      seeds: group.map((cell) => cell.seed),
      accuracy,
      ci95,
      perSeed: group.map((cell) => cell.accuracy),
      ...(first.selection ? { selectedOn: selectedOnLabel(first.selection) } : {}),
    };
  });
}

/** The students' thread count when the sweep runs `pool` of them at once: the cores shared out, at least 1. */
export function poolThreads(pool: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / pool));
}

/**
 * Runs tasks `size` at a time, in order. After a failure no further task starts; those running finish (their
 * work is kept), then the first failure is thrown (the others are logged).
 */
async function inPool<T>(tasks: ReadonlyArray<() => Promise<T>>, size: number, log: (line: string) => void): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  const failures: unknown[] = [];
  let next = 0;
  const lane = async () => {
    while (next < tasks.length && failures.length === 0) {
      const index = next++;
      try {
        results[index] = await tasks[index]!();
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, tasks.length) }, lane));
  if (failures.length > 1) for (const error of failures.slice(1)) log(`also failed: ${error instanceof Error ? error.message : String(error)}`);
  if (failures.length > 0) throw failures[0];
  return results;
}

/** "about 3 min left", from the students computed so far in this run (finished-earlier ones cost nothing). */
function etaText(startedMs: number, computed: number, remaining: number): string {
  if (computed === 0 || remaining === 0) return '';
  const seconds = (((performance.now() - startedMs) / 1000) * remaining) / computed;
  return `, about ${seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`} left`;
}

/**
 * Trains and evaluates a student for every method, data fraction and seed: `pool` at once (each in its own
 * process with `threads` engine threads), else one after the other in this process. Results are in config order.
 */
export async function runSweep(config: SweepConfig, hub: ModelHub): Promise<SweepResult> {
  const log = config.log ?? (() => {});
  const pool = config.pool ?? 1;
  if (!(Number.isInteger(pool) && pool >= 1)) throw new InputError(`the pool must be a positive integer, got ${pool}`, { field: 'pool' });
  const threads = config.threads ?? (pool > 1 ? poolThreads(pool) : undefined);
  const jobs: Array<{ method: SweepMethod; fraction: number; seed: number }> = [];
  for (const seed of config.seeds) for (const fraction of config.fractions) for (const method of config.methods) jobs.push({ method, fraction, seed });
  const total = jobs.length;
  if (pool > 1) log(`${total} students, ${Math.min(pool, total)} at once (one process each, ${threads} engine thread${threads === 1 ? '' : 's'} each)`);
  const started = performance.now();
  let done = 0;
  let computed = 0;
  const { log: _log, ...childConfig } = { ...config, ...(threads !== undefined ? { threads } : {}) };
  const processes = new CellProcesses();
  const tasks = jobs.map(({ method, fraction, seed }, index) => async () => {
    const finished = existsSync(join(cellDir(config.out, method, fraction, seed), CELL_RESULT_FILE));
    log(`student ${index + 1}/${total}: ${method}, fraction ${fraction}, seed ${seed}${finished ? ' (finished earlier, kept)' : ''}`);
    const cell =
      finished || pool === 1
        ? await runCell({ ...childConfig, log }, hub, method, fraction, seed)
        : await processes.run({ config: childConfig, method, fraction, seed }, log);
    done++;
    if (!finished) computed++;
    const name = pool > 1 ? ` ${cellName(method, fraction, seed)}:` : '';
    if (cell.skipped) log(`  ->${name} not trained: ${cell.skipped}`);
    else if (!finished) {
      log(
        `  ->${name} accuracy ${formatPercent(cell.accuracy)} [95% Wilson CI ${formatPercent(cell.ci95[0])}, ${formatPercent(cell.ci95[1])}] ` +
          `(${cell.inputs} inputs, ${cell.rows} rows; train ${cell.training.trainSeconds.toFixed(0)} s wall, ${(cell.training.cpuSeconds ?? 0).toFixed(0)} s CPU; eval ${cell.evalSeconds.toFixed(0)} s wall, ${(cell.evalCpuSeconds ?? 0).toFixed(0)} s CPU)` +
          ` [${done}/${total} done${etaText(started, computed, total - done)}]`,
      );
    }
    return cell;
  });
  let cells: CellResult[];
  try {
    cells = await inPool(tasks, pool, log);
  } finally {
    processes.close();
  }
  return { cells, points: sweepPoints(cells) };
}

/**
 * Validation held out of the train records when the annotations have none, exactly as annotation and
 * evaluation hold one out of a dataset (`holdOutValidation`: seeded, stratified for label tasks, never
 * from test).
 */
export function holdOutRecords(
  task: TaskDefinition,
  records: readonly AnnotationRecord[],
  fraction: number,
  seed: number,
): { train: AnnotationRecord[]; validation: AnnotationRecord[] } {
  const byIndex = new Map(records.map((record) => [record.index, record]));
  const examples: Example[] = records.map((record) => ({ index: record.index, id: record.id, input: record.input, target: record.gold, raw: {} }));
  const held = holdOutValidation({ task, splits: { train: examples }, source: 'annotations' }, { fraction, seed });
  const back = (split: Example[] | undefined) => (split ?? []).map((example) => byIndex.get(example.index)!);
  return { train: back(held.splits.train), validation: back(held.splits.validation) };
}
