/**
 * CI gates: a run's accuracy against a threshold (`eval --fail-under`) and a paired comparison that
 * finds B significantly worse than A (`compare --fail-on-regression`). Each returns why it failed, or
 * null when it passed; the CLI turns a failure into exit code 5.
 */
import type { RunComparison } from './compare.js';
import type { RunSummary } from './summary.js';
import { formatPStatement } from '../util/numberFormat.js';

export interface GateOutcome {
  name: string;
  passed: boolean;
  message: string;
}

/** Passes when the accuracy is at least `threshold` (a fraction, 0..1). A run with nothing scored fails. */
export function accuracyGate(summary: Pick<RunSummary, 'accuracy' | 'scored'>, threshold: number): GateOutcome {
  const name = `accuracy >= ${formatShare(threshold)}`;
  if (summary.accuracy === null) return { name, passed: false, message: 'no example was scored' };
  const passed = summary.accuracy >= threshold;
  return {
    name,
    passed,
    message: `accuracy ${formatShare(summary.accuracy)} on ${summary.scored} scored examples is ${passed ? 'at or above' : 'below'} ${formatShare(threshold)}`,
  };
}

/**
 * Fails when B is worse than A and the paired bootstrap's two-sided p-value is below `alpha`. A
 * difference in B's favour, or one that could be chance, passes.
 */
export function regressionGate(comparison: Pick<RunComparison, 'difference' | 'paired'>, alpha: number): GateOutcome {
  const name = `B is not significantly worse than A (alpha ${alpha})`;
  const difference = comparison.difference;
  if (!difference) return { name, passed: false, message: 'no example was scored in both runs' };
  const regressed = difference.mean < 0 && difference.pValue < alpha;
  const share = `${difference.mean > 0 ? '+' : ''}${formatShare(difference.mean)}`;
  return {
    name,
    passed: !regressed,
    message: regressed
      ? `B is worse than A by ${share} on ${comparison.paired} paired examples (paired bootstrap ${formatPStatement(difference.pValue)}, alpha ${alpha})`
      : `B - A = ${share} on ${comparison.paired} paired examples; not a significant regression at alpha ${alpha}`,
  };
}

function formatShare(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
