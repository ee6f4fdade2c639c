/**
 * The distillation sweep report on a sweep folder laid out as `distill run` writes it (cells with
 * test answers, an annotations folder with the teacher's calls): CIs, links to every student's test
 * answers, teacher token and dollar totals, settings and versions; `apprentice report` renders the
 * same page again from the files.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracyOf, cellDir, sweepPoints, type CellResult } from '../../src/distill/sweep.js';
import { concludeSweep } from '../../src/distill/verdict.js';
import { writeSweepReport } from '../../src/report/sweepReport.js';
import { formatEstimate } from '../../src/report/format.js';
import { detectRunKind } from '../../src/report/runKind.js';
import { openRunDir } from '../../src/runs/runDir.js';
import { VERSION } from '../../src/version.js';
import { record } from './evalRunFixture.js';
import { danglingLinks, duplicateIds } from './links.js';

const GOLD = ['3', '7', '12', '5'];

/** A student's test answer as versions before the example runner wrote them (no usage, cost or id). */
interface TestRecord {
  index: number;
  prompt: string;
  output: string;
  extracted: string | null;
  gold: string;
  correct: boolean;
}

function cell(out: string, method: CellResult['method'], fraction: number, right: boolean[]): CellResult {
  const dir = cellDir(out, method, fraction, 0);
  mkdirSync(dir, { recursive: true });
  const records: TestRecord[] = GOLD.map((gold, index) => ({
    index,
    prompt: `Question: problem ${index} <b>\nAnswer:`,
    output: right[index] ? `The answer is ${gold}` : 'no idea',
    extracted: right[index] ? gold : null,
    gold,
    correct: right[index]!,
  }));
  writeFileSync(join(dir, 'test.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const flags = right.map(Number);
  const { accuracy, ci95 } = accuracyOf(flags);
  return {
    method,
    fraction,
    seed: 0,
    dir,
    inputs: 8 * fraction,
    rows: 8 * fraction,
    build: { used: 8 * fraction, rows: 8 * fraction, skipped: {} } as unknown as CellResult['build'],
    n: 4,
    correct: flags.reduce((a, b) => a + b, 0),
    accuracy,
    ci95,
    invalid: flags.filter((f) => !f).length,
    training: { parameters: 1000, steps: 2, bestStep: 2, validationLoss: 1.5, trainSeconds: 1, tokensPerSecond: 100, validationLossByTask: {} },
    evalSeconds: 0.5,
    correctFlags: flags,
  };
}

function writeSweep(): { out: string; cells: CellResult[] } {
  const out = join(mkdtempSync(join(tmpdir(), 'apprentice-sweep-report-')), 'sweep');
  const teacher = openRunDir(join(out, 'annotations', 'train'), { identity: { split: 'train' }, resolved: {} });
  teacher.append(record(0, { usage: { promptTokens: 100, completionTokens: 40 }, costUsd: 0.002 }));
  teacher.append(record(1, { usage: { promptTokens: 110, completionTokens: 30 }, costUsd: 0.003 }));
  const cells = [
    cell(out, 'standard-ft', 0.5, [true, false, false, true]),
    cell(out, 'standard-ft', 1, [true, true, false, true]),
    cell(out, 'step-by-step', 1, [true, true, true, false]),
  ];
  return { out, cells };
}

describe('distillation sweep report', () => {
  it('links every student to its test answers and totals the teacher calls; report <dir> renders the same page', async () => {
    const { out, cells } = writeSweep();
    concludeSweep(out, {
      title: 'Distillation: toy',
      dataset: 'toy',
      teacherName: 'openai:teacher',
      teacher: [{ label: 'teacher on test', n: 4, accuracy: 0.75, ci95: [0.25, 1] }],
      points: sweepPoints(cells),
      cells,
      testSize: 4,
      settings: { methods: ['standard-ft', 'step-by-step'], student: 'tiny' },
      wallSeconds: 12,
    });
    const written = await writeSweepReport(out);
    expect(detectRunKind(out)).toBe('distill');
    const html = readFileSync(written.htmlPath, 'utf8');
    for (const c of cells) expect(html).toContain(formatEstimate(c.accuracy, c.ci95));
    expect(html).toContain('href="#cell-standard-ft-f0-5-s0"');
    expect(html).toContain('id="cell-step-by-step-f1-s0-ex-3"');
    expect(html.match(/<details class="example/g)).toHaveLength(12);
    expect(html).toContain('problem 0 &lt;b&gt;');
    expect(html).toContain('2 examples (0 from the cache), 210 prompt + 70 completion tokens, $0.005000.');
    expect(html).toContain('Students: 3 trained and evaluated locally');
    expect(html).toContain(`written by Apprentice ${VERSION}`);
    expect(html).toContain('&quot;student&quot;: &quot;tiny&quot;');
    expect(danglingLinks(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
    expect(readFileSync(written.markdownPath, 'utf8')).toContain('](report.html#cell-standard-ft-f1-s0)');

    const again = await writeSweepReport(out, { outDir: join(out, 'again') });
    expect(readFileSync(again.htmlPath, 'utf8')).toBe(html);
    expect(readFileSync(join(out, 'again', 'data-efficiency.svg'), 'utf8')).toBe(readFileSync(written.svgPath, 'utf8'));
  });
});
