/**
 * The run page's configuration with long lists cut short (configView.ts): an eval's config.json lists every
 * example index, which at a million examples made every run page 7 MB; short lists (labels) stay whole.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../src/server/dashboard/api.js';
import { startDashboard, type DashboardServer } from '../../src/server/dashboard/app.js';
import { configView, SHOWN_LIST_ITEMS } from '../../src/server/dashboard/configView.js';
import { writeDashboardRun } from '../support/dashboardRuns.js';

const EXAMPLES = 50_000;
const LABELS = ['negative', 'neutral', 'positive'];

describe('configView', () => {
  it('cuts lists longer than SHOWN_LIST_ITEMS at any depth and says how many more there are', () => {
    const long = Array.from({ length: SHOWN_LIST_ITEMS + 5 }, (_, i) => i);
    expect(configView({ a: { b: [long] }, labels: LABELS, n: 3, name: null })).toEqual({
      a: { b: [[...long.slice(0, SHOWN_LIST_ITEMS), `… 5 more (${SHOWN_LIST_ITEMS + 5} in all)`]] },
      labels: LABELS,
      n: 3,
      name: null,
    });
    const exact = Array.from({ length: SHOWN_LIST_ITEMS }, (_, i) => `label ${i}`);
    expect(configView(exact)).toEqual(exact);
  });
});

describe('the run page of a run listing every example index in config.json', () => {
  let root: string;
  let server: DashboardServer;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-run-config-'));
    writeDashboardRun(root, 'run', 10);
    const identity = { dataset: 'run.jsonl', split: 'test', model: 'openai:m', labels: LABELS, examples: Array.from({ length: EXAMPLES }, (_, i) => i) };
    writeFileSync(join(root, 'run', 'config.json'), JSON.stringify({ command: 'eval', identity }, null, 2));
    server = await startDashboard({ runsDir: root, uiDir: root });
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows the first indices and the count, the labels whole, in a small answer', async () => {
    const response = await fetch(`${server.url}/api/run?id=run`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body.length).toBeLessThan(60_000); // the indices alone are 288,891 characters of JSON
    const detail = JSON.parse(body) as RunDetail;
    const identity = (detail.config as { identity: { examples: unknown[]; labels: string[]; model: string } }).identity;
    expect(identity.labels).toEqual(LABELS);
    expect(identity.model).toBe('openai:m');
    expect(identity.examples).toHaveLength(SHOWN_LIST_ITEMS + 1);
    expect(identity.examples.slice(0, 3)).toEqual([0, 1, 2]);
    expect(identity.examples.at(-1)).toBe(`… 49,800 more (50,000 in all)`);
    expect(detail.run.label).toBe('openai:m'); // the listing is read from the whole config
  });
});
