/**
 * Distillation sweeps for the dashboard (`distill run`, `quickstart`), read through their results contract
 * (distill/sweepResults.ts): results.json at the sweep's root, and each cell's test answers
 * (cells/<method>/f<fraction>-s<seed>/test.jsonl) as example rows. A results.json of another shape is not a
 * sweep and is not listed.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { methodLabel } from '../../distill/methods.js';
import {
  CELL_ANSWERS_FILE,
  cellDir,
  checkCellResult,
  DISTILL_RESULTS_FILE,
  DISTILL_SWEEP,
  readCellAnswers,
  sweepDirOfCell,
  type StoredCellResult,
  type SweepResults,
} from '../../distill/sweepResults.js';
import { summarizeRecords } from '../../eval/summary.js';
import type { DistillCellDetail, DistillCellView, DistillSweepDetail, DistillSweepListing, Estimate } from './api.js';
import { HttpError } from './httpError.js';
import { exampleRows, folderOf, runIdOf, summaryView } from './runs.js';

function estimate(value: number | null, ci95: [number | null, number | null] | null): Estimate | null {
  if (value === null) return null;
  const interval: [number, number] | null = ci95 && ci95[0] !== null && ci95[1] !== null ? [ci95[0], ci95[1]] : null;
  return { value, ci95: interval };
}

/** The sweep in this folder, or null when it holds no sweep's results. */
function readResults(dir: string): SweepResults | null {
  if (!DISTILL_SWEEP.detect(dir)) return null;
  const checked = DISTILL_SWEEP.check(dir);
  return checked.ok ? checked.value : null;
}

function listingOf(root: string, dir: string, results: SweepResults, modifiedAt: string): DistillSweepListing {
  const sorted = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
  return {
    id: runIdOf(root, dir),
    title: results.title,
    dataset: results.dataset,
    teacherName: results.teacherName,
    testSize: results.testSize,
    methods: [...new Set(results.cells.map((cell) => cell.method))],
    fractions: sorted(results.cells.map((cell) => cell.fraction)),
    seeds: sorted(results.cells.map((cell) => cell.seed)),
    cells: results.cells.length,
    skipped: results.cells.filter((cell) => cell.skipped).length,
    modifiedAt,
  };
}

/** The sweep listing of a sweep folder, or null when its results cannot be read. */
export function loadSweepListing(root: string, dir: string): DistillSweepListing | null {
  const results = readResults(dir);
  return results && listingOf(root, dir, results, statSync(join(dir, DISTILL_RESULTS_FILE)).mtime.toISOString());
}

function cellView(root: string, sweepDir: string, cell: StoredCellResult): DistillCellView {
  // Located from the sweep folder as it is now (the absolute dir in results.json may have moved).
  const dir = cellDir(sweepDir, cell.method, cell.fraction, cell.seed);
  return {
    id: existsSync(join(dir, CELL_ANSWERS_FILE)) ? runIdOf(root, dir) : null,
    method: cell.method,
    label: methodLabel(cell.method),
    fraction: cell.fraction,
    seed: cell.seed,
    inputs: cell.inputs,
    rows: cell.rows,
    n: cell.n,
    correct: cell.correct,
    accuracy: cell.skipped ? null : estimate(cell.accuracy, cell.ci95),
    invalid: cell.invalid,
    parameters: cell.training.parameters,
    steps: cell.training.steps,
    bestStep: cell.training.bestStep,
    validationLoss: cell.training.validationLoss,
    trainSeconds: cell.training.trainSeconds,
    evalSeconds: cell.evalSeconds,
    tokensPerSecond: cell.training.tokensPerSecond,
    skipped: cell.skipped ?? null,
  };
}

export function sweepDetail(root: string, id: string): Omit<DistillSweepDetail, 'charts'> {
  const dir = folderOf(root, id);
  const file = dir && join(dir, DISTILL_RESULTS_FILE);
  if (!file || !existsSync(file)) throw new HttpError(404, `no distillation sweep "${id}" under ${root} (no results.json: the sweep has not finished)`);
  const checked = DISTILL_SWEEP.check(dir);
  if (!checked.ok) throw new HttpError(422, `${id}/${checked.problem}`);
  const results = checked.value;
  return {
    sweep: listingOf(root, dir, results, statSync(file).mtime.toISOString()),
    verdict: results.verdict,
    teacher: results.teacher.map((t) => ({ label: t.label, n: t.n, accuracy: estimate(t.accuracy, t.ci95) })),
    points: results.points.flatMap((p) => {
      const accuracy = estimate(p.accuracy, p.ci95);
      return accuracy
        ? [{ method: p.method, label: methodLabel(p.method), fraction: p.fraction, inputs: p.inputs, seeds: p.seeds, accuracy, perSeed: p.perSeed }]
        : [];
    }),
    cells: results.cells.map((cell) => cellView(root, dir, cell)),
    generic: results.generic && {
      sets: results.generic.sets,
      note: results.generic.note,
      rows: results.generic.rows.map((row) => ({
        model: row.model,
        role: row.role,
        scores: Object.fromEntries(
          Object.entries(row.scores).flatMap(([name, score]) => {
            const accuracy = estimate(score.accuracy, score.ci95);
            return accuracy ? [[name, { n: score.n, accuracy }]] : [];
          }),
        ),
      })),
    },
    settings: results.settings,
  };
}

/** One cell's test answers: the cell folder id is cells/<method>/f<fraction>-s<seed> under a sweep. */
export function cellDetail(root: string, id: string): DistillCellDetail {
  const dir = folderOf(root, id);
  const answers = dir && readCellAnswers(dir);
  // The sweep's folder holds the cell three levels down; it too must be inside the root, without links out.
  const sweepDir = dir && folderOf(root, relative(resolve(root), sweepDirOfCell(dir)));
  if (!dir || !sweepDir || !answers) throw new HttpError(404, `no distillation cell with test answers "${id}" under ${root}`);
  const results = readResults(sweepDir);
  const checkedCell = checkCellResult(dir);
  if (!checkedCell.ok) throw new HttpError(422, `${id}: ${checkedCell.problem}`);
  const parsedCell = checkedCell.value;
  const summary = summarizeRecords(answers.records, parsedCell.n, parsedCell.seed);
  return {
    sweepId: runIdOf(root, sweepDir),
    sweepTitle: results?.title ?? runIdOf(root, sweepDir),
    cell: { ...cellView(root, sweepDir, parsedCell), id },
    summary: summaryView(summary),
    examples: exampleRows(answers),
  };
}
