/**
 * `cascade calibrate` and `cascade eval`: the student and the teacher answer every example of a split through
 * the model layer and the eval harness (prompt, extraction, runner with resume), each answer scored; the
 * student's confidence is recorded with its answer. Calibration draws the cost-accuracy curve on the
 * calibration split (validation, never test) and picks the threshold; evaluation applies that threshold,
 * unchanged, to a held-out split and measures cost saved and accuracy lost against the teacher alone.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset, type DatasetOptions } from '../data/load.js';
import type { Dataset, Example, TaskDefinition } from '../data/types.js';
import { answerRecord } from '../eval/evaluators.js';
import { promptLayout } from '../eval/extract/index.js';
import { withValidation } from '../eval/job.js';
import { buildPrompt, QUESTION_FIELDS } from '../eval/prompts.js';
import type { ExampleRecord } from '../eval/records.js';
import { runExamples } from '../eval/runner.js';
import { mcnemar, pairedBootstrap, wilsonInterval } from '../eval/stats.js';
import type { ModelHub } from '../models/hub.js';
import type { LanguageModel } from '../models/types.js';
import { readResult } from '../runs/resultContract.js';
import { openRunDir } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { studentAnswer } from './cascade.js';
import { cascadeCurve, chooseThreshold, escalates, pointAt, type CascadeRow, type CascadeTarget } from './curve.js';
import { CASCADE, writeCalibration, writeEvaluation, type Calibration, type CascadeEvaluation, type CascadeRunConfig } from './results.js';

/** A scored example: the student's record (its answer and confidence) and the teacher's answer to the same prompt. */
export interface CascadeRecord extends ExampleRecord {
  confidence: number | null;
  teacher: Pick<ExampleRecord, 'output' | 'extracted' | 'valid' | 'correct' | 'usage' | 'costUsd' | 'cached' | 'error'>;
}

export interface CalibrateOptions {
  config: CascadeRunConfig;
  split: string;
  target: CascadeTarget;
  out: string;
  hub: ModelHub;
  concurrency?: number;
  showProgress?: boolean;
}

/** The split the threshold is chosen on must not be test: test only ever measures a threshold chosen elsewhere. */
export function checkCalibrationSplit(split: string): void {
  if (split === 'test') {
    throw new InputError('the threshold is chosen on validation (or another held-out split), never on test; run `cascade eval --split test` afterwards', {
      field: 'split',
    });
  }
}

export async function calibrateCascade(options: CalibrateOptions): Promise<Calibration> {
  checkCalibrationSplit(options.split);
  const rows = await scoreSplit(options.config, options.split, options);
  const usable = rows.filter((record) => !record.error && !record.teacher.error);
  const cascadeRows = usable.map(rowOf);
  const curve = cascadeCurve(cascadeRows);
  const calibration: Calibration = {
    kind: 'apprentice-cascade-calibration',
    version: VERSION,
    config: options.config,
    split: options.split,
    target: options.target,
    examples: usable.length,
    failed: rows.length - usable.length,
    studentOnly: pointAt(cascadeRows, 0),
    teacherOnly: teacherOnly(cascadeRows),
    curve,
    chosen: chooseThreshold(curve, options.target),
  };
  writeCalibration(options.out, calibration);
  return calibration;
}

export interface EvaluateOptions {
  calibrationDir: string;
  split: string;
  hub: ModelHub;
  seed?: number;
  concurrency?: number;
  showProgress?: boolean;
}

export async function evaluateCascade(options: EvaluateOptions): Promise<CascadeEvaluation> {
  const { calibration } = readResult(CASCADE, options.calibrationDir);
  if (options.split === calibration.split) {
    throw new InputError(`the threshold was chosen on "${calibration.split}"; evaluate it on another split (test)`, { field: 'split' });
  }
  if (!calibration.chosen) {
    throw new InputError('the calibration found no threshold meeting its target; calibrate again with another target', {
      file: options.calibrationDir,
    });
  }
  const threshold = calibration.chosen.threshold;
  const rows = await scoreSplit(calibration.config, options.split, { ...options, out: options.calibrationDir });
  const usable = rows.filter((record) => !record.error && !record.teacher.error);
  if (!usable.length) throw new InputError(`no example of "${options.split}" could be scored (every call failed)`, { field: 'split' });
  const cascadeRows = usable.map(rowOf);
  const cascade = pointAt(cascadeRows, threshold);
  const teacher = teacherOnly(cascadeRows);
  const cascadeCorrect = cascadeRows.map((row) => (escalates(row, threshold) ? row.teacherCorrect : row.studentCorrect));
  const teacherCorrect = cascadeRows.map((row) => row.teacherCorrect);
  const paired = pairedBootstrap(cascadeCorrect.map(Number), teacherCorrect.map(Number), { seed: options.seed ?? calibration.config.seed });
  const target = calibration.target;
  const evaluation: CascadeEvaluation = {
    kind: 'apprentice-cascade-evaluation',
    version: VERSION,
    split: options.split,
    threshold,
    calibrationSplit: calibration.split,
    examples: usable.length,
    failed: rows.length - usable.length,
    cascade,
    teacherOnly: teacher,
    studentOnly: pick(pointAt(cascadeRows, 0)),
    teacherCallsSaved: 1 - cascade.teacherShare,
    costSavedUsd: teacher.costUsd - cascade.costUsd,
    accuracyLost: { estimate: paired.meanDiff, ci95: paired.ci95, bootstrapP: paired.pValue, mcnemarP: mcnemar(cascadeCorrect, teacherCorrect).pValue },
    targetMet: 'accuracy' in target ? cascade.accuracyCi95[1] >= target.accuracy : null,
  };
  writeEvaluation(options.calibrationDir, evaluation);
  return evaluation;
}

