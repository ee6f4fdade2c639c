/**
 * `apprentice report <dir...>`: one folder of any kind gets its own report, from the registry of results;
 * several folders must all be evaluation runs, compared with the first.
 */
import { resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import { writeEvalReport } from './evalReport.js';
import type { ReportOptions, WrittenReportFiles } from './reportFiles.js';
import { resultEntry } from './results.js';
import { detectRunKind, RUN_KIND_LABEL, type RunKind } from './runKind.js';

export interface WrittenAnyReport extends WrittenReportFiles {
  kind: RunKind;
  dirs: string[];
}

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
    throw new InputError(`only evaluation runs can be compared in one report; this is a ${RUN_KIND_LABEL[kinds[other]!]}: report it on its own`, {
      file: absolute[other],
    });
  }
  const kind = kinds[0]!;
  const written = await resultEntry(kind).writeReport!(absolute[0]!, options);
  return { kind, dirs: absolute, htmlPath: written.htmlPath, markdownPath: written.markdownPath };
}
