/** The dashboard's JSON API with fastify's inject: run discovery, leniently read records, comparisons, scaling, safety. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareResponse, RunDetail, RunListing, RunsResponse, ScalingResponse } from '../../src/server/dashboard/api.js';
import { buildDashboardApp } from '../../src/server/dashboard/app.js';
import type { ExampleRecord } from '../../src/eval/records.js';
import { openRunDir } from '../../src/runs/runDir.js';

const record = (index: number, over: Partial<ExampleRecord> & { grimoire?: string }): ExampleRecord & { grimoire?: string } => ({
  index,
  id: `ex-${index}`,
  prompt: [{ role: 'user', content: `question ${index}` }],
  output: `answer ${index}`,
  extracted: 'A',
  gold: 'A',
  valid: true,
  correct: true,
  usage: { promptTokens: 10, completionTokens: 5 },
  costUsd: 0.001,
  latencyMs: 20,
  cached: false,
  ...over,
});

describe('dashboard API', () => {
  let root: string;
  let uiDir: string;
  const app = () => buildDashboardApp({ runsDir: root, uiDir });
  let dashboard: ReturnType<typeof app>;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-ui-api-'));
    uiDir = mkdtempSync(join(tmpdir(), 'apprentice-ui-static-'));
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>app</title>');
    mkdirSync(join(uiDir, 'assets'));
    writeFileSync(join(uiDir, 'assets', 'app-1.js'), 'console.log(1)');
    // A grimoire run: records carry the grimoire used; one failed call, one invalid answer.
    const a = openRunDir(join(root, 'grimoire', 'test', 'routed'), {
      identity: { weak: 'tiny', split: 'test', examples: [0, 1, 2, 3, 4] },
      resolved: { command: 'grimoire eval', method: 'test/routed' },
    });
    a.append(record(0, { grimoire: 'g-short' }));
    a.append(record(1, { grimoire: 'g-long', extracted: 'B', correct: false }));
    a.append(record(2, { grimoire: 'g-short', extracted: null, valid: false, correct: false, invalidReason: 'no label found' }));
    a.append(record(3, { grimoire: 'g-long', output: null, extracted: null, correct: null, error: { kind: 'timeout', message: 'took too long' } }));
    // Another pipeline's record with its own fields and none of the usage fields.
    const b = openRunDir(join(root, 'distill'), { identity: { teacher: 'big', examples: [0, 1, 2, 3] }, resolved: { command: 'distill annotate' } });
    for (const index of [0, 1, 2, 3])
      b.append({ index, gold: 'A', extracted: index === 0 ? 'B' : 'A', valid: true, correct: index !== 0, rationale: `because ${index}` } as never);
    // Not runs: a config without records, and a hidden folder.
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'empty', 'config.json'), '{}');
    const hidden = openRunDir(join(root, '.cache', 'x'), { identity: {}, resolved: {} });
    hidden.append(record(0, {}));
    mkdirSync(join(root, 'scale'));
    writeFileSync(
      join(root, 'scale', 'scores.csv'),
      'model,params,task,metric,score,labels\ns,1e8,t,accuracy,0.3,4\nm,1e9,t,accuracy,0.5,4\nl,1e10,t,accuracy,0.8,4\n',
    );
    dashboard = app();
  });

  afterAll(() => dashboard.close());

  const get = async <T>(url: string, headers: Record<string, string> = {}) => {
    const response = await dashboard.inject({ method: 'GET', url, headers: { host: '127.0.0.1:4173', ...headers } });
    return { status: response.statusCode, body: response.json() as T, headers: response.headers };
  };

  it('lists every run folder with config.json and records.jsonl, at any depth', async () => {
    const { status, body } = await get<RunsResponse>('/api/runs');
    expect(status).toBe(200);
    const ids = body.runs.map((run) => run.id).sort();
    expect(ids).toEqual(['distill', 'grimoire/test/routed']);
    // No grimoire eval root (its config.json + summary.json) nor sweep results here: nothing groups these runs.
    expect(body).toMatchObject({ grimoireEvals: [], distillSweeps: [] });
    expect(body.runs.map((run) => run.group)).toEqual([null, null]);
    const routed = body.runs.find((run) => run.id === 'grimoire/test/routed') as RunListing;
    expect(routed).toMatchObject({ command: 'grimoire eval', model: 'tiny', n: 5, records: 4, scored: 3, correct: 1, invalid: 1, errors: 1 });
    expect(routed.label).toContain('test/routed');
    expect(routed.accuracy?.value).toBeCloseTo(1 / 3);
  });

  it('gives a run with its examples, the grimoire used, extra fields and charts', async () => {
    const { body } = await get<RunDetail>('/api/run?id=grimoire%2Ftest%2Frouted');
    expect(body.summary).toMatchObject({ n: 5, missing: 1, errors: 1, errorsByKind: { timeout: 1 }, promptTokens: 40, completionTokens: 20 });
    expect(body.summary.costUsd).toBeCloseTo(0.004);
    expect(body.examples.map((row) => row.status)).toEqual(['correct', 'wrong', 'invalid', 'error']);
    expect(body.examples[0]).toMatchObject({ grimoire: 'g-short', prompt: [{ role: 'user', content: 'question 0' }] });
    expect(body.examples[2]?.fields).toContainEqual({ label: 'why invalid', value: 'no label found' });
    expect(body.examples[3]?.fields).toContainEqual({ label: 'error (timeout)', value: 'took too long' });
    const titles = body.charts.map((chart) => chart.title);
    expect(titles).toEqual(
      expect.arrayContaining(['Accuracy (95% Wilson CI)', 'Outcomes (share of examples run)', 'Accuracy by grimoire used (95% Wilson CI)']),
    );
    for (const chart of body.charts) expect(chart.svg).toMatch(/^<svg[\s\S]*<\/svg>$/);

    const distill = await get<RunDetail>('/api/run?id=distill');
    expect(distill.body.examples[0]).toMatchObject({ status: 'wrong', prompt: null, costUsd: 0 });
    expect(distill.body.examples[0]?.fields).toContainEqual({ label: 'rationale', value: 'because 0' });
  });

  it('refuses ids outside the runs folder or that are not runs', async () => {
    for (const id of ['../etc', '/etc', 'empty', 'nope', '.']) {
      const { status, body } = await get<{ error: { message: string } }>(`/api/run?id=${encodeURIComponent(id)}`);
      expect(status, id).toBe(404);
      expect(body.error.message).toContain('no run');
    }
    expect((await get('/api/run')).status).toBe(400);
    expect((await get('/api/compare?id=distill')).status).toBe(400);
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('compares runs pairwise against the first, and explains runs that cannot be paired', async () => {
    const { body } = await get<CompareResponse>('/api/compare?id=distill&id=grimoire%2Ftest%2Frouted');
    expect(body.runs.map((run) => run.id)).toEqual(['distill', 'grimoire/test/routed']);
    const [comparison] = body.comparisons;
    // Scored in both: examples 0, 1, 2. distill: wrong, right, right; routed: right, wrong, wrong (invalid).
    expect(comparison).toMatchObject({ paired: 3, mcnemar: { onlyA: 2, onlyB: 1 }, problem: null });
    expect(comparison?.mcnemar?.pValue).toBeGreaterThan(0.05);
    expect(body.charts.length).toBe(2);
  });

  it('analyses score-row files found under the runs folder', async () => {
    const { body } = await get<ScalingResponse>('/api/scaling');
    expect(body.sources).toHaveLength(1);
    expect(body.sources[0]).toMatchObject({ path: 'scale/scores.csv', kind: 'scores', problem: null });
    expect(body.sources[0]?.tasks[0]?.scores.map((score) => score.model)).toEqual(['s', 'm', 'l']);
    expect(body.sources[0]?.charts[0]?.svg).toContain('<svg');
  });

  it('serves the built app with a content security policy, and index.html for app paths', async () => {
    const index = await dashboard.inject({ url: '/', headers: { host: 'localhost:4173' } });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    const asset = await dashboard.inject({ url: '/assets/app-1.js', headers: { host: 'localhost' } });
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    const escape = await dashboard.inject({ url: '/..%2f..%2fetc%2fpasswd', headers: { host: 'localhost' } });
    expect(escape.body).toContain('<title>app</title>');
  });

  it('refuses requests for other host names (DNS rebinding)', async () => {
    const { status } = await get('/api/runs', { host: 'evil.example:4173' });
    expect(status).toBe(403);
  });
});
