import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeRecords } from '../../src/eval/summary.js';
import { buildEvalReport, loadEvalRun, loadEvalRuns, writeEvalReport } from '../../src/report/index.js';
import { formatEstimate } from '../../src/report/format.js';
import { InputError } from '../../src/util/errors.js';
import { record, writeEvalRun } from './evalRunFixture.js';
import { danglingLinks, duplicateIds } from './links.js';

const EVIL_PROMPT = '</pre><script>alert(1)</script><img src=x onerror=alert(2)>';
const EVIL_OUTPUT = '"><svg onload=alert(3)> ``` | table | breaker\n# heading';

function baselineRecords() {
  return [
    record(0),
    record(1, { extracted: '7', correct: false, output: EVIL_OUTPUT }),
    record(2, { prompt: [{ role: 'user', content: EVIL_PROMPT }] }),
    record(3, { extracted: null, valid: false, correct: false, invalidReason: 'no number in the output' }),
    record(4, {
      output: null,
      extracted: null,
      valid: false,
      correct: null,
      error: { kind: 'timeout', message: 'no answer within 120000 ms' },
      usage: { promptTokens: 0, completionTokens: 0 },
      costUsd: 0,
    }),
    record(5, { scores: { bleu: 0.5, rougeL: 0.25 } }),
    record(6, { scores: { bleu: 1, rougeL: 0.75 }, cached: true, costUsd: 0 }),
  ];
}

describe('evaluation report of one run', () => {
  const dir = writeEvalRun(baselineRecords(), { total: 8 });

  it('recomputes the summary from the records, as eval does', () => {
    const run = loadEvalRun(dir);
    expect(run.records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(run.summary).toEqual(summarizeRecords(baselineRecords(), 8, 0));
    expect(run.summary).toMatchObject({ n: 8, scored: 6, correct: 4, invalid: 1, errors: 1, missing: 1 });
    expect(run.label).toBe('openai:gpt-4o-mini · zero-shot');
  });

  it('writes HTML with the numbers, a vega chart, config, version and every example, all user text escaped', async () => {
    const { html } = await buildEvalReport([loadEvalRun(dir)], { generatedAt: new Date('2025-01-02T03:04:05Z') });
    const summary = summarizeRecords(baselineRecords(), 8, 0);
    expect(html).toContain(formatEstimate(summary.accuracy, summary.ci95)); // 66.7% [..]
    expect(html).toContain('4 / 6');
    expect(html).toMatch(/<svg[^>]*class="marks"/);
    expect(html).toContain('aria-roledescription="bar"');
    expect(html).toContain('apprentice 0.1.0');
    expect(html).toContain('resolved configuration (config.json)');
    expect(html).toContain('&quot;concurrency&quot;: 4');
    expect(html).toContain('timeout 1');
    expect(html).toContain('bleu');
    // Only our own script; user text never becomes markup.
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<svg onload');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(3)&gt;');
    // Drill-down: one linked row and one collapsible block per example.
    for (let i = 0; i <= 6; i++) {
      expect(html).toContain(`<a href="#run1-ex-${i}">${i}</a>`);
      expect(html).toContain(`<details class="example`);
      expect(html).toMatch(new RegExp(`<details class="example \\w+" id="run1-ex-${i}" data-status="\\w+">`));
    }
    expect(html).toContain('id="run1-ex-4" data-status="error"');
    expect(html).toContain('id="run1-ex-3" data-status="invalid"');
    expect(html).toContain('id="run1-ex-1" data-status="wrong"');
    expect(html).toContain('no number in the output');
    expect(danglingLinks(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
  });

  it('writes a Markdown summary whose links point into the HTML page and whose tables user text cannot break', async () => {
    const { html, markdown } = await buildEvalReport([loadEvalRun(dir)]);
    expect(markdown).toMatch(/^# Evaluation report: toy \(test\)/);
    expect(markdown).toContain('66.7% \\[');
    expect(markdown).toContain('### Examples not answered correctly (3)');
    const links = [...markdown.matchAll(/\]\(report\.html#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links).toEqual(expect.arrayContaining(['run1', 'run1-ex-1', 'run1-ex-3', 'run1-ex-4']));
    for (const id of links) expect(html).toContain(`id="${id}"`);
    expect(markdown).not.toContain('<svg onload');
    // Every table row has as many cells as the header.
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    for (const row of rows) {
      const cells = row.replace(/\\\|/g, '').split(' | ').length;
      expect(cells, row).toBeGreaterThan(1);
    }
    const exampleRows = markdown
      .split('### Examples')[1]!
      .split('\n')
      .filter((line) => line.startsWith('| '));
    expect(new Set(exampleRows.map((row) => row.replace(/\\\|/g, '').split(' | ').length)).size).toBe(1);
  });
});

describe('evaluation report of several runs', () => {
  it('compares every run with the first (paired test) and links the examples they disagree on', async () => {
    const a = writeEvalRun(baselineRecords(), { total: 8 });
    const otherRecords = baselineRecords().map((r) =>
      r.index === 1 ? { ...r, extracted: '1', correct: true } : r.index === 0 ? { ...r, extracted: '9', correct: false } : r,
    );
    const b = writeEvalRun(otherRecords, { total: 8, style: 'few-shot', shots: 4 });
    const c = writeEvalRun([record(0, { gold: 'something else' })], { model: 'openai:other' });
    const runs = loadEvalRuns([a, b, c]);
    const { html, markdown } = await buildEvalReport(runs);
    expect(html).toContain('openai:gpt-4o-mini · few-shot (4-shot)');
    expect(html).toContain('id="comparison-table"');
    // 1 and 0 disagree; only B right on 1, only A right on 0.
    expect(html).toContain('2 examples where exactly one of run 1 and run 2 is right');
    expect(html).toContain('href="#run2-ex-1"');
    expect(html).toContain('href="#run1-ex-0"');
    expect(html).toContain('1 / 1, p = 1.0000');
    // Run 3 has other gold answers: reported as not comparable rather than failing the report.
    expect(html).toContain('not on the same examples');
    expect(markdown).toContain('## Paired comparison');
    // 6 + 6 + 1 answered records of 20 + 5 tokens; $0.0001 per uncached answered call (5 + 5 + 1).
    expect(html).toContain('Total over 3 runs: 260 prompt + 65 completion tokens, $0.001100.');
    expect(html.match(/aria-roledescription="bar"/g)).toHaveLength(3);
    expect(danglingLinks(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
  });

  it('writes report.html and report.md into the first run folder by default, or --out', async () => {
    const a = writeEvalRun(baselineRecords());
    const written = await writeEvalReport([a]);
    expect(written.htmlPath).toBe(join(a, 'report.html'));
    expect(readFileSync(written.markdownPath, 'utf8')).toContain('# Evaluation report');
    const out = join(a, 'elsewhere');
    const second = await writeEvalReport([a], { outDir: out });
    expect(second.htmlPath).toBe(join(out, 'report.html'));
  });

  it('refuses a folder that is not a run, naming it', () => {
    expect(() => loadEvalRun('/nonexistent/run')).toThrow(InputError);
    expect(() => loadEvalRun('/nonexistent/run')).toThrow(/\/nonexistent\/run.*not a run folder/);
  });
});
