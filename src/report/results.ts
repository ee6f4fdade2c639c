/**
 * The one registry of results: every kind of folder a pipeline writes, with its results contract (in the
 * pipeline's own folder: types, schema, file names, detect, check) and its report renderer (here, in report/).
 * `apprentice report` and the dashboard API recognise and read folders only through it, so a new kind of result
 * is one contract and one renderer added here.
 */
import { CASCADE } from '../cascade/results.js';
import { DISTILL_SWEEP } from '../distill/sweepResults.js';
import { EVAL_RUN } from '../eval/runResult.js';
import { GRIMOIRE_EVAL } from '../grimoire/evalResult.js';
import type { Detection, ResultContract } from '../runs/resultContract.js';
import { SCALING } from '../scaling/scalingResults.js';
import { writeCascadeReport } from './cascadeReport.js';
import { writeGrimoireReport } from './grimoireReport.js';
import type { ReportOptions, WrittenReportFiles } from './reportFiles.js';
import { writeScalingReport } from './scalingReport.js';
import { writeSweepReport } from './sweepReport.js';

export type ReportWriter = (dir: string, options: ReportOptions & { outDir?: string }) => Promise<WrittenReportFiles>;

/** In the order folders are tried: a sweep or a grimoire root may hold run folders, never the other way round. */
export const RESULTS = [
  { contract: DISTILL_SWEEP, writeReport: writeSweepReport as ReportWriter },
  { contract: GRIMOIRE_EVAL, writeReport: writeGrimoireReport as ReportWriter },
  // Evaluation runs are reported together (one or several, compared): report/evalReport.ts, from writeReport.ts.
  { contract: EVAL_RUN, writeReport: null },
  { contract: SCALING, writeReport: writeScalingReport as ReportWriter },
  { contract: CASCADE, writeReport: writeCascadeReport as ReportWriter },
] as const;

export type ResultKind = (typeof RESULTS)[number]['contract']['kind'];

export interface DetectedResult extends Detection {
  kind: ResultKind;
  contract: ResultContract<ResultKind, unknown>;
}

/** The kind of result this folder holds (the first contract that recognises it), or null. */
export function detectResult(dir: string): DetectedResult | null {
  for (const { contract } of RESULTS) {
    const detected = contract.detect(dir);
    if (detected) return { ...detected, kind: contract.kind, contract };
  }
  return null;
}

export function resultEntry(kind: ResultKind): (typeof RESULTS)[number] {
  return RESULTS.find((entry) => entry.contract.kind === kind)!;
}
