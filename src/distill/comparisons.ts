/**
 * Each method against its own baseline (methods.ts `baselineOf`: step-by-step with gold labels and CoT
 * specialization against standard fine-tuning, step-by-step with teacher labels against standard distillation),
 * at every fraction, paired on the seeds both trained with and on the test examples: a bootstrap over seeds and
 * examples together (src/eval/seedBootstrap.ts). One seed measures nothing of the seeds' variation, so a
 * comparison on one seed gets no verdict, whatever its p-value.
 */
import { pairedSeedExampleBootstrap } from '../eval/seedBootstrap.js';
import { baselineOf, type SweepMethod } from './methods.js';

export interface MethodComparison {
  method: SweepMethod;
  baseline: SweepMethod;
  fraction: number;
  /** Seeds both methods were trained with. */
  seeds: number[];
  /** Test examples. */
  n: number;
  /** Accuracy of method − accuracy of baseline (a fraction; × 100 = points). */
  difference: number;
  ci95: [number, number];
  pValue: number;
  /** better / worse: the interval excludes zero on that side; unclear: it does not; one seed: no verdict. */
  verdict: 'better' | 'worse' | 'unclear' | 'one seed';
}

interface CellFlags {
  method: SweepMethod;
  fraction: number;
  seed: number;
  skipped?: string;
  correctFlags: readonly number[];
}

export function methodComparisons(cells: readonly CellFlags[]): MethodComparison[] {
  const trained = cells.filter((cell) => !cell.skipped && cell.correctFlags.length > 0);
  const find = (method: SweepMethod, fraction: number, seed: number) => trained.find((c) => c.method === method && c.fraction === fraction && c.seed === seed);
  const out: MethodComparison[] = [];
  const keys = [...new Map(trained.map((c) => [`${c.method}\u0000${c.fraction}`, c])).values()];
  for (const { method, fraction } of keys) {
    const baseline = baselineOf(method);
    if (!baseline) continue;
    const pairs = [...new Set(trained.filter((c) => c.method === method && c.fraction === fraction).map((c) => c.seed))]
      .sort((a, b) => a - b)
      .map((seed) => [seed, find(baseline, fraction, seed), find(method, fraction, seed)] as const)
      .filter(([, a, b]) => a && b && a.correctFlags.length === b.correctFlags.length);
    if (!pairs.length) continue;
    const result = pairedSeedExampleBootstrap(
      pairs.map(([, a]) => a!.correctFlags),
      pairs.map(([, , b]) => b!.correctFlags),
      { seed: `compare:${method}:${baseline}:${fraction}` },
    );
    const verdict = pairs.length < 2 ? 'one seed' : result.ci95[0] > 0 ? 'better' : result.ci95[1] < 0 ? 'worse' : 'unclear';
    out.push({
      method,
      baseline,
      fraction,
      seeds: pairs.map(([seed]) => seed),
      n: result.examples,
      difference: result.meanDiff,
      ci95: result.ci95,
      pValue: result.pValue,
      verdict,
    });
  }
  return out.sort((a, b) => a.fraction - b.fraction || a.method.localeCompare(b.method));
}

/** "+17.0 points [8.0, 26.0]". */
export function formatPoints(difference: number, ci95: readonly [number, number]): string {
  const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;
  return `${points(difference)} points [${points(ci95[0])}, ${points(ci95[1])}]`;
}
