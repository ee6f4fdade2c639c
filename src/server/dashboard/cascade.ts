/**
 * Cascade calibration folders for the dashboard (`cascade calibrate`, then `cascade eval`), read through their
 * results contract (cascade/results.ts): the calibration curve on its split, the chosen threshold, and each
 * held-out evaluation. A file of another shape is reported in the listing, never a crash.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CALIBRATION_FILE, CASCADE, type CascadeEvaluation, type CascadeFolder } from '../../cascade/results.js';
import { renderChartSvg, seriesLinesSpec } from '../../report/charts.js';
import { cascadeChartPoints } from '../../report/cascadeReport.js';
import { formatPercent } from '../../util/numberFormat.js';
import type { CascadeDetail, CascadeEvaluationView, CascadeListing, Chart, Estimate } from './api.js';
import { HttpError } from './httpError.js';
import { folderOf, runIdOf } from './runs.js';

export interface LoadedCascade {
  listing: CascadeListing;
  detail: Omit<CascadeDetail, 'charts'> | null;
  folder: CascadeFolder | null;
}

export function loadCascade(root: string, dir: string): LoadedCascade {
  const base: CascadeListing = {
    id: runIdOf(root, dir),
    student: '—',
    teacher: '—',
    dataset: '—',
    split: '—',
    examples: 0,
    signal: '—',
    target: '—',
    chosen: null,
    evaluated: [],
    modifiedAt: statSync(join(dir, CALIBRATION_FILE)).mtime.toISOString(),
    problem: null,
  };
  const checked = CASCADE.check(dir);
  if (!checked.ok) return { listing: { ...base, problem: checked.problem }, detail: null, folder: null };
  const folder: CascadeFolder = checked.value;
  const { calibration } = folder;
  const { config } = calibration;
  const listing: CascadeListing = {
    ...base,
    student: config.student,
    teacher: config.teacher,
    dataset: config.dataset,
    split: calibration.split,
    examples: calibration.examples,
    signal: config.signal === 'agreement' ? `agreement of ${config.samples} samples` : 'token log-probabilities',
    target:
      'accuracy' in calibration.target
        ? `accuracy ≥ ${formatPercent(calibration.target.accuracy)}`
        : `teacher share ≤ ${formatPercent(calibration.target.maxTeacherShare)}`,
    chosen: calibration.chosen,
    evaluated: folder.evaluations.map((evaluation) => evaluation.split),
  };
  return {
    listing,
    detail: {
      cascade: listing,
      failed: calibration.failed,
      teacherOnly: {
        accuracy: estimateOf(calibration.teacherOnly),
        costUsd: calibration.teacherOnly.costUsd,
      },
      studentOnly: calibration.studentOnly,
      curve: calibration.curve,
      evaluations: folder.evaluations.map(evaluationView),
      config: calibration.config,
    },
    folder,
  };
}

/** A model's accuracy on its own as the dashboard shows an estimate. */
function estimateOf(alone: { accuracy: number; accuracyCi95: [number, number] }): Estimate {
  return { value: alone.accuracy, ci95: alone.accuracyCi95 };
}

function evaluationView(evaluation: CascadeEvaluation): CascadeEvaluationView {
  return {
    split: evaluation.split,
    threshold: evaluation.threshold,
    examples: evaluation.examples,
    failed: evaluation.failed,
    cascade: evaluation.cascade,
    teacherOnly: { accuracy: estimateOf(evaluation.teacherOnly), costUsd: evaluation.teacherOnly.costUsd },
    studentOnly: { accuracy: estimateOf(evaluation.studentOnly) },
    teacherCallsSaved: evaluation.teacherCallsSaved,
    costSavedUsd: evaluation.costSavedUsd,
    accuracyLost: evaluation.accuracyLost,
    targetMet: evaluation.targetMet,
  };
}

/** The detail of the cascade folder with this id: 404 when there is none, 422 when its files cannot be read. */
export async function cascadeDetail(root: string, id: string): Promise<CascadeDetail> {
  const dir = folderOf(root, id);
  if (!dir || !CASCADE.detect(dir)) throw new HttpError(404, `no cascade calibration "${id}" under ${root}`);
  const { listing, detail, folder } = loadCascade(root, dir);
  if (!detail || !folder) throw new HttpError(422, `cascade calibration "${id}": ${listing.problem}`);
  return { ...detail, charts: [await curveChart(folder)] };
}

/** The report's cost-accuracy curve (report/cascadeReport.ts): accuracy against teacher share, 95% intervals. */
async function curveChart(folder: CascadeFolder): Promise<Chart> {
  const spec = seriesLinesSpec(cascadeChartPoints(folder), {
    xTitle: 'share of requests answered by the teacher',
    yTitle: 'accuracy',
    format: 'percent',
    width: 560,
    height: 300,
  });
  return {
    title: `Cost-accuracy curve on ${folder.calibration.split} (n = ${folder.calibration.examples}), 95% Wilson intervals`,
    svg: await renderChartSvg(spec),
  };
}
