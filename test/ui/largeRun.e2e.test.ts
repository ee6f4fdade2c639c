/**
 * `apprentice ui` on a run too large to send whole (more than INLINE_EXAMPLES records), in headless Chromium:
 * the run page shows the first page, and the table's filter, search, "Show more" and sort ask the server for
 * pages (GET /api/run/examples) instead of filtering rows it holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeRunRecord, writeLargeRun } from '../perf/support/largeRun.js';
import { chromiumAvailable, columnTexts, openDashboard, type Dashboard } from './harness.js';

const RECORDS = 2_500;

describe.skipIf(!chromiumAvailable)('apprentice ui pages through a large run in headless Chromium', () => {
  let root: string;
  let dashboard: Dashboard;
  let page: Page;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-ui-large-'));
    writeLargeRun(
      join(root, 'big'),
      Array.from({ length: RECORDS }, (_, i) => largeRunRecord(i)),
      RECORDS,
    );
    dashboard = await openDashboard(root);
    page = dashboard.page;
  }, 120_000);
  afterAll(async () => {
    await dashboard?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const rows = () => page.getByTestId('example-row');
  const countText = () => page.getByTestId('example-count').innerText();
  const shownIndices = async () => (await columnTexts(page, '[data-testid=example-row]', 0)).map(Number);

  it('shows the first page, then filters, searches, shows more and sorts through the server', async () => {
    const pages: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/run/examples')) pages.push(request.url());
    });
    await page.goto(`${dashboard.url}/#/run/big`);
    await expect.poll(countText, { timeout: 60_000 }).toBe('2,500 of 2,500 examples');
    expect(await rows().count()).toBe(100);
    expect(pages).toHaveLength(0); // the first page came with the run

    await page.getByTestId('example-filter').selectOption('wrong');
    await expect.poll(countText, { timeout: 60_000 }).toBe('625 of 2,500 examples');
    expect((await shownIndices()).slice(0, 3)).toEqual([0, 4, 8]);
    await page.getByRole('button', { name: /Show more \(525 left\)/ }).click();
    await expect.poll(() => rows().count(), { timeout: 60_000 }).toBe(200);
    expect((await shownIndices())[199]).toBe(796);

    await page.getByTestId('example-search').fill('ex-2496');
    await expect.poll(countText, { timeout: 60_000 }).toBe('1 of 2,500 examples');
    expect(await shownIndices()).toEqual([2496]);

    await page.getByTestId('example-search').fill('');
    await page.getByTestId('example-filter').selectOption('all');
    const costHeader = page.locator('.examples-table th[data-column=cost] button');
    await costHeader.click();
    await costHeader.click(); // descending: the highest cost (index % 3 == 2), ties in index order
    await expect.poll(async () => (await shownIndices()).slice(0, 3), { timeout: 60_000 }).toEqual([2, 5, 8]);
    // Columns the server does not sort on are plain headers here.
    expect(await page.locator('.examples-table th[data-column=gold] button').count()).toBe(0);
    expect(pages.length).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
