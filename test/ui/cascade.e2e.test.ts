/**
 * The cascade page end to end: a folder written by `cascade calibrate` and `cascade eval` (loopback stand-ins),
 * served by `apprentice ui`, in headless Chromium: the runs list shows the cascade with its scored splits grouped
 * under it, and its page shows the cost-accuracy curve with 95% intervals, the chosen threshold and teacher share,
 * every threshold, and the test evaluation (teacher calls and cost saved, accuracy lost with McNemar's p).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CascadeEvaluation, Calibration } from '../../src/cascade/results.js';
import { chromiumAvailable, openDashboard, SHOTS, type Dashboard } from './harness.js';
import { makeCascade } from './pipelineFixtures.js';

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

describe.skipIf(!chromiumAvailable)('the cascade page in headless Chromium', () => {
  let calibration: Calibration;
  let evaluation: CascadeEvaluation;
  let dashboard: Dashboard;
  let url: string;
  let page: Page;

  beforeAll(async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'apprentice-ui-cascade-')), 'runs');
    ({ calibration, evaluation } = await makeCascade(root, 'cascade'));
    dashboard = await openDashboard(root);
    ({ url, page } = dashboard);
  }, 180_000);

  afterAll(async () => {
    await dashboard?.close();
  });

  it('lists the cascade, its scored splits grouped under it', async () => {
    await page.goto(`${url}/`);
    await expect.poll(() => page.getByTestId('cascade-row').count(), { timeout: 20_000 }).toBe(1);
    const row = await page.getByTestId('cascade-row').innerText();
    expect(row).toContain(`threshold ${calibration.chosen!.threshold.toFixed(4)}, teacher share ${pct(calibration.chosen!.teacherShare)}`);
    expect(row).toContain('evaluated on test');
    expect(await page.getByTestId('run-row').count()).toBe(0);
    await page.getByTestId('cascade-row').getByRole('link').click();
    await expect.poll(() => page.getByTestId('chosen-threshold').count(), { timeout: 20_000 }).toBe(1);
  });

  it('shows the curve with intervals, the chosen threshold, teacher share and the paired test on test', async () => {
    await page.goto(`${url}/#/cascade/cascade`);
    await expect.poll(() => page.getByTestId('curve-table').locator('tbody tr').count(), { timeout: 20_000 }).toBe(calibration.curve.length);
    const chosen = calibration.chosen!;
    expect(await page.getByTestId('chosen-threshold').innerText()).toContain(chosen.threshold.toFixed(4));
    expect(await page.getByTestId('teacher-share').innerText()).toContain(
      `${pct(chosen.teacherShare)} [${pct(chosen.teacherShareCi95[0])}, ${pct(chosen.teacherShareCi95[1])}]`,
    );
    expect(await page.getByTestId('chosen-row').innerText()).toContain(
      `${pct(chosen.accuracy)} [${pct(chosen.accuracyCi95[0])}, ${pct(chosen.accuracyCi95[1])}]`,
    );
    // The curve: the cascade's line with its interval band, and the points of the single models and the choice.
    expect(await page.locator('[data-testid=chart] svg g.mark-line path').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=chart] svg g.mark-area path').count()).toBeGreaterThan(0);
    const evaluated = await page.getByTestId('evaluation-table').innerText();
    expect(evaluated).toContain(`${pct(evaluation.cascade.accuracy)} [${pct(evaluation.cascade.accuracyCi95[0])}, ${pct(evaluation.cascade.accuracyCi95[1])}]`);
    expect(evaluated).toContain(pct(evaluation.teacherCallsSaved));
    expect(evaluated).toContain(evaluation.accuracyLost.mcnemarP < 0.0001 ? '< 0.0001' : evaluation.accuracyLost.mcnemarP.toFixed(4));
    expect(evaluation.costSavedUsd).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'cascade.png'), fullPage: true });
  });

  it('answers 404 for a folder that holds no cascade', async () => {
    await page.goto(`${url}/#/cascade/nothing-here`);
    await expect.poll(() => page.getByRole('alert').innerText(), { timeout: 20_000 }).toContain('no cascade calibration "nothing-here"');
  });
});
