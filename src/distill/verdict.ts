/** The verdict of a distillation sweep in words, computed from its numbers whichever way they come out. */
import { formatEstimate } from '../util/numberFormat.js';
import type { ChanceLevel } from './chance.js';
import { methodComparisons, type MethodComparison } from './comparisons.js';
import { findings } from './findings.js';
import { methodLabel, type SweepMethod } from './methods.js';
import { writeSweepResults, type CellResult, type SweepPoint, type SweepResultsInput, type TeacherAccuracy } from './sweepResults.js';

/**
 * Sentences that say what the numbers show; no claim beyond them. First each method against its own baseline
 * (paired bootstrap over seeds and examples) and the chance level, then the best method per fraction.
 */
export function verdictOf(
  points: readonly SweepPoint[],
  teacher: readonly TeacherAccuracy[],
  cells: readonly CellResult[] = [],
  context: { comparisons?: MethodComparison[]; chance?: ChanceLevel | null } = {},
): string[] {
  const lines: string[] = findings(context.comparisons ?? methodComparisons(cells), points, context.chance);
  for (const cell of cells.filter((c) => c.skipped)) {
    lines.push(`${methodLabel(cell.method)} at fraction ${cell.fraction} (seed ${cell.seed}) was not trained: ${cell.skipped}.`);
  }
  const steps = stepBudgets(cells);
  if (steps) lines.push(steps);
  const fractions = [...new Set(points.map((p) => p.fraction))].sort((a, b) => a - b);
  for (const fraction of fractions) {
    const here = points.filter((p) => p.fraction === fraction);
    if (here.length === 0) continue;
    const best = here.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    lines.push(
      `At fraction ${fraction} (${Math.round(best.inputs)} training inputs for the best), ${methodLabel(best.method)} has the highest point estimate, ${formatEstimate(best.accuracy, best.ci95)}.`,
    );
  }
  for (const t of teacher) {
    if (t.accuracy !== null) lines.push(`The teacher: ${t.label}, ${formatEstimate(t.accuracy, t.ci95)} (95% Wilson CI, n = ${t.n}).`);
  }
  return lines;
}

/** A sentence naming each method's training steps when they differ between methods, else null. */
export function stepBudgets(cells: readonly CellResult[]): string | null {
  const trained = cells.filter((c) => !c.skipped);
  if (new Set(trained.map((c) => c.training.steps)).size <= 1) return null;
  const byMethod = new Map<SweepMethod, Set<number>>();
  for (const cell of trained) byMethod.set(cell.method, (byMethod.get(cell.method) ?? new Set()).add(cell.training.steps));
  const parts = [...byMethod].map(([method, steps]) => `${methodLabel(method)} ${[...steps].join('/')} steps`);
  return `Training steps differ by method (${parts.join('; ')}): a comparison of methods with different steps is not one of equal training.`;
}

/** The end of a sweep: its verdict computed and written with its results (results.json); returns both. */
export function concludeSweep(out: string, input: Omit<SweepResultsInput, 'verdict'>): { results: string; verdict: string[] } {
  const comparisons = input.comparisons ?? methodComparisons(input.cells);
  const chance = input.chance ?? null;
  const verdict = verdictOf(input.points, input.teacher, input.cells, { comparisons, chance });
  return { results: writeSweepResults(out, { ...input, chance, comparisons, verdict }), verdict };
}
