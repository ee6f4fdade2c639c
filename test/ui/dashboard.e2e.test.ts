/**
 * `apprentice ui` end to end: the real CLI serves run folders made by the real CLI, and Debian's
 * headless Chromium (driven by playwright-core) loads every page, checks charts, search, filters
 * and the paired test, and saves screenshots into test-artifacts/ui/.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDashboardRuns, SPOILED_INVALID, SPOILED_WRONG, type DashboardRuns } from './fixtures.js';
import { chromiumAvailable, columnTexts, openDashboard, SHOTS, type Dashboard } from './harness.js';

interface Record {
  index: number;
  id: string;
  prompt: { content: string }[] | null;
  output: string | null;
  extracted: string | null;
  gold: string;
  correct: boolean;
  valid: boolean;
}

describe.skipIf(!chromiumAvailable)('apprentice ui in headless Chromium', () => {
  let runs: DashboardRuns;
  let dashboard: Dashboard;
  let url: string;
  let page: Page;

  beforeAll(async () => {
    runs = await makeDashboardRuns();
    dashboard = await openDashboard(runs.root);
    ({ url, page } = dashboard);
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  const runId = (dir: string) => relative(runs.root, dir).split('\\').join('/');
  const records = (dir: string) =>
    readFileSync(join(dir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record);
  const rows = () => page.getByTestId('example-row');
  const countText = () => page.getByTestId('example-count').innerText();
  const statusesShown = async () => Promise.all((await rows().all()).map((row) => row.getAttribute('data-status')));

  it('lists every run folder under --runs, nested ones too', async () => {
    await page.goto(`${url}/`);
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 20_000 }).toBe(2);
    const text = await page.locator('table.runs').innerText();
    expect(text).toContain(runId(runs.palm));
    expect(text).toContain(runId(runs.spoiled));
    expect(text).toContain('78.0% [71.8%, 83.2%]');
    await page.screenshot({ path: join(SHOTS, 'runs.png'), fullPage: true });
  });

  it('shows a run: metrics, charts with marks, every example', async () => {
    await page.goto(`${url}/#/run/${encodeURIComponent(runId(runs.palm))}`);
    await expect.poll(() => page.getByTestId('metric-accuracy').innerText(), { timeout: 20_000 }).toContain('78.0% [71.8%, 83.2%]');
    expect(await page.getByTestId('chart').count()).toBeGreaterThanOrEqual(2);
    // vega draws bars as paths inside mark groups: the charts have data marks, not just axes.
    expect(await page.locator('[data-testid=chart] svg g.mark-rect path').count()).toBeGreaterThan(0);
    expect(await countText()).toBe('200 of 200 examples');
    expect(await rows().count()).toBe(100); // first page; the rest behind "Show more"
    await page.screenshot({ path: join(SHOTS, 'run.png'), fullPage: false });
  });

  it('searches and filters the examples, and expands one', async () => {
    const all = records(runs.palm);
    const haystack = (r: Record) => [r.index, r.id, ...(r.prompt ?? []).map((m) => m.content), r.output, r.extracted, r.gold].join('\n').toLowerCase();
    const withMarbles = all.filter((r) => haystack(r).includes('marbles'));
    expect(withMarbles.length).toBeGreaterThan(0);
    expect(withMarbles.length).toBeLessThan(all.length);

    await page.getByTestId('example-search').fill('marbles');
    await expect.poll(countText, { timeout: 20_000 }).toBe(`${withMarbles.length} of 200 examples`);
    expect(await rows().count()).toBe(withMarbles.length);
    expect(await rows().first().locator('td').first().innerText()).toBe(String(withMarbles[0]?.index));

    await page.getByTestId('example-search').fill('');
    await page.getByTestId('example-filter').selectOption('wrong');
    const wrong = all.filter((r) => r.valid && !r.correct);
    await expect.poll(countText, { timeout: 20_000 }).toBe(`${wrong.length} of 200 examples`);
    const statuses = await statusesShown();
    expect(statuses.length).toBe(wrong.length);
    expect(new Set(statuses)).toEqual(new Set(['wrong']));

    await rows().first().click();
    const detail = page.getByTestId('example-detail');
    await expect.poll(() => detail.count(), { timeout: 20_000 }).toBe(1);
    const detailText = await detail.innerText();
    expect(detailText.toLowerCase()).toContain('raw output');
    expect(detailText).toContain(wrong[0]?.output ?? '');
    await page.screenshot({ path: join(SHOTS, 'run-wrong-expanded.png'), fullPage: false });
  });

  it('shows invalid answers of a run on their own', async () => {
    await page.goto(`${url}/#/run/${encodeURIComponent(runId(runs.spoiled))}`);
    await page.getByTestId('example-filter').selectOption('invalid');
    await expect.poll(countText, { timeout: 20_000 }).toBe(`${SPOILED_INVALID} of 200 examples`);
    expect(new Set(await statusesShown())).toEqual(new Set(['invalid']));
  });

  it('sorts the runs and the examples by a clicked column header, keeping the search', async () => {
    await page.goto(`${url}/`);
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 20_000 }).toBe(2);
    const accuracyHeader = page.locator('table.runs th[data-column=accuracy]');
    const runIds = () => columnTexts(page, '[data-testid=run-row]', 1);
    await accuracyHeader.locator('button').click();
    await expect.poll(() => accuracyHeader.getAttribute('aria-sort')).toBe('ascending');
    expect((await runIds())[0]).toContain(runId(runs.spoiled)); // the spoiled copy is less accurate
    await accuracyHeader.locator('button').click();
    await expect.poll(() => accuracyHeader.getAttribute('aria-sort')).toBe('descending');
    expect((await runIds())[0]).toContain(runId(runs.palm));

    await page.goto(`${url}/#/run/${encodeURIComponent(runId(runs.palm))}`);
    await page.getByTestId('example-search').fill('marbles');
    const all = records(runs.palm).filter((r) =>
      [...(r.prompt ?? []).map((m) => m.content), r.output, r.extracted, r.gold, r.id].join('\n').toLowerCase().includes('marbles'),
    );
    await expect.poll(countText, { timeout: 20_000 }).toBe(`${all.length} of 200 examples`);
    const indexHeader = page.locator('.examples-table th[data-column=index]');
    const shownIndices = async () => (await columnTexts(page, '[data-testid=example-row]', 0)).map(Number);
    const ascending = all.map((r) => r.index);
    expect(await shownIndices()).toEqual(ascending);
    await indexHeader.locator('button').click(); // ascending: the order it had
    await indexHeader.locator('button').click();
    await expect.poll(() => indexHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await shownIndices()).toEqual([...ascending].reverse());
    const goldHeader = page.locator('.examples-table th[data-column=gold]');
    await goldHeader.locator('button').click();
    await expect.poll(() => goldHeader.getAttribute('aria-sort')).toBe('ascending');
    const golds = await columnTexts(page, '[data-testid=example-row]', 5);
    const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
    expect(golds).toEqual([...golds].sort(collator.compare));
    expect(golds.length).toBe(all.length); // still only the search's rows
    await page.screenshot({ path: join(SHOTS, 'run-sorted.png'), fullPage: false });
  });

  it('compares two runs with McNemar and the paired bootstrap', async () => {
    const base = records(runs.palm);
    const lost = base.filter((r) => r.index < SPOILED_WRONG + SPOILED_INVALID && r.correct).length;
    await page.goto(`${url}/`);
    await page.getByLabel(`select ${runId(runs.palm)}`).check();
    await page.getByLabel(`select ${runId(runs.spoiled)}`).check();
    await page.getByTestId('compare-selected').click();
    await expect.poll(() => page.getByTestId('mcnemar-p').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByTestId('mcnemar-p').innerText()).toBe('< 0.0001');
    const row = await page.getByTestId('paired-row').innerText();
    expect(row).toContain(`−${((lost / 200) * 100).toFixed(1)} pts`);
    expect(row).toMatch(new RegExp(`\\b${lost}\\b`));
    expect(await page.locator('[data-testid=chart] svg g.mark-rect path').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
  });

  it('plots score against model size from scale analyze results', async () => {
    await page.goto(`${url}/#/scaling`);
    await expect.poll(() => page.getByTestId('scaling-source').count(), { timeout: 20_000 }).toBe(1);
    const text = await page.getByTestId('scaling-source').innerText();
    expect(text).toContain('arithmetic');
    expect(text).toContain('sentiment');
    expect(await page.getByTestId('chart').count()).toBe(3);
    expect(await page.locator('[data-testid=chart] svg g.mark-line path').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=chart] svg g.mark-symbol path').count()).toBeGreaterThanOrEqual(8);
    await page.screenshot({ path: join(SHOTS, 'scaling.png'), fullPage: true });
  });
});
