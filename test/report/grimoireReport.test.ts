/**
 * The grimoire eval report, on a real `evaluateGrimoires` root (toy task, a loopback weak model whose
 * accuracy depends on the grimoire): numbers and CIs as in summary.json, selection on validation,
 * routing, the paired comparison with zero-shot, every method's examples with the grimoire used.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateGrimoires, type GrimoireEvalResult } from '../../src/grimoire/evaluate.js';
import { ModelHub } from '../../src/models/hub.js';
import { formatEstimate } from '../../src/report/format.js';
import { escapeMarkdown } from '../../src/report/markdown.js';
import { methodLabel } from '../../src/grimoire/evalResult.js';
import { validationHeadline } from '../../src/grimoire/headline.js';
import { buildGrimoireReport, loadGrimoireEval, writeGrimoireReport } from '../../src/report/grimoireReport.js';
import { detectRunKind } from '../../src/report/runKind.js';
import { VERSION } from '../../src/version.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { weakModel, writeToySet, writeToyTask } from '../grimoire/fixtures.js';
import { danglingLinks, duplicateIds } from './links.js';

let server: FakeOpenAIServer;
let hub: ModelHub;
let result: GrimoireEvalResult;

beforeAll(async () => {
  server = await startFakeOpenAIServer({ thread: false, answer: weakModel });
  hub = new ModelHub({ cachePath: ':memory:', maxRetries: 0, warn: () => {}, prices: { weak: { input: 1, output: 2 } } });
  const toy = writeToyTask({ train: 120, test: 30 });
  const set = join(toy.root, 'set');
  writeToySet(set);
  result = await evaluateGrimoires(
    {
      dataset: toy.dataset,
      weak: `openai:weak@${server.url}`,
      grimoires: set,
      split: 'test',
      limit: 24,
      seed: 3,
      methods: ['zero-shot', 'few-shot', 'single', 'best-single', 'similarity', 'ranker'],
      shots: 2,
      fewShotDemos: ['random'],
      embedder: 'builtin',
      validationSize: 40,
      concurrency: 8,
      runsRoot: join(toy.root, 'runs'),
    },
    hub,
  );
});
afterAll(async () => {
  await hub.close();
  await server.close();
});

describe('grimoire eval report', () => {
  it('leads with the method chosen on validation and its test accuracy, and says the other rows are descriptive', async () => {
    const { html, markdown } = await buildGrimoireReport(loadGrimoireEval(result.runDir));
    const chosen = validationHeadline(result)!.method;
    const line = `Headline, chosen on validation: ${methodLabel(chosen)}, ${formatEstimate(chosen.accuracy, chosen.ci95)} on test (${chosen.correct}/${chosen.scored}).`;
    expect(markdown).toContain(escapeMarkdown(line));
    expect(html).toContain('id="headline"');
    expect(markdown).toContain('the test split played no part in the choice');
    expect(markdown).toContain(`The other ${result.methods.length - 1} rows are descriptive`);
  });

  it('is recognised as a grimoire eval root, and each method folder as an evaluation run', () => {
    expect(detectRunKind(result.runDir)).toBe('grimoire');
    expect(detectRunKind(result.methods[0]!.runDir)).toBe('eval');
  });

  it('shows every method with the accuracy and CI of summary.json, selection on validation, routing and the comparison with zero-shot', async () => {
    const folder = loadGrimoireEval(result.runDir);
    const { html, markdown } = await buildGrimoireReport(folder);
    for (const row of result.methods) {
      const cell = formatEstimate(row.accuracy, row.ci95);
      expect(html).toContain(cell);
      expect(markdown).toContain(escapeMarkdown(cell));
      expect(html).toContain(methodLabel(row));
    }
    // The recomputed summaries (same seed) agree with what the command wrote.
    for (const [i, m] of folder.methods.entries()) expect(m.run.summary.ci95).toEqual(result.methods[i]!.ci95);
    expect(html).toContain(`Best single grimoire on validation: ${result.bestSingle!.grimoire}`);
    expect(html).toContain('Checked: 0 of the 24 evaluated test examples are among the validation examples.');
    expect(html).toContain('the test split was not');
    expect(html).toContain('id="routing-table"');
    const ranker = result.methods.find((m) => m.method === 'ranker')!;
    for (const [id, count] of Object.entries(ranker.chosen!)) expect(html).toMatch(new RegExp(`<td class="left">${id}</td><td class="right">${count} \\(`));
    // Every method but zero-shot against zero-shot.
    expect(html).toContain('id="comparison-table"');
    expect(html.split('id="comparison-table"')[1]!.split('</table>')[0]!.match(/<tr>/g)).toHaveLength(result.methods.length);
    // Per-example drill-down with the grimoire used; every link lands.
    expect(html.match(/<details class="example/g)).toHaveLength(24 * result.methods.length);
    expect(html).toMatch(/<dt>grimoire used<\/dt><dd>[abc]<\/dd>/);
    expect(danglingLinks(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
    // Tokens and dollars, configuration and versions.
    expect(html).toContain('Validation answers (choosing and training)');
    expect(html).toContain('resolved configuration (config.json)');
    expect(html).toContain(`apprentice ${VERSION}`);
    expect(markdown).toMatch(/\]\(report\.html#m\d+\)/);
  });

  it('shows the outputs cut at a run-on example per method and per validation grimoire; a folder written before they were counted shows —', async () => {
    const folder = loadGrimoireEval(result.runDir);
    const cutColumn = (markdown: string, tableHeader: string) => {
      const lines = markdown.split('\n');
      const start = lines.findIndex((line) => line.startsWith('|') && line.includes(tableHeader));
      const cells = (line: string) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim());
      const at = cells(lines[start]!).indexOf(escapeMarkdown('cut (run-on)'));
      expect(at).toBeGreaterThan(0);
      const rows: string[] = [];
      for (let i = start + 2; lines[i]?.startsWith('|'); i++) rows.push(cells(lines[i]!)[at]!);
      return rows;
    };
    folder.methods.forEach((m, i) => (m.row.cutOutputs = i + 5));
    folder.result.validation!.grimoires.forEach((g, i) => (g.cutOutputs = i + 50));
    const counted = (await buildGrimoireReport(folder)).markdown;
    expect(cutColumn(counted, 'correct / scored')).toEqual(folder.methods.map((_, i) => String(i + 5)));
    expect(cutColumn(counted, 'validation accuracy')).toEqual(folder.result.validation!.grimoires.map((_, i) => String(i + 50)));

    for (const m of folder.methods) delete m.row.cutOutputs;
    for (const g of folder.result.validation!.grimoires) delete g.cutOutputs;
    const older = (await buildGrimoireReport(folder)).markdown;
    expect(new Set(cutColumn(older, 'correct / scored'))).toEqual(new Set(['—']));
    expect(new Set(cutColumn(older, 'validation accuracy'))).toEqual(new Set(['—']));
  });

  it('writes report.html and report.md into the root, or --out', async () => {
    const written = await writeGrimoireReport(result.runDir);
    expect(written.htmlPath).toBe(join(result.runDir, 'report.html'));
    expect(readFileSync(written.markdownPath, 'utf8')).toContain('## Against the zero-shot baseline');
  });
});
