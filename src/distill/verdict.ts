/** The verdict of a distillation sweep in words, computed from its numbers whichever way they come out. */
import { formatEstimate } from '../util/numberFormat.js';
import { methodLabel } from './methods.js';
import { writeSweepResults, type CellResult, type SweepPoint, type SweepResultsInput, type TeacherAccuracy } from './sweepResults.js';

/** Sentences that say what the numbers show; no claim beyond them. */
export function verdictOf(points: readonly SweepPoint[], teacher: readonly TeacherAccuracy[], cells: readonly CellResult[] = []): string[] {
  const lines: string[] = [];
  for (const cell of cells.filter((c) => c.skipped)) {
    lines.push(`${methodLabel(cell.method)} at fraction ${cell.fraction} (seed ${cell.seed}) was not trained: ${cell.skipped}.`);
  }
  const fractions = [...new Set(points.map((p) => p.fraction))].sort((a, b) => a - b);
  const sbs = points.filter((p) => p.method === 'step-by-step');
  const others = [...new Set(points.map((p) => p.method))].filter((m) => m !== 'step-by-step');
  let wins = 0;
  let clearWins = 0;
  let clearLosses = 0;
  for (const fraction of fractions) {
    const here = points.filter((p) => p.fraction === fraction);
    if (here.length === 0) continue;
    const best = here.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    lines.push(`At fraction ${fraction} (${Math.round(best.inputs)} training inputs for the best), ${methodLabel(best.method)} is highest with ${formatEstimate(best.accuracy, best.ci95)}.`);
    const s = sbs.find((p) => p.fraction === fraction);
    if (!s || here.length < 2) continue;
    const rivals = here.filter((p) => p.method !== 'step-by-step');
    if (rivals.every((p) => s.accuracy > p.accuracy)) wins++;
    if (rivals.length && rivals.every((p) => s.ci95[0] > p.ci95[1])) clearWins++;
    if (rivals.some((p) => s.ci95[1] < p.ci95[0])) clearLosses++;
  }
  if (sbs.length && others.length) {
    const n = sbs.length;
    if (clearWins === n) lines.push(`Distilling step-by-step beats ${others.map(methodLabel).join(' and ')} at every fraction, with non-overlapping 95% CIs.`);
    else if (wins === n) lines.push(`Distilling step-by-step has the highest point estimate at every fraction, but the 95% CIs overlap at ${n - clearWins} of ${n}: the advantage is not established at this scale.`);
    else if (clearLosses > 0) lines.push(`Distilling step-by-step does not beat the other methods here: it is clearly below another method (non-overlapping CIs) at ${clearLosses} of ${n} fractions.`);
    else lines.push(`Distilling step-by-step does not beat the other methods here: it is highest at ${wins} of ${n} fractions, and the 95% CIs overlap — no method is clearly better at this scale.`);
  }
  for (const t of teacher) {
    if (t.accuracy !== null) lines.push(`The teacher: ${t.label}, ${formatEstimate(t.accuracy, t.ci95)} (n = ${t.n}).`);
  }
  return lines;
}

/** The end of a sweep: its verdict computed and written with its results (results.json); returns both. */
export function concludeSweep(out: string, input: Omit<SweepResultsInput, 'verdict'>): { results: string; verdict: string[] } {
  const verdict = verdictOf(input.points, input.teacher, input.cells);
  return { results: writeSweepResults(out, { ...input, verdict }), verdict };
}
