/**
 * Accuracy against validation loss, beside accuracy against parameters (Du et al. 2024, "Understanding Emergent
 * Abilities of Language Models from the Loss Perspective"): models of different sizes that reach the same loss
 * tend to score alike, and an ability that appears at a loss threshold shows as a step in this plot whatever the
 * parameter count. For a `scale family` every size is trained on the same data, so their validation losses (on
 * the same held-out problems, in the same formats) are comparable. The table and plot: src/report/accuracyByLoss.ts.
 */
import { basename } from 'node:path';
import type { ScoreRow } from './scoreRow.js';

export interface LossPoint {
  model: string;
  params: number;
  validationLoss: number;
  task: string;
  metric: string;
  score: number;
}

interface StudentLoss {
  dir: string;
  parameters: number;
  result: { validationLoss: number | null };
}

/** The accuracy rows of the family's students, each with the student's validation loss. */
export function accuracyByLoss(students: readonly StudentLoss[], rows: readonly ScoreRow[]): LossPoint[] {
  const loss = new Map(students.filter((s) => s.result.validationLoss !== null).map((s) => [basename(s.dir), s.result.validationLoss!]));
  return rows
    .filter((row) => row.metric.startsWith('accuracy') && loss.has(row.model))
    .map((row) => ({ model: row.model, params: row.params, validationLoss: loss.get(row.model)!, task: row.task, metric: row.metric, score: row.score }))
    .sort((a, b) => a.task.localeCompare(b.task) || a.metric.localeCompare(b.metric) || b.validationLoss - a.validationLoss);
}
