/**
 * Distillation sweeps for the dashboard (`distill run`, `quickstart`): the results.json the sweep
 * report writes at the sweep's root, and each cell's test answers (cells/<method>/f<fraction>-s<seed>/
 * test.jsonl) read as example rows. A results.json of another shape is not a sweep and is not listed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cellDir, methodLabel } from '../../distill/sweep.js';
import { DISTILL_RESULTS_FILE, parseCellResult, parseSweepResults, type StoredCellResult, type SweepResults } from '../../distill/sweepResults.js';
import { summarizeRecords } from '../../eval/summary.js';
import type { DistillCellDetail, DistillCellView, DistillSweepDetail, DistillSweepListing, Estimate } from './api.js';
import { HttpError } from './httpError.js';
import { folderOf, readExampleRows, runIdOf, summaryView } from './runs.js';

const TEST_FILE = 'test.jsonl';
const CELL_RESULT_FILE = 'result.json';

function estimate(value: number | null, ci95: [number | null, number | null] | null): Estimate | null {
  if (value === null) return null;
  const interval: [number, number] | null = ci95 && ci95[0] !== null && ci95[1] !== null ? [ci95[0], ci95[1]] : null;
  return { value, ci95: interval };
}

/** The sweep written at this results.json, or null when the file is not a sweep's results. */
function readResults(file: string): SweepResults | null {
  try {
    const checked = parseSweepResults(readFileSync(file, 'utf8'));
    return checked.ok ? checked.value : null;
  } catch {
    return null;
  }
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

/** The sweep listing of a results.json file, or null when it is not a sweep's. */
export function loadSweepListing(root: string, file: string): DistillSweepListing | null {
  const results = readResults(file);
  return results && listingOf(root, dirname(file), results, statSync(file).mtime.toISOString());
}

function cellView(root: string, sweepDir: string, cell: StoredCellResult): DistillCellView {
  // Located from the sweep folder as it is now (the absolute dir in results.json may have moved).
  const dir = cellDir(sweepDir, cell.method, cell.fraction, cell.seed);
  return {
    id: existsSync(join(dir, TEST_FILE)) ? runIdOf(root, dir) : null,
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
  const checked = parseSweepResults(readFileSync(file, 'utf8'));
  if (!checked.ok) throw new HttpError(422, `${id}/${DISTILL_RESULTS_FILE} is not the results of a distillation sweep (${checked.problem})`);
  const results = checked.value;
  return {
    sweep: listingOf(root, dir, results, statSync(file).mtime.toISOString()),
    verdict: results.verdict,
    teacher: results.teacher.map((t) => ({ label: t.label, n: t.n, accuracy: estimate(t.accuracy, t.ci95) })),
    points: results.points.flatMap((p) => {
      const accuracy = estimate(p.accuracy, p.ci95);
      return accuracy ? [{ method: p.method, label: methodLabel(p.method), fraction: p.fraction, inputs: p.inputs, seeds: p.seeds, accuracy, perSeed: p.perSeed }] : [];
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
  if (!dir || !existsSync(join(dir, TEST_FILE))) throw new HttpError(404, `no distillation cell with test answers "${id}" under ${root}`);
  const sweepDir = dirname(dirname(dirname(dir)));
  const results = readResults(join(sweepDir, DISTILL_RESULTS_FILE));
  const checkedCell = existsSync(join(dir, CELL_RESULT_FILE)) ? parseCellResult(readFileSync(join(dir, CELL_RESULT_FILE), 'utf8')) : ({ ok: false, problem: 'missing' } as const);
  if (!checkedCell.ok) throw new HttpError(422, `${id}/${CELL_RESULT_FILE} cannot be read as a cell result: ${checkedCell.problem}`);
  const parsedCell = checkedCell.value;
  // A test record with no extracted answer is an invalid answer (it counts as wrong).
  const { records, rows } = readExampleRows(join(dir, TEST_FILE), (raw) => ({ ...raw, valid: raw.extracted !== null && raw.extracted !== undefined }));
  const summary = summarizeRecords(records, parsedCell.n, parsedCell.seed);
  return {
    sweepId: runIdOf(root, sweepDir),
    sweepTitle: results?.title ?? runIdOf(root, sweepDir),
    cell: { ...cellView(root, sweepDir, parsedCell), id },
    summary: summaryView(summary),
    examples: rows,
  };
}
