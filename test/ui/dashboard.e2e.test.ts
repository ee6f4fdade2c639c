/**
 * `apprentice ui` end to end: the real CLI serves run folders made by the real CLI, and Debian's
 * headless Chromium (driven by playwright-core) loads every page, checks charts, search, filters
 * and the paired test, and saves screenshots into test-artifacts/ui/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/runCli.js';
import { makeDashboardRuns, SPOILED_INVALID, SPOILED_WRONG, type DashboardRuns } from './fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(PROJECT_ROOT, 'test-artifacts', 'ui');
// CI installs Chromium (.ci/run); elsewhere the test is skipped when it is missing.
const available = existsSync(CHROMIUM) || Boolean(process.env.CI);

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

describe.skipIf(!available)('apprentice ui in headless Chromium', () => {
  let runs: DashboardRuns;
  let server: ChildProcess;
  let url: string;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    runs = await makeDashboardRuns();
    server = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'apprentice.js'), 'ui', '--runs', runs.root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      server.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /at (http:\/\/\S+?)\/?\n/.exec(out);
        if (match) resolve(match[1] as string);
      });
      server.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
      server.on('exit', (code) => reject(new Error(`apprentice ui exited ${code}: ${err}`)));
    });
    // A fresh profile folder each run (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'apprentice-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  const runId = (dir: string) => relative(runs.root, dir).split('\\').join('/');
  const records = (dir: string) => readFileSync(join(dir, 'records.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record);
  const rows = () => page.getByTestId('example-row');
  const countText = () => page.getByTestId('example-count').innerText();
  const statusesShown = async () => Promise.all((await rows().all()).map((row) => row.getAttribute('data-status')));

  it('lists every run folder under --runs, nested ones too', async () => {
    await page.goto(`${url}/`);
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 20_000 }).toBe(2);
    const text = await page.locator('table.runs').innerText();
    expect(text).toContain(runId(runs.palm));
    expect(text).toContain(runId(runs.spoiled));
    expect(text).toContain('78.0% [72.0%, 83.5%]');
    await page.screenshot({ path: join(SHOTS, 'runs.png'), fullPage: true });
  });

  it('shows a run: metrics, charts with marks, every example', async () => {
    await page.goto(`${url}/#/run/${encodeURIComponent(runId(runs.palm))}`);
    await expect.poll(() => page.getByTestId('metric-accuracy').innerText(), { timeout: 20_000 }).toContain('78.0% [72.0%, 83.5%]');
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
