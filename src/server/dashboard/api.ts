/**
 * The dashboard's JSON API: response shapes shared by the server (src/server/dashboard) and the
 * browser app (src/ui). Types only, so the front end can import them without Node code.
 */

export type { ExampleStatus } from '../../eval/records.js';
import type { CurvePoint } from '../../cascade/curve.js';
import type { RunComparison } from '../../eval/runComparison.js';
import type { ExampleStatus } from '../../eval/records.js';

export interface Estimate {
  value: number;
  ci95: [number, number] | null;
}

/** What every evaluated set of examples reports: counts, accuracy with its CI, and dollars. */
export interface ScoredCounts {
  /** Examples planned (a run's identity when known, else its records). */
  n: number;
  scored: number;
  correct: number;
  accuracy: Estimate | null;
  invalid: number;
  errors: number;
  costUsd: number;
}

/** One run folder as listed: enough to pick runs and compare their headline numbers. */
export interface RunListing extends ScoredCounts {
  /** Path of the run folder relative to the runs root, with '/' separators: the run's id in URLs. */
  id: string;
  /** What wrote it: "eval", "grimoire eval", "distill annotate"..., or "run" when config.json does not say. */
  command: string;
  label: string;
  task: string | null;
  split: string | null;
  model: string | null;
  /** Records written so far. */
  records: number;
  modifiedAt: string;
  /** The grimoire evaluation, distillation sweep or cascade whose folder holds this run, if any. */
  group: GroupRef | null;
}

export interface GroupRef {
  kind: 'grimoire' | 'distill' | 'cascade';
  id: string;
}

export interface RunSummaryView extends ScoredCounts {
  errorsByKind: Record<string, number>;
  missing: number;
  promptTokens: number;
  completionTokens: number;
  costPerCorrectUsd: number | null;
  cachedCalls: number;
  latencyMs: { mean: number | null; p50: number | null; p95: number | null };
  metrics: Record<string, { mean: number; ci95: [number, number]; n: number }>;
}

export interface PromptMessage {
  role: string;
  content: string;
}

export interface ExampleRow {
  index: number;
  id: string | null;
  status: ExampleStatus;
  /** Chat messages, or one text prompt; null when the run made no call (e.g. scored predictions). */
  prompt: PromptMessage[] | string | null;
  /** The grimoire the answer was given with, when the run used one. */
  grimoire: string | null;
  output: string | null;
  extracted: string | null;
  gold: string | null;
  correct: boolean | null;
  costUsd: number;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number | null;
  cached: boolean;
  /** Anything else worth showing: reasoning, why invalid, the error, per-example scores. */
  fields: { label: string; value: string }[];
}

export interface Chart {
  title: string;
  /** Standalone SVG rendered by vega from a vega-lite spec (src/report/charts.ts). */
  svg: string;
}

export interface RunDetail {
  run: RunListing;
  summary: RunSummaryView;
  config: unknown;
  charts: Chart[];
  /**
   * Every example's row when the run holds at most a few thousand records; otherwise the first page by example
   * index, and the table asks GET /api/run/examples for the others (filtered, searched and sorted there).
   */
  examples: ExampleRow[];
  /** Examples with a record. */
  examplesTotal: number;
}

/** A page of a run's examples (GET /api/run/examples). */
export interface ExamplesPage {
  /** Examples the filter and search select. */
  total: number;
  /** Position of the first row among them. */
  offset: number;
  /** Examples with a record. */
  of: number;
  rows: ExampleRow[];
}

/** A paired comparison (eval/compare.ts) named by run ids, not folders. */
export interface PairedComparisonView extends Omit<RunComparison, 'runA' | 'runB'> {
  /** Run ids: every run after the first is compared with the first. */
  a: string;
  b: string;
  /** Why the two cannot be paired (e.g. different gold answers). */
  problem: string | null;
}

export interface CompareResponse {
  runs: RunListing[];
  comparisons: PairedComparisonView[];
  charts: Chart[];
}

export interface ScalingModelView {
  model: string;
  params: number;
  paramsEstimated: boolean;
  score: number;
  normalized: number;
  ci95: [number, number] | null;
}

export interface ScalingTaskView {
  task: string;
  metric: string;
  verdict: string | null;
  improvement: number | null;
  linearity: number | null;
  breakthroughness: number | null;
  notes: string[];
  scores: ScalingModelView[];
}

export interface ScalingSource {
  /** Relative to the runs root, or the path given with --scores. */
  path: string;
  kind: 'analysis' | 'scores';
  tasks: ScalingTaskView[];
  charts: Chart[];
  /** A file that could not be read. */
  problem: string | null;
}

export interface ScalingResponse {
  sources: ScalingSource[];
}

export interface RunsResponse {
  root: string;
  runs: RunListing[];
  grimoireEvals: GrimoireEvalListing[];
  distillSweeps: DistillSweepListing[];
  cascades: CascadeListing[];
}

/** A `grimoire eval` root folder: config.json + summary.json (a GrimoireEvalResult), one run folder per method. */
export interface GrimoireEvalListing {
  id: string;
  task: string | null;
  split: string | null;
  weak: string | null;
  /** Examples each method was evaluated on. */
  n: number;
  methods: number;
  /** The headline: the method chosen on validation (grimoire/headline.ts) with its test accuracy; never the highest on test. */
  headline: { label: string; accuracy: Estimate; why: string } | null;
  invalid: number;
  errors: number;
  costUsd: number;
  modifiedAt: string;
  /** Why summary.json cannot be shown (not written yet, or not a grimoire evaluation result). */
  problem: string | null;
}

