/**
 * The scaling report with evaluations (as `scale run` writes it): accuracy CIs per evaluation, links
 * to every evaluation's examples, token and dollar totals, configuration and versions; `apprentice
 * report` renders the same page again from the folder.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatEstimate } from '../../src/report/format.js';
import { escapeMarkdown } from '../../src/report/markdown.js';
import { detectRunKind } from '../../src/report/runKind.js';
import { analyzeScaling } from '../../src/scaling/analyzeScaling.js';
import type { ScaleEvaluation } from '../../src/scaling/scaleRun.js';
import { writeScalingReport } from '../../src/report/scalingReport.js';
import { writeScalingResults } from '../../src/scaling/scalingResults.js';
import { VERSION } from '../../src/version.js';
import { record, writeEvalRun } from './evalRunFixture.js';
import { accuracyRows } from './scalingFixture.js';
import { danglingLinks, duplicateIds } from './links.js';

function evaluation(model: string, params: number, right: number, cutOutputs?: number): ScaleEvaluation {
  const records = [0, 1, 2, 3].map((i) => (i < right ? record(i) : record(i, { extracted: '99', correct: false })));
  const runDir = writeEvalRun(records, { model });
  const correct = records.filter((r) => r.correct).length;
  return {
    model,
    spec: model,
    params,
    task: 'toy',
    dataset: 'jsonl:toy',
    prompting: 'direct',
    scoring: 'generate',
    runDir,
    n: 4,
    scored: 4,
    accuracy: correct / 4,
    ci95: [Math.max(0, correct / 4 - 0.25), Math.min(1, correct / 4 + 0.25)],
    invalid: 0,
    errors: 0,
    missing: 0,
    metrics: {},
    ...(cutOutputs === undefined ? {} : { cutOutputs }),
  };
}

describe('scaling report', () => {
  it('shows each evaluation with its CI, tokens, cost and examples; report <dir> renders the same page', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apprentice-scaling-report-'));
    const evaluations = [evaluation('small', 1e8, 1), evaluation('large', 1e9, 3)];
    const rows = accuracyRows(evaluations);
    writeFileSync(join(out, 'evaluations.json'), JSON.stringify({ models: [{ name: 'small' }, { name: 'large' }], evaluations, notes: [] }));
    await writeScalingResults(out, {
      analyses: analyzeScaling(rows),
      source: 'scale run',
      title: 'Scaling run',
      configuration: { models: ['small', 'large'] },
    });
    const files = await writeScalingReport(out);
    expect(detectRunKind(out)).toBe('scale');
    const html = readFileSync(files.htmlPath, 'utf8');
    for (const e of evaluations) expect(html).toContain(formatEstimate(e.accuracy, e.ci95));
    expect(html).toContain('href="#eval2"');
    expect(html).toContain('id="eval2-ex-3"');
    expect(html.match(/<details class="example/g)).toHaveLength(8);
    // 4 + 4 answered records of 20 + 5 tokens at $0.0001 each.
    expect(html).toContain('Total over 2 evaluations: 160 prompt + 40 completion tokens, $0.000800.');
    expect(html).toContain(`written by apprentice ${VERSION}`);
    expect(html).toContain('&quot;models&quot;');
    expect(danglingLinks(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
    expect(readFileSync(files.markdownPath, 'utf8')).toContain('](report.html#eval1)');

    const again = await writeScalingReport(out, { outDir: join(out, 'again') });
    expect(readFileSync(again.htmlPath, 'utf8')).toBe(html);
  });

  it('shows the outputs cut at a run-on example per evaluation, — for an evaluation written before they were counted', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apprentice-scaling-cut-'));
    const evaluations = [evaluation('small', 1e8, 1, 3), evaluation('large', 1e9, 3)];
    const rows = accuracyRows(evaluations);
    writeFileSync(join(out, 'evaluations.json'), JSON.stringify({ models: [], evaluations, notes: [] }));
    await writeScalingResults(out, { analyses: analyzeScaling(rows), source: 'scale run' });
    const markdown = readFileSync((await writeScalingReport(out)).markdownPath, 'utf8');
    const lines = markdown.split('\n');
    const header = lines.findIndex((line) => line.startsWith('|') && line.includes('scored / n'));
    const cells = (line: string) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
    const at = cells(lines[header]!).indexOf(escapeMarkdown('cut (run-on)'));
    expect(at).toBeGreaterThan(0);
    expect([cells(lines[header + 2]!)[at], cells(lines[header + 3]!)[at]]).toEqual(['3', '—']);
  });

  it('renders a scale analyze --out folder again with its source and version', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apprentice-scaling-analyze-'));
    const rows = [1e8, 1e9, 1e10].map((params, i) => ({
      model: `m${i}`,
      params,
      task: 'toy',
      metric: 'accuracy',
      score: 0.2 + 0.3 * i,
      random: 0.25,
      max: 1,
      ciLow: 0.1 + 0.3 * i,
      ciHigh: 0.3 + 0.3 * i,
    }));
    await writeScalingResults(out, { analyses: analyzeScaling(rows), source: 'rows.csv' });
    const files = await writeScalingReport(out);
    expect(detectRunKind(out)).toBe('scale');
    const html = readFileSync(files.htmlPath, 'utf8');
    expect(html).toContain('[0.400, 0.600]');
    expect(html).toContain(`source: rows.csv · written by apprentice ${VERSION}`);
    const again = await writeScalingReport(out, { outDir: join(out, 'again') });
    expect(readFileSync(again.htmlPath, 'utf8')).toBe(html);
  });
});
