/** Which kind of folder `apprentice report <dir>` was given, and a clear refusal of anything else. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectRunKind } from '../../src/report/runKind.js';
import { writeReport } from '../../src/report/writeReport.js';
import { InputError } from '../../src/util/errors.js';
import { record, writeEvalRun } from './evalRunFixture.js';

const temp = () => mkdtempSync(join(tmpdir(), 'apprentice-run-kind-'));

function folder(files: Record<string, unknown>): string {
  const dir = temp();
  for (const [name, value] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return dir;
}

describe('detectRunKind', () => {
  it('tells an evaluation run, a grimoire eval root and its method runs, a distillation sweep and a scaling folder apart', () => {
    expect(detectRunKind(writeEvalRun([record(0)]))).toBe('eval');
    expect(detectRunKind(folder({ 'config.json': { identity: {}, command: 'grimoire eval', method: 'zero-shot' } }))).toBe('eval');
    expect(detectRunKind(folder({ 'config.json': { identity: { kind: 'grimoire-eval' }, command: 'grimoire eval' }, 'summary.json': { methods: [] } }))).toBe(
      'grimoire',
    );
    expect(detectRunKind(folder({ 'results.json': { kind: 'apprentice-distill-results' }, 'cells/x': '' }))).toBe('distill');
    expect(detectRunKind(folder({ 'analysis.json': [], 'scaling.svg': '<svg/>' }))).toBe('scale');
  });

  it('names the folder and what was expected when nothing matches', () => {
    const empty = temp();
    expect(() => detectRunKind(empty)).toThrow(InputError);
    expect(() => detectRunKind(empty)).toThrow(
      new RegExp(`${empty}.*not a run folder.*expected an evaluation run.*grimoire eval root.*distillation sweep.*scaling folder`),
    );
    const annotations = folder({ 'config.json': { identity: {}, command: 'distill annotate' } });
    expect(() => detectRunKind(annotations)).toThrow(/its config.json is from "distill annotate"/);
    expect(() => detectRunKind(join(empty, 'missing'))).toThrow(/no such folder/);
    // A grimoire root stopped before its summary is not mistaken for anything else.
    expect(() => detectRunKind(folder({ 'config.json': { identity: { kind: 'grimoire-eval' }, command: 'grimoire eval' } }))).toThrow(/not a run folder/);
  });

  it('compares several folders only when all are evaluation runs', async () => {
    const run = writeEvalRun([record(0)]);
    const sweep = folder({ 'results.json': { kind: 'apprentice-distill-results' } });
    await expect(writeReport([run, sweep])).rejects.toThrow(/only evaluation runs can be compared.*distillation sweep/);
  });
});
