/**
 * The grimoire and distillation pages end to end: folders written by the real pipelines (grimoire
 * eval with a loopback weak model, the tiny quickstart) served by `apprentice ui`, in headless
 * Chromium: the runs list groups them, the pages show their tables and charts, columns sort, and
 * the links lead to the method runs, the paired comparison and a student's test answers.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuickstartResult } from '../../src/distill/quickstart.js';
import type { GrimoireEvalResult } from '../../src/grimoire/evaluate.js';
import { chromiumAvailable, columnTexts, openDashboard, SHOTS, type Dashboard } from './harness.js';
import { makeDistillSweep, makeGrimoireEval } from './pipelineFixtures.js';

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

describe.skipIf(!chromiumAvailable)('grimoire and distillation pages in headless Chromium', () => {
  let root: string;
  let grimoire: GrimoireEvalResult;
  let sweep: QuickstartResult;
  let dashboard: Dashboard;
  let url: string;
  let page: Page;

  beforeAll(async () => {
    root = join(mkdtempSync(join(tmpdir(), 'apprentice-ui-pipelines-')), 'runs');
    [{ result: grimoire }, sweep] = await Promise.all([makeGrimoireEval(root, 'grimoire-eval'), makeDistillSweep(root, 'quickstart')]);
    dashboard = await openDashboard(root);
    ({ url, page } = dashboard);
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  const idOf = (dir: string) => relative(root, dir).split('\\').join('/');
  const validationRuns = () => grimoire.validation?.grimoires.length ?? 0;

  it('lists the grimoire evaluation and the sweep as groups holding their runs, sortable', async () => {
    await page.goto(`${url}/`);
    await expect.poll(() => page.getByTestId('grimoire-row').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByTestId('distill-row').count()).toBe(1);
    expect(await page.getByTestId('run-row').count()).toBe(0); // every run belongs to one of them
    expect(await page.getByTestId('grimoire-row').innerText()).toContain(`${grimoire.methods.length} methods`);

    await page.getByTestId('grimoire-row').getByRole('button').click();
    const members = grimoire.methods.length + validationRuns();
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(members);
    const header = page.locator('table.runs th[data-column=run]');
    const labels = () => columnTexts(page, '[data-testid=run-row]', 1);
    const before = await labels();
    await header.locator('button').click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('ascending');
    const ascending = await labels();
    const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
    expect(ascending).toEqual([...before].sort(collator.compare));
    expect(ascending).not.toEqual(before);
    await header.locator('button').click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('descending');
    expect(await labels()).toEqual([...ascending].reverse());
    await page.screenshot({ path: join(SHOTS, 'runs-grouped.png'), fullPage: true });
  });

  it('shows a grimoire evaluation: methods with CIs, chart, validation choice, routing, links', async () => {
    await page.goto(`${url}/#/grimoire/grimoire-eval`);
    await expect.poll(() => page.getByTestId('method-row').count(), { timeout: 20_000 }).toBe(grimoire.methods.length);
    const table = await page.getByTestId('methods-table').innerText();
    for (const method of grimoire.methods) expect(table).toContain(`${pct(method.accuracy!)} [${pct(method.ci95![0])}, ${pct(method.ci95![1])}]`);
    expect(await page.locator('[data-testid=chart] svg g.mark-rect path').count()).toBeGreaterThanOrEqual(grimoire.methods.length);
    expect(await page.getByTestId('validation').innerText()).toContain(`Best single grimoire: ${grimoire.bestSingle!.grimoire}`);
    const routing = await page.getByTestId('routing-table').innerText();
    const ranker = grimoire.methods.find((m) => m.method === 'ranker')!;
    for (const [id, count] of Object.entries(ranker.chosen!)) expect(routing).toMatch(new RegExp(`${id}\\s[\\s\\S]*?\\b${count}\\b`));
    await page.screenshot({ path: join(SHOTS, 'grimoire.png'), fullPage: true });

    // Sorting the methods by accuracy, highest first.
    const accuracy = page.locator('[data-testid=methods-table] th[data-column=accuracy] button');
    await accuracy.click();
    await accuracy.click();
    const shown = (await columnTexts(page, '[data-testid=method-row]', 1)).map((text) => Number(text.split('%')[0]));
    expect(shown).toEqual([...shown].sort((a, b) => b - a));

    // The ranker's run page shows the grimoire used for each example.
    await page.getByRole('link', { name: 'SLEICL, learned ranker' }).click();
    await expect.poll(() => page.getByTestId('example-row').count(), { timeout: 20_000 }).toBe(grimoire.n);
    expect(await page.locator('.examples-table th[data-column=grimoire]').count()).toBe(1);

    // Every method against zero-shot on the compare page.
    await page.goto(`${url}/#/grimoire/grimoire-eval`);
    await page.getByTestId('compare-methods').click();
    await expect.poll(() => page.getByTestId('paired-row').count(), { timeout: 20_000 }).toBe(grimoire.methods.length - 1);
    expect(await page.getByTestId('mcnemar-p').count()).toBe(grimoire.methods.length - 1);
    await page.screenshot({ path: join(SHOTS, 'grimoire-compare.png'), fullPage: false });
  });

  it('shows a distillation sweep: data-efficiency chart, teacher, cells, generic ability', async () => {
    const id = idOf(sweep.out);
    await page.goto(`${url}/#/distill/${encodeURIComponent(id)}`);
    await expect.poll(() => page.getByTestId('cell-row').count(), { timeout: 20_000 }).toBe(sweep.sweep.cells.length);
    expect(await page.locator('[data-testid=chart] svg g.mark-line path').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=chart] svg g.mark-symbol path').count()).toBeGreaterThan(0);
    const teacher = await page.getByTestId('teacher-table').innerText();
    expect(teacher).toContain(sweep.teacher.test.label);
    expect(await page.getByTestId('generic').innerText()).toContain(sweep.generic!.sets[0]!.name);
    for (const line of sweep.report.verdict) expect(await page.getByTestId('verdict').innerText()).toContain(line);
    const trained = sweep.sweep.cells.filter((cell) => !cell.skipped);
    expect(trained.length).toBeGreaterThan(0);
    const cells = await page.getByTestId('cells-table').innerText();
    for (const cell of trained) expect(cells).toContain(`${pct(cell.accuracy)} [${pct(cell.ci95[0])}, ${pct(cell.ci95[1])}] (${cell.correct}/${cell.n})`);
    await page.screenshot({ path: join(SHOTS, 'distill.png'), fullPage: true });

    const fraction = page.locator('[data-testid=cells-table] th[data-column=fraction] button');
    await fraction.click();
    await fraction.click();
    const fractions = (await columnTexts(page, '[data-testid=cell-row]', 1)).map(Number);
    expect(fractions).toEqual([...fractions].sort((a, b) => b - a));
  });

  it("shows a student's test answers as an examples table", async () => {
    const cell = sweep.sweep.cells.find((c) => !c.skipped)!;
    const answers = readFileSync(join(cell.dir, 'test.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { gold: string; extracted: string | null });
    await page.goto(`${url}/#/cell/${encodeURIComponent(idOf(cell.dir))}`);
    await expect.poll(() => page.getByTestId('example-row').count(), { timeout: 20_000 }).toBe(cell.n);
    expect(await page.getByTestId('metric-accuracy').innerText()).toContain(pct(cell.accuracy));
    expect(await page.locator('[data-testid=example-row][data-status=correct]').count()).toBe(cell.correct);
    expect(await page.locator('[data-testid=example-row][data-status=invalid]').count()).toBe(answers.filter((a) => a.extracted === null).length);
    const gold = page.locator('.examples-table th[data-column=gold] button');
    await gold.click();
    await gold.click();
    const golds = await columnTexts(page, '[data-testid=example-row]', 5);
    expect(golds.map(Number)).toEqual(answers.map((a) => Number(a.gold)).sort((a, b) => b - a));
    await page.screenshot({ path: join(SHOTS, 'distill-cell.png'), fullPage: false });
  });
});
