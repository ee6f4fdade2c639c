/**
 * One measured score: a model of a known size on a task, under one metric. This is the exchange
 * format of the scaling lab: `scale analyze` reads it, importers write it.
 */
export interface ScoreRow {
  model: string;
  /** Parameter count (not billions: 7B is 7e9). */
  params: number;
  task: string;
  metric: string;
  score: number;
  /** The parameter count is an estimate (e.g. an undisclosed API model). */
  paramsEstimated?: boolean;
  /** Score of random guessing on this task/metric, in the score's own units. */
  random?: number;
  /** Best possible score, in the score's own units. */
  max?: number;
  /** Number of labels of a classification task; gives random = max / labels when `random` is absent. */
  labels?: number;
  /** Examples the score was measured on. */
  n?: number;
  /** Outputs that ran on into an invented next example and were cut before reading (a scale run's own rows). */
  cutOutputs?: number;
  ciLow?: number;
  ciHigh?: number;
}

/** Column names in CSV/JSON files, in the order they are written. */
export const SCORE_COLUMNS = [
  'model',
  'params',
  'params_estimated',
  'task',
  'metric',
  'score',
  'n',
  'cut_outputs',
  'ci_low',
  'ci_high',
  'random',
  'max',
  'labels',
] as const;
