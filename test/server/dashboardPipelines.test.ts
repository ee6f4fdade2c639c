/**
 * The dashboard API over other pipelines' folders, with fastify's inject: a `grimoire eval` root and
 * a distillation sweep written by the real pipelines, and broken ones (no summary.json yet, a
 * summary.json or results.json of another shape, not JSON at all) that give a clear 4xx and a
 * listing that says what is wrong or leaves them out, never a crash.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuickstartResult } from '../../src/distill/quickstart.js';
import type { GrimoireEvalResult } from '../../src/grimoire/evaluate.js';
import { methodLabel } from '../../src/grimoire/evalResult.js';
import { validationHeadline } from '../../src/grimoire/headline.js';
import type { DistillCellDetail, DistillSweepDetail, GrimoireEvalDetail, RunsResponse } from '../../src/server/dashboard/api.js';
import { buildDashboardApp } from '../../src/server/dashboard/app.js';
import { makeDistillSweep, makeGrimoireEval } from '../ui/pipelineFixtures.js';

const GRIMOIRE_CONFIG = {
  identity: { kind: 'grimoire-eval', dataset: 'grimoire:/x/Toy', split: 'test', weak: 'w', examples: [0, 1] },
  command: 'grimoire eval',
};

describe('dashboard API over grimoire evaluations and distillation sweeps', () => {
  let root: string;
  let grimoire: GrimoireEvalResult;
  let sweep: QuickstartResult;
  let app: ReturnType<typeof buildDashboardApp>;

  beforeAll(async () => {
    root = join(mkdtempSync(join(tmpdir(), 'apprentice-dashboard-pipelines-')), 'runs');
    [{ result: grimoire }, sweep] = await Promise.all([makeGrimoireEval(root, 'grimoire-eval', { real: false }), makeDistillSweep(root, 'sweeps/qs')]);
    const folder = (name: string, files: Record<string, string>) => {
      mkdirSync(join(root, name), { recursive: true });
      for (const [file, body] of Object.entries(files)) writeFileSync(join(root, name, file), body);
    };
    folder('unfinished', { 'config.json': JSON.stringify(GRIMOIRE_CONFIG) });
    folder('wrong-shape', { 'config.json': JSON.stringify(GRIMOIRE_CONFIG), 'summary.json': JSON.stringify({ task: 'Toy', methods: 'none' }) });
    folder('not-json', { 'config.json': JSON.stringify(GRIMOIRE_CONFIG), 'summary.json': '{"task": "Toy", "meth' });
    folder('other-results', { 'results.json': JSON.stringify({ kind: 'something-else', cells: [] }) });
    folder('broken-sweep', { 'results.json': '{"kind": "apprentice-distill-results"' });
    app = buildDashboardApp({ runsDir: root, uiDir: root });
  }, 120_000);

  afterAll(() => app?.close());

  const get = async <T>(url: string) => {
    const response = await app.inject({ method: 'GET', url, headers: { host: '127.0.0.1' } });
    return { status: response.statusCode, body: response.json() as T };
  };
  const idOf = (dir: string) => relative(root, dir).split('\\').join('/');

  it('lists grimoire evaluations and sweeps, groups their runs under them, and says what is wrong with broken ones', async () => {
    const { status, body } = await get<RunsResponse>('/api/runs');
    expect(status).toBe(200);
    const evals = Object.fromEntries(body.grimoireEvals.map((g) => [g.id, g]));
    expect(Object.keys(evals).sort()).toEqual(['grimoire-eval', 'not-json', 'unfinished', 'wrong-shape']);
    expect(evals['grimoire-eval']).toMatchObject({ task: 'Toy', split: 'test', n: grimoire.n, methods: grimoire.methods.length, problem: null, errors: 0 });
    const selection = grimoire.methods.find((m) => m.method === 'best-single')!.selectionCostUsd!;
    expect(selection).toBeGreaterThan(0);
    expect(evals['grimoire-eval']?.costUsd).toBeCloseTo(grimoire.methods.reduce((sum, m) => sum + m.costUsd, 0) + selection, 12);
    // The headline is the method chosen on validation, with its test accuracy (never the highest on test).
    const chosen = validationHeadline(grimoire)!.method;
    expect(['best-single', 'ranker']).toContain(chosen.method);
    expect(evals['grimoire-eval']?.headline).toMatchObject({
      label: methodLabel(chosen),
      accuracy: { value: chosen.accuracy },
      why: expect.stringContaining('validation'),
    });
    expect(evals.unfinished?.problem).toContain('no summary.json yet');
    expect(evals['wrong-shape']?.problem).toMatch(/^summary.json is not a grimoire evaluation result \(\w+: .*expected/);
    expect(evals['not-json']?.problem).toContain('not a grimoire evaluation result');

    expect(body.distillSweeps.map((s) => s.id)).toEqual(['sweeps/qs']);
    expect(body.distillSweeps[0]).toMatchObject({
      cells: sweep.sweep.cells.length,
      testSize: 16,
      methods: ['standard-ft', 'cot-zero-shot-cot', 'step-by-step-gold', 'standard-distill', 'step-by-step'],
      fractions: [0.5, 1],
      seeds: [0],
    });

    const groupOf = (id: string) => body.runs.find((run) => run.id === id)?.group;
    for (const method of grimoire.methods) expect(groupOf(idOf(method.runDir))).toEqual({ kind: 'grimoire', id: 'grimoire-eval' });
    expect(groupOf('grimoire-eval/validation/a')).toEqual({ kind: 'grimoire', id: 'grimoire-eval' });
    expect(groupOf('sweeps/qs/annotations/train')).toEqual({ kind: 'distill', id: 'sweeps/qs' });
  });

  it('gives a grimoire evaluation: methods with their runs, what validation chose, routing counts, charts', async () => {
    const { status, body } = await get<GrimoireEvalDetail>('/api/grimoire?id=grimoire-eval');
    expect(status).toBe(200);
    expect(body.methods.map((m) => m.key)).toEqual(['zero-shot', 'few-shot-random', 'single/a', 'single/b', 'single/c', 'best-single', 'similarity', 'ranker']);
    body.methods.forEach((view, i) => {
      const method = grimoire.methods[i]!;
      expect(view.runId).toBe(idOf(method.runDir));
      expect(view).toMatchObject({ n: method.n, correct: method.correct, invalid: method.invalid, errors: method.errors, costUsd: method.costUsd });
      expect(view.accuracy).toEqual({ value: method.accuracy, ci95: method.ci95 });
    });
    expect(body.methods.find((m) => m.method === 'best-single')?.label).toBe(`best single grimoire (${grimoire.bestSingle!.grimoire}, chosen on validation)`);
    expect(body.bestSingle).toEqual(grimoire.bestSingle);
    expect(body.validation?.grimoires.map((g) => [g.id, g.runId])).toEqual([
      ['a', 'grimoire-eval/validation/a'],
      ['b', 'grimoire-eval/validation/b'],
      ['c', 'grimoire-eval/validation/c'],
    ]);
    expect(body.ranker?.checkQuestions).toBe(grimoire.ranker!.validation.checkQuestions);
    for (const method of ['similarity', 'ranker']) {
      const routed = body.routing.methods.find((m) => m.key === method)!;
      expect(routed.counts).toEqual(grimoire.methods.find((m) => m.method === method)!.chosen);
      expect(routed.total).toBe(grimoire.n);
    }
    expect(body.charts.map((chart) => chart.title)).toEqual([
      expect.stringContaining('Test accuracy per method'),
      expect.stringContaining('Validation accuracy per grimoire'),
      expect.stringContaining('Grimoire chosen per question'),
    ]);
    for (const chart of body.charts) expect(chart.svg).toContain('mark-rect');
    // The method runs the page links to exist.
    expect((await get(`/api/run?id=${encodeURIComponent(body.methods[0]!.runId!)}`)).status).toBe(200);
  });

  it('answers 404 / 422 with a message for unfinished, malformed or missing grimoire evaluations', async () => {
    const expectError = async (url: string, status: number, text: string | RegExp) => {
      const response = await get<{ error: { message: string } }>(url);
      expect(response.status, url).toBe(status);
      expect(response.body.error.message, url).toMatch(text);
    };
    await expectError('/api/grimoire?id=unfinished', 404, /has not finished/);
    await expectError('/api/grimoire?id=wrong-shape', 422, /not a grimoire evaluation result/);
    await expectError('/api/grimoire?id=not-json', 422, /not a grimoire evaluation result/);
    await expectError('/api/grimoire?id=grimoire-eval%2Fzero-shot', 404, /no grimoire evaluation/);
    await expectError('/api/grimoire?id=..%2F..%2Fetc', 404, /no grimoire evaluation/);
    await expectError('/api/grimoire', 400, /\?id=/);
    await expectError('/api/distill?id=other-results', 422, /not the results of a distillation sweep/);
    await expectError('/api/distill?id=broken-sweep', 422, /not the results of a distillation sweep/);
    await expectError('/api/distill?id=grimoire-eval', 404, /no distillation sweep/);
    // A cell folder without answers (as a cell that was not trained leaves it).
    const unanswered = join(sweep.out, 'cells', 'standard-ft', 'f0.25-s0');
    mkdirSync(unanswered, { recursive: true });
    await expectError(`/api/distill/cell?id=${encodeURIComponent(idOf(unanswered))}`, 404, /no distillation cell/);
    await expectError('/api/distill/cell?id=%2Fetc', 404, /no distillation cell/);
  });

  it('gives a sweep: points, every cell with its folder, teacher, generic ability and the data-efficiency chart', async () => {
    const { status, body } = await get<DistillSweepDetail>('/api/distill?id=sweeps%2Fqs');
    expect(status).toBe(200);
    const results = JSON.parse(readFileSync(sweep.report.results, 'utf8')) as { verdict: string[] };
    expect(body.verdict).toEqual(results.verdict);
    expect(body.cells).toHaveLength(sweep.sweep.cells.length);
    sweep.sweep.cells.forEach((cell, i) => {
      const view = body.cells[i]!;
      expect(view).toMatchObject({
        method: cell.method,
        fraction: cell.fraction,
        seed: cell.seed,
        inputs: cell.inputs,
        bestStep: cell.training.bestStep,
        skipped: cell.skipped ?? null,
      });
      if (cell.skipped) expect(view).toMatchObject({ id: null, accuracy: null });
      else expect(view).toMatchObject({ id: idOf(cell.dir), accuracy: { value: cell.accuracy, ci95: cell.ci95 } });
    });
    expect(body.points.map((p) => [p.method, p.fraction, p.accuracy.value])).toEqual(sweep.sweep.points.map((p) => [p.method, p.fraction, p.accuracy]));
    expect(body.teacher.map((t) => t.label)).toEqual([sweep.teacher.test.label, sweep.teacher.pool.label]);
    expect(body.generic?.rows.map((r) => r.role)).toEqual(['before', 'after']);
    expect(body.charts[0]?.title).toContain('Data efficiency');
    expect(body.charts[0]?.svg).toContain('mark-line');
  });

  it("gives a cell's test answers as example rows, invalid answers apart", async () => {
    const cell = sweep.sweep.cells.find((c) => !c.skipped)!;
    const { status, body } = await get<DistillCellDetail>(`/api/distill/cell?id=${encodeURIComponent(idOf(cell.dir))}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ sweepId: 'sweeps/qs', cell: { method: cell.method, fraction: cell.fraction, seed: cell.seed } });
    expect(body.examples).toHaveLength(cell.n);
    expect(body.summary).toMatchObject({ n: cell.n, correct: cell.correct, invalid: cell.invalid });
    expect(body.summary.accuracy?.value).toBeCloseTo(cell.accuracy, 12);
    expect(body.examples.filter((row) => row.status === 'correct')).toHaveLength(cell.correct);
    expect(body.examples.filter((row) => row.status === 'invalid')).toHaveLength(cell.invalid);
    expect(typeof body.examples[0]?.prompt).toBe('string');
  });
});
