/**
 * The cost-accuracy curve of a cascade over scored examples: for every threshold (escalate when the
 * student's confidence is below it), the cascade's accuracy and the share of requests sent to the teacher,
 * each with a 95% Wilson interval, and the dollars spent; and the choice of the cheapest threshold that meets
 * a target accuracy (or the most accurate one within a teacher-share limit).
 */
import { wilsonInterval } from '../eval/stats.js';

/** One scored example: the student's confidence and whether each model was right. */
export interface CascadeRow {
  /** null: unknown (the cascade escalates it at every threshold). */
  confidence: number | null;
  studentCorrect: boolean;
  teacherCorrect: boolean;
  studentCostUsd: number;
  teacherCostUsd: number;
}

export interface CurvePoint {
  threshold: number;
  accuracy: number;
  accuracyCi95: [number, number];
  teacherShare: number;
  teacherShareCi95: [number, number];
  /** Dollars the cascade spends on these examples: every student call, and the teacher's on escalations. */
  costUsd: number;
}

export type CascadeTarget = { accuracy: number } | { maxTeacherShare: number };

/** True when the cascade at `threshold` sends this row to the teacher. */
export function escalates(row: Pick<CascadeRow, 'confidence'>, threshold: number): boolean {
  return row.confidence === null || row.confidence < threshold;
}

/** The cascade at one threshold over the rows. */
export function pointAt(rows: readonly CascadeRow[], threshold: number): CurvePoint {
  const n = rows.length;
  let correct = 0;
  let escalated = 0;
  let costUsd = 0;
  for (const row of rows) {
    const toTeacher = escalates(row, threshold);
    if (toTeacher) escalated++;
    if (toTeacher ? row.teacherCorrect : row.studentCorrect) correct++;
    costUsd += row.studentCostUsd + (toTeacher ? row.teacherCostUsd : 0);
  }
  return {
    threshold,
    accuracy: n ? correct / n : 0,
    accuracyCi95: wilsonInterval(correct, n),
    teacherShare: n ? escalated / n : 0,
    teacherShareCi95: wilsonInterval(escalated, n),
    costUsd,
  };
}

/** Every distinct threshold: 0 (the student answers whenever its confidence is known) and each confidence seen. */
export function cascadeCurve(rows: readonly CascadeRow[]): CurvePoint[] {
  const thresholds = [...new Set([0, ...rows.flatMap((row) => (row.confidence === null ? [] : [row.confidence]))])].sort((a, b) => a - b);
  return thresholds.map((threshold) => pointAt(rows, threshold));
}

/**
 * The threshold to serve with: the lowest teacher share whose accuracy meets the target (ties: the more
 * accurate), or the highest accuracy whose teacher share is within the limit (ties: the cheaper). Null when
 * no threshold qualifies.
 */
export function chooseThreshold(curve: readonly CurvePoint[], target: CascadeTarget): CurvePoint | null {
  const qualifies = (point: CurvePoint) => ('accuracy' in target ? point.accuracy >= target.accuracy : point.teacherShare <= target.maxTeacherShare);
  const better = (a: CurvePoint, b: CurvePoint) =>
    'accuracy' in target
      ? a.teacherShare < b.teacherShare || (a.teacherShare === b.teacherShare && a.accuracy > b.accuracy)
      : a.accuracy > b.accuracy || (a.accuracy === b.accuracy && a.teacherShare < b.teacherShare);
  let best: CurvePoint | null = null;
  for (const point of curve) if (qualifies(point) && (best === null || better(point, best))) best = point;
  return best;
}
