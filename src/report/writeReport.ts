/**
 * `apprentice report <dir...>`: one folder of any kind gets its own report; several folders must all
 * be evaluation runs, compared with the first.
 */
import { resolve } from 'node:path';
import { rewriteSweepReport } from '../distill/sweepReport.js';
import { rewriteScalingReport } from '../scaling/scalingReport.js';
import { InputError } from '../util/errors.js';
import { writeEvalReport } from './evalReport.js';
import { writeGrimoireReport } from './grimoireReport.js';
import type { ReportOptions, WrittenReportFiles } from './reportFiles.js';
import { detectRunKind, RUN_KIND_LABEL, type RunKind } from './runKind.js';

export interface WrittenAnyReport extends WrittenReportFiles {
  kind: RunKind;
  dirs: string[];
}

type Writer = (dir: string, options: ReportOptions & { outDir?: string }) => Promise<WrittenReportFiles>;

const WRITERS: Record<Exclude<RunKind, 'eval'>, Writer> = {
  grimoire: writeGrimoireReport,
  distill: rewriteSweepReport,
  scale: rewriteScalingReport,
};

export async function writeReport(dirs: readonly string[], options: ReportOptions & { outDir?: string } = {}): Promise<WrittenAnyReport> {
  if (!dirs.length) throw new InputError('a report needs at least one run folder');
  const kinds = dirs.map((dir) => detectRunKind(dir));
  const absolute = dirs.map((dir) => resolve(dir));
  const other = kinds.findIndex((kind) => kind !== 'eval');
  if (other < 0) {
    const written = await writeEvalReport(dirs, options);
    return { kind: 'eval', dirs: absolute, htmlPath: written.htmlPath, markdownPath: written.markdownPath };
  }
  if (dirs.length > 1) {
    throw new InputError(`only evaluation runs can be compared in one report; this is a ${RUN_KIND_LABEL[kinds[other]!]}: report it on its own`, { file: absolute[other] });
  }
  const kind = kinds[0] as Exclude<RunKind, 'eval'>;
  return { kind, dirs: absolute, ...(await WRITERS[kind](absolute[0]!, options)) };
}