export interface GrimoireMethodView extends ScoredCounts {
  /** The method's run folder name under the root: zero-shot, few-shot-random, single/<grimoire>, best-single... */
  key: string;
  label: string;
  method: string;
  grimoire: string | null;
  demos: string | null;
  /** The method's run id, null when its folder is missing. */
  runId: string | null;
  costPerCorrectUsd: number | null;
  /** best-single and ranker: dollars spent answering validation to choose or train. */
  selectionCostUsd: number | null;
}

export interface GrimoireEvalDetail {
  eval: GrimoireEvalListing;
  grimoireSet: string;
  methods: GrimoireMethodView[];
  validation: {
    n: number;
    source: string;
    grimoires: { id: string; accuracy: Estimate | null; scored: number; runId: string | null }[];
  } | null;
  bestSingle: { grimoire: string; validationAccuracy: number | null } | null;
  ranker: {
    fitQuestions: number | null;
    checkQuestions: number | null;
    checkRoutedAccuracy: number | null;
    checkBestSingleAccuracy: number | null;
    bestSingleOnFit: string | null;
    mode: string | null;
    bestEpoch: number | null;
  } | null;
  /** How often each grimoire was chosen per routed method (similarity, ranker, best-single). */
  routing: { grimoires: string[]; methods: { key: string; label: string; counts: Record<string, number>; total: number }[] };
  charts: Chart[];
  config: unknown;
}

/** A distillation sweep root (`distill run`, `quickstart`): results.json written by the sweep report. */
export interface DistillSweepListing {
  id: string;
  title: string;
  dataset: string;
  teacherName: string;
  testSize: number;
  methods: string[];
  fractions: number[];
  seeds: number[];
  cells: number;
  /** Cells not trained (no usable data). */
  skipped: number;
  modifiedAt: string;
}

export interface DistillPointView {
  method: string;
  label: string;
  fraction: number;
  inputs: number;
  seeds: number[];
  accuracy: Estimate;
  perSeed: (number | null)[];
}

export interface DistillCellView {
  /** The cell folder's id (relative to the runs root) when it holds test answers (test.jsonl). */
  id: string | null;
  method: string;
  label: string;
  fraction: number;
  seed: number;
  inputs: number;
  rows: number;
  n: number;
  correct: number;
  accuracy: Estimate | null;
  invalid: number;
  parameters: number;
  steps: number;
  /** The step whose checkpoint validation loss selected. */
  bestStep: number;
  validationLoss: number | null;
  trainSeconds: number;
  evalSeconds: number;
  tokensPerSecond: number;
  skipped: string | null;
}

export interface DistillGenericView {
  sets: { name: string; dataset: string; inTask: boolean }[];
  rows: { model: string; role: string; scores: Record<string, { n: number; accuracy: Estimate }> }[];
  note: string;
}

export interface DistillSweepDetail {
  sweep: DistillSweepListing;
  verdict: string[];
  teacher: { label: string; n: number; accuracy: Estimate | null }[];
  points: DistillPointView[];
  cells: DistillCellView[];
  generic: DistillGenericView | null;
  charts: Chart[];
  settings: unknown;
}

export interface DistillCellDetail {
  sweepId: string;
  sweepTitle: string;
  cell: DistillCellView;
  summary: RunSummaryView;
  examples: ExampleRow[];
}

export interface ApiError {
  error: { message: string };
}

/** A cascade calibration folder (`cascade calibrate`, then `cascade eval`): calibration.json and evaluation-<split>.json. */
export interface CascadeListing {
  id: string;
  student: string;
  teacher: string;
  dataset: string;
  /** The split the threshold was chosen on (never test). */
  split: string;
  examples: number;
  /** How the student's confidence is measured: token log-probabilities or agreement of k samples. */
  signal: string;
  /** The target the threshold had to meet, in words. */
  target: string;
  /** The chosen point of the calibration curve (null: no threshold met the target). */
  chosen: CascadePoint | null;
  /** Splits the chosen threshold was measured on by `cascade eval`. */
  evaluated: string[];
  modifiedAt: string;
  /** Why the folder cannot be shown (a file of another shape). */
  problem: string | null;
}

/** The cascade at one threshold: accuracy and the share of requests sent to the teacher, each with its 95% Wilson interval. */
export type CascadePoint = CurvePoint;

export interface CascadeEvaluationView {
  split: string;
  threshold: number;
  examples: number;
  failed: number;
  cascade: CascadePoint;
  teacherOnly: { accuracy: Estimate; costUsd: number };
  studentOnly: { accuracy: Estimate };
  teacherCallsSaved: number;
  costSavedUsd: number;
  /** Teacher-only accuracy minus the cascade's: paired bootstrap 95% interval and McNemar's test. */
  accuracyLost: { estimate: number; ci95: [number, number]; bootstrapP: number; mcnemarP: number };
  targetMet: boolean | null;
}

export interface CascadeDetail {
  cascade: CascadeListing;
  failed: number;
  teacherOnly: { accuracy: Estimate; costUsd: number };
  studentOnly: CascadePoint;
  curve: CascadePoint[];
  evaluations: CascadeEvaluationView[];
  charts: Chart[];
  config: unknown;
}
