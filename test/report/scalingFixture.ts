/** What `scale run` analyses of its evaluations, for tests that write a scaling folder by hand. */
import type { ScoreRow } from '../../src/scaling/scoreRow.js';
import type { ScaleEvaluation } from '../../src/scaling/scaleRun.js';

/** Each evaluation's direct accuracy as a score row (chance 0, best 1), as `scale run` passes it to analyzeScaling. */
export function accuracyRows(evaluations: readonly ScaleEvaluation[]): ScoreRow[] {
  return evaluations.map((e) => ({ model: e.model, params: e.params, task: e.task, metric: 'accuracy (direct)', score: e.accuracy!, random: 0, max: 1 }));
}