function pick(point: { accuracy: number; accuracyCi95: [number, number] }) {
  return { accuracy: point.accuracy, accuracyCi95: point.accuracyCi95 };
}

function teacherOnly(rows: readonly CascadeRow[]) {
  const correct = rows.filter((row) => row.teacherCorrect).length;
  return {
    accuracy: rows.length ? correct / rows.length : 0,
    accuracyCi95: wilsonInterval(correct, rows.length),
    costUsd: rows.reduce((sum, row) => sum + row.teacherCostUsd, 0),
  };
}

function rowOf(record: CascadeRecord): CascadeRow {
  return {
    confidence: record.confidence,
    studentCorrect: record.correct === true,
    teacherCorrect: record.teacher.correct === true,
    studentCostUsd: record.costUsd,
    teacherCostUsd: record.teacher.costUsd,
  };
}

/** Every example of the split answered by the student (with confidence) and the teacher, in <out>/<split>/. */
async function scoreSplit(
  config: CascadeRunConfig,
  split: string,
  options: { out: string; hub: ModelHub; concurrency?: number; showProgress?: boolean },
): Promise<CascadeRecord[]> {
  const dataset = withValidation(await loadDataset(config.dataset, config.datasetOptions as DatasetOptions), {
    split,
    demoSplit: 'train',
    validationFraction: config.validationFraction,
    seed: config.seed,
  });
  const examples = splitExamples(dataset, split, config.limit);
  const [student, teacher] = await Promise.all([options.hub.model(config.student), options.hub.model(config.teacher)]);
  mkdirSync(options.out, { recursive: true });
  const runDir = openRunDir<ExampleRecord>(join(options.out, split), {
    identity: { kind: 'cascade-scores', ...config, split },
    resolved: { command: 'cascade', out: resolve(options.out) },
  });
  try {
    const result = await runExamples({
      examples,
      evaluate: cascadeEvaluator(student, teacher, dataset.task, config),
      runDir,
      concurrency: options.concurrency ?? 4,
      progressLabel: `cascade ${split}`,
      showProgress: options.showProgress ?? false,
    });
    return result.records as CascadeRecord[];
  } finally {
    runDir.release();
  }
}

function splitExamples(dataset: Dataset, split: string, limit: number | undefined): Example[] {
  const examples = dataset.splits[split];
  if (!examples?.length) {
    throw new InputError(`the dataset has no "${split}" split (it has ${Object.keys(dataset.splits).join(', ')})`, { field: 'split' });
  }
  return limit !== undefined ? examples.slice(0, limit) : examples;
}

/** One example: the student's answer with its confidence, as serving computes it, and the teacher's, on one prompt. */
export function cascadeEvaluator(student: LanguageModel, teacher: LanguageModel, task: TaskDefinition, config: CascadeRunConfig) {
  return async (example: Example): Promise<CascadeRecord> => {
    const built = buildPrompt(config.style, task, example, []);
    const read = { layout: promptLayout(task, example, [], QUESTION_FIELDS) };
    const call = { messages: built.messages, ...(built.stop ? { stop: built.stop } : {}), maxTokens: config.maxTokens, temperature: 0 };
    let confidence: number | null = null;
    // The student as the cascade runs it: its answer (greedy, or the samples' majority) and the confidence beside it.
    const observed: LanguageModel = {
      spec: student.spec,
      provider: student.provider,
      modelName: student.modelName,
      capabilities: student.capabilities,
      generate: async (request, callOptions) => {
        const answer = await studentAnswer({ student, signal: config.signal, samples: config.samples }, request, callOptions);
        confidence = answer.confidence;
        return answer.response;
      },
      logprob: (request, callOptions) => student.logprob(request, callOptions),
      embed: (request, callOptions) => student.embed(request, callOptions),
    };
    const [studentRecord, teacherRecord] = await Promise.all([
      answerRecord(observed, task, example, call, read),
      answerRecord(teacher, task, example, call, read),
    ]);
    const { output, extracted, valid, correct, usage, costUsd, cached, error } = teacherRecord;
    return { ...studentRecord, confidence, teacher: { output, extracted, valid, correct, usage, costUsd, cached, ...(error ? { error } : {}) } };
  };
}
