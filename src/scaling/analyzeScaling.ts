/** Per task and metric: normalized scores ordered by scale, BIG-bench's two statistics, a verdict. */
import { bootstrapCurve } from './curveBootstrap.js';
import { baselineOf, normalizedScore, type Baseline } from './normalize.js';
import { scaleCurve } from './scaleCurve.js';
import { scalingStatistics, type ScalingStatistics } from './scalingStatistics.js';
import type { ScoreRow } from './scoreRow.js';
import {
  curveIntervals,
  MIN_SIZES_FOR_SHAPE,
  scalingVerdict,
  shapeVerdictPossible,
  verdictWithIntervals,
  type CurveIntervals,
  type Verdict,
} from './verdict.js';

export interface ScoredModel {
  model: string;
  params: number;
  paramsEstimated: boolean;
  score: number;
  normalized: number;
  /** Examples the score was measured on, when the row says. */
  n?: number;
  ci95: [number, number] | null;
}

export interface TaskAnalysis {
  task: string;
  metric: string;
  baseline: Baseline;
  /** Smallest model first. */
  scores: ScoredModel[];
  improvement: number | null;
  linearity: number | null;
  breakthroughness: number | null;
  verdict: Verdict | null;
  /**
   * The bootstrap of the curve over each model's stated uncertainty (verdict.ts, curveBootstrap.ts); null when a row
   * gives neither an interval nor n, and then the verdict reads the point estimates alone (a note says so).
   */
  intervals: CurveIntervals | null;
  /** Why a statistic is missing, capped or approximate. */
  notes: string[];
}

export function analyzeScaling(rows: readonly ScoreRow[]): TaskAnalysis[] {
  const groups = new Map<string, ScoreRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.task, row.metric]);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map(analyzeGroup).sort((a, b) => a.task.localeCompare(b.task) || a.metric.localeCompare(b.metric));
}

function analyzeGroup(rows: ScoreRow[]): TaskAnalysis {
  const first = rows[0] as ScoreRow;
  const baseline = baselineOf(rows);
  const notes: string[] = [];
  if (baseline.source === 'assumed') {
    notes.push(`no random baseline given (random, labels): assumed random = 0, max = ${baseline.max}`);
  }
  const scores: ScoredModel[] = rows
    .map((row) => ({
      model: row.model,
      params: row.params,
      paramsEstimated: row.paramsEstimated ?? false,
      score: row.score,
      normalized: normalizedScore(row.score, baseline),
      ...(row.n !== undefined ? { n: row.n } : {}),
      ci95: row.ciLow !== undefined && row.ciHigh !== undefined ? ([row.ciLow, row.ciHigh] as [number, number]) : null,
    }))
    .sort((a, b) => a.params - b.params || a.model.localeCompare(b.model));
  const estimated = scores.filter((s) => s.paramsEstimated).map((s) => s.model);
  if (estimated.length) notes.push(`parameter count estimated, not published: ${estimated.join(', ')}`);

  notes.push(...dropNotes(scores));
  if (scores.every((s) => s.normalized < 0)) {
    notes.push('every model scores below chance: the scores likely measure answer format or labelling, not the task');
  }
  const curve = scaleCurve(scores);
  for (const point of curve) {
    if (point.models.length > 1) notes.push(`same size, scores averaged: ${point.models.join(', ')}`);
  }
  const y = curve.map((point) => point.normalized);
  const outcome = scalingStatistics(y);
  const result = { task: first.task, metric: first.metric, baseline, scores, notes };
  if (!outcome.ok) {
    notes.push(`no linearity/breakthroughness: ${outcome.reason}`);
    return { ...result, improvement: null, linearity: null, breakthroughness: null, verdict: null, intervals: null };
  }
  const statistics: ScalingStatistics = outcome.statistics;
  if (statistics.breakthroughnessCapped) {
    notes.push('breakthroughness capped: the median step between sizes is (near) zero');
  }
  let verdict: Verdict | null = scalingVerdict(y, statistics);
  if ((verdict === 'smooth' || verdict === 'emergent') && !shapeVerdictPossible(y.length)) {
    notes.push(
      `no verdict: with ${y.length} sizes breakthroughness cannot exceed 2, so an emergent curve cannot be told from a smooth one; ` +
        `give at least ${MIN_SIZES_FOR_SHAPE} sizes`,
    );
    verdict = null;
  }
  const bootstrap = bootstrapCurve(scores, baseline);
  const intervals = bootstrap ? curveIntervals(y, bootstrap) : null;
  if (verdict && intervals) {
    const checked = verdictWithIntervals(verdict, y.length, intervals);
    if (checked.reason) notes.push(`inconclusive, not ${verdict}: ${checked.reason}`);
    verdict = checked.verdict;
  } else if (verdict && verdict !== 'flat') {
    notes.push(`${verdict} from the point estimates alone: the rows give no interval (ci_low, ci_high) or n, so the verdict is not checked against the noise`);
  }
  return {
    ...result,
    improvement: statistics.improvement,
    linearity: statistics.linearity,
    breakthroughness: statistics.breakthroughness,
    verdict,
    intervals,
  };
}

/** Larger models that score reliably below a smaller neighbour: their 95% intervals do not overlap. */
function dropNotes(scores: readonly ScoredModel[]): string[] {
  const notes: string[] = [];
  scores.slice(1).forEach((larger, i) => {
    const smaller = scores[i] as ScoredModel;
    if (larger.params === smaller.params || !larger.ci95 || !smaller.ci95) return;
    if (larger.ci95[1] < smaller.ci95[0]) {
      notes.push(`not monotonic: ${larger.model} scores below the smaller ${smaller.model} beyond their 95% intervals`);
    }
  });
  return notes;
}
