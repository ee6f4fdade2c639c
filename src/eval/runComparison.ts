/**
 * What a paired comparison of two runs gives (compare.ts computes it): apart from compare.ts, with no Node
 * code, so the dashboard's browser app can type its comparisons with it (server/dashboard/api.ts).
 */

/** Two runs compared on the examples both scored: accuracies, McNemar's test and the paired bootstrap. */
export interface RunComparison {
  runA: string;
  runB: string;
  /** Examples scored in both runs. */
  paired: number;
  accuracyA: number | null;
  accuracyB: number | null;
  /** accuracy B - accuracy A, with a paired-bootstrap 95% CI and p-value. */
  difference: { mean: number; ci95: [number, number]; pValue: number } | null;
  mcnemar: { onlyA: number; onlyB: number; statistic: number; pValue: number } | null;
  /** Examples present in one run but not scored in the other. */
  unpaired: number;
}
