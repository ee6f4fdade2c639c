/** The analysis half of the scaling lab: read scores, normalize, measure how they change with scale. */
export { analyzeScaling, type ScoredModel, type TaskAnalysis } from './analyzeScaling.js';
export { formatAnalysisMarkdown, formatAnalysisTable, formatParams } from './formatAnalysis.js';
export { GRIMOIRE_METRIC, GRIMOIRE_MODELS, importGrimoireCorrectness, type ImportOptions } from './grimoireCorrectness.js';
export { baselineOf, normalizedScore, type Baseline } from './normalize.js';
export { parseParamCount } from './paramCount.js';
export { readScoreRows } from './readScoreRows.js';
export { scaleCurve, type CurvePoint } from './scaleCurve.js';
export {
  BREAKTHROUGHNESS_CAP,
  MIN_MODELS,
  median,
  scalingStatistics,
  signedRange,
  type ScalingStatistics,
  type StatisticsOutcome,
} from './scalingStatistics.js';
export { SCORE_COLUMNS, type ScoreRow } from './scoreRow.js';
export { EMERGENT_FACTOR, FLAT_RANGE, scalingVerdict, type Verdict } from './verdict.js';
export { writeScoreRows } from './writeScoreRows.js';
