/**
 * One registry of results contracts for both readers: folders made by each pipeline (an eval run scored by the
 * eval job from predictions, a grimoire evaluation and a quickstart sweep written by the real pipelines, a
 * scaling folder whose analysis is written as `scale run` writes it) are recognised as the same kind by
 * `apprentice report` and the dashboard, and both render each one with the numbers its contract reads.
 * Every kind the registry lists must have such a folder, a report renderer and a dashboard page: a kind
 * added without them fails to compile here (the records below are keyed by kind) and fails the first test.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTILL_SWEEP } from '../../src/distill/sweepResults.js';
import { EVAL_RUN } from '../../src/eval/runResult.js';
import { GRIMOIRE_EVAL } from '../../src/grimoire/evalResult.js';
import { formatEstimate } from '../../src/report/format.js';
import { escapeHtml } from '../../src/report/html.js';
import { detectResult, RESULTS, type ResultKind } from '../../src/report/results.js';
import { writeReport } from '../../src/report/writeReport.js';
import { readResult } from '../../src/runs/resultContract.js';
import { analyzeScaling } from '../../src/scaling/analyzeScaling.js';
import type { ScaleEvaluation } from '../../src/scaling/scaleRun.js';
import { SCALING, writeScalingResults } from '../../src/scaling/scalingResults.js';
import type { CascadeDetail, DistillSweepDetail, GrimoireEvalDetail, RunDetail, RunsResponse, ScalingResponse } from '../../src/server/dashboard/api.js';
import { buildDashboardApp } from '../../src/server/dashboard/app.js';
import { findRunFiles } from '../../src/server/dashboard/runs.js';
import { makeCascade, makeDistillSweep, makeGrimoireEval } from '../ui/pipelineFixtures.js';
import { writeToyTask } from '../grimoire/fixtures.js';
import { runEvalJob } from '../../src/eval/job.js';
import { ModelHub } from '../../src/models/hub.js';
import { record, writeEvalRun } from './evalRunFixture.js';
import { accuracyRows } from './scalingFixture.js';

describe('the registry of results, read by the report and the dashboard alike', () => {
  let root: string;
  let app: ReturnType<typeof buildDashboardApp>;
  const dir = (name: string) => join(root, name);

  beforeAll(async () => {
    root = join(mkdtempSync(join(tmpdir(), 'apprentice-results-registry-')), 'runs');
    mkdirSync(root, { recursive: true });
    await Promise.all([
      makeGrimoireEval(root, 'grimoire', { real: false }),
      makeDistillSweep(root, 'sweep'),
      scoreWithEvalJob(dir('eval')),
      makeCascade(root, 'cascade'),
    ]);
    // A scaling folder as `scale run` writes it: an evaluation run per model under runs/, then the rows' analysis.
    const evaluations: ScaleEvaluation[] = [
      ['small', 1e8, 1],
      ['large', 1e9, 3],
    ].map(([model, params, right], i) => {
      const runDir = writeEvalRun(
        [0, 1, 2, 3].map((k) => (k < (right as number) ? record(k) : record(k, { extracted: '99', correct: false }))),
        {
          model: model as string,
          dir: join(dir('scaling'), 'runs', `run-${i}`),
        },
      );
      const accuracy = (right as number) / 4;
      return {
        model: model as string,
        spec: model as string,
        params: params as number,
        task: 'toy',
        dataset: 'jsonl:toy',
        prompting: 'direct',
        scoring: 'generate',
        runDir,
        n: 4,
        scored: 4,
        accuracy,
        ci95: [0, 1],
        invalid: 0,
        errors: 0,
        missing: 0,
        metrics: {},
      };
    });
    writeFileSync(join(dir('scaling'), 'evaluations.json'), JSON.stringify({ models: ['small', 'large'], evaluations, notes: [] }));
    const rows = accuracyRows(evaluations);
    await writeScalingResults(dir('scaling'), { analyses: analyzeScaling(rows), source: 'scale run', title: 'Scaling run' });
    app = buildDashboardApp({ runsDir: root, uiDir: root });
  }, 240_000);

  afterAll(() => app?.close());

  const get = async <T>(url: string) => {
    const response = await app.inject({ method: 'GET', url, headers: { host: '127.0.0.1' } });
    expect(response.statusCode, url).toBe(200);
    return response.json() as T;
  };
  const reportOf = async (name: string) => {
    const written = await writeReport([dir(name)], { outDir: join(root, '..', 'reports', name) });
    return { kind: written.kind, html: readFileSync(written.htmlPath, 'utf8') };
  };

  it('every kind in the registry has a folder made by its pipeline, a report renderer and a dashboard page', async () => {
    expect(missingForKinds(RESULTS)).toEqual(KNOWN_GAPS);
    for (const { contract } of RESULTS) {
      const name = FOLDER_OF_KIND[contract.kind];
      if (name === null) continue;
      expect(detectResult(dir(name))?.kind, name).toBe(contract.kind);
      const report = await reportOf(name);
      expect(report.kind, name).toBe(contract.kind);
      expect(report.html, name).toContain('<table');
      await DASHBOARD_PAGE_OF_KIND[contract.kind]?.(name, get);
    }
  });

  it('the completeness check names a kind added to the registry without a renderer, a folder or a dashboard page', () => {
    const added = { contract: { ...SCALING, kind: 'finetune' as ResultKind }, writeReport: null };
    expect(missingForKinds([...RESULTS, added])).toEqual([
      ...KNOWN_GAPS,
      'finetune: no report renderer',
      'finetune: no folder made by its pipeline in this test',
      'finetune: no dashboard page in this test',
    ]);
  });

  it('the dashboard files each folder under the kind the registry detects', () => {
    expect(Object.fromEntries(['eval', 'grimoire', 'sweep', 'scaling'].map((name) => [name, detectResult(dir(name))?.kind]))).toEqual({
      eval: 'eval',
      grimoire: 'grimoire',
      sweep: 'distill',
      scaling: 'scale',
    });
    const found = findRunFiles(root);
    for (const run of found.runs) expect(detectResult(run)?.kind, run).toBe('eval');
    expect(found.grimoireEvals).toEqual([dir('grimoire')]);
    expect(found.sweeps).toEqual([dir('sweep')]);
    expect(found.analyses).toEqual([join(dir('scaling'), 'analysis.json')]);
    // The method runs of the grimoire evaluation and the scale run's evaluations are evaluation runs too.
    expect(found.runs).toEqual(expect.arrayContaining([dir('eval'), join(dir('grimoire'), 'zero-shot'), join(dir('scaling'), 'runs', 'run-0')]));
  });

  it('an evaluation run: the report and /api/run show the accuracy its contract reads', async () => {
    const run = readResult(EVAL_RUN, dir('eval'));
    const report = await reportOf('eval');
    expect(report.kind).toBe('eval');
    expect(report.html).toContain(formatEstimate(run.summary.accuracy, run.summary.ci95));
    const detail = await get<RunDetail>('/api/run?id=eval');
    expect(detail.summary.accuracy).toEqual({ value: run.summary.accuracy, ci95: run.summary.ci95 });
    expect(detail.examples.map((row) => row.status)).toEqual(run.records.map((r) => (!r.valid ? 'invalid' : r.correct ? 'correct' : 'wrong')));
  });

  it('a grimoire evaluation: the report and /api/grimoire show every method its contract reads', async () => {
    const folder = readResult(GRIMOIRE_EVAL, dir('grimoire'));
    const report = await reportOf('grimoire');
    expect(report.kind).toBe('grimoire');
    const detail = await get<GrimoireEvalDetail>('/api/grimoire?id=grimoire');
    expect(detail.methods).toHaveLength(folder.methods.length);
    folder.methods.forEach((method, i) => {
      expect(report.html).toContain(formatEstimate(method.row.accuracy, method.row.ci95));
      expect(detail.methods[i]).toMatchObject({ key: method.name, accuracy: { value: method.row.accuracy, ci95: method.row.ci95 } });
    });
    expect(detail.bestSingle).toEqual(folder.result.bestSingle);
  });

  it('a distillation sweep: the report and /api/distill show every student and the verdict its contract reads', async () => {
    const results = readResult(DISTILL_SWEEP, dir('sweep'));
    const report = await reportOf('sweep');
    expect(report.kind).toBe('distill');
    const detail = await get<DistillSweepDetail>('/api/distill?id=sweep');
    expect(detail.verdict).toEqual(results.verdict);
    expect(detail.cells).toHaveLength(results.cells.length);
    for (const line of results.verdict) expect(report.html).toContain(escapeHtml(line));
    for (const cell of results.cells.filter((c) => !c.skipped)) expect(report.html).toContain(formatEstimate(cell.accuracy, cell.ci95));
    const runs = await get<RunsResponse>('/api/runs');
    expect(runs.distillSweeps.map((s) => s.id)).toEqual(['sweep']);
  });

  it('a scaling folder: the report and /api/scaling show every task its contract reads', async () => {
    const folder = readResult(SCALING, dir('scaling'));
    const report = await reportOf('scaling');
    expect(report.kind).toBe('scale');
    const { sources } = await get<ScalingResponse>('/api/scaling');
    const source = sources.find((s) => s.path === 'scaling/analysis.json')!;
    expect(source).toMatchObject({ kind: 'analysis', problem: null });
    expect(source.tasks.map((t) => [t.task, t.metric])).toEqual(folder.analyses.map((a) => [a.task, a.metric]));
    for (const evaluation of folder.evaluations ?? []) expect(report.html).toContain(formatEstimate(evaluation.accuracy, evaluation.ci95));
  });
});

/** Which folder of this test each kind's pipeline made (null: none yet, a known gap). */
const FOLDER_OF_KIND: Record<ResultKind, string | null> = { eval: 'eval', grimoire: 'grimoire', distill: 'sweep', scale: 'scaling', cascade: 'cascade' };

/**
 * What the registry's kinds lack today, named so the first test fails both when a new gap appears and when
 * one is closed (then remove it here). None today.
 */
const KNOWN_GAPS: string[] = [];

type Get = <T>(url: string) => Promise<T>;

/** Each kind's dashboard page: its folder is listed and its page's API answers with what the folder holds. */
const DASHBOARD_PAGE_OF_KIND: Record<ResultKind, ((name: string, get: Get) => Promise<void>) | null> = {
  eval: async (name, get) => {
    expect((await get<RunsResponse>('/api/runs')).runs.map((r) => r.id)).toContain(name);
    expect((await get<RunDetail>(`/api/run?id=${name}`)).examples.length).toBeGreaterThan(0);
  },
  grimoire: async (name, get) => {
    expect((await get<RunsResponse>('/api/runs')).grimoireEvals.map((r) => r.id)).toContain(name);
    expect((await get<GrimoireEvalDetail>(`/api/grimoire?id=${name}`)).methods.length).toBeGreaterThan(0);
  },
  distill: async (name, get) => {
    expect((await get<RunsResponse>('/api/runs')).distillSweeps.map((r) => r.id)).toContain(name);
    expect((await get<DistillSweepDetail>(`/api/distill?id=${name}`)).cells.length).toBeGreaterThan(0);
  },
  scale: async (name, get) => {
    const { sources } = await get<ScalingResponse>('/api/scaling');
    expect(sources.find((s) => s.path === `${name}/analysis.json`)?.tasks.length).toBeGreaterThan(0);
  },
  cascade: async (name, get) => {
    expect((await get<RunsResponse>('/api/runs')).cascades.map((c) => c.id)).toContain(name);
    const detail = await get<CascadeDetail>(`/api/cascade?id=${name}`);
    expect(detail.curve.length).toBeGreaterThan(0);
    expect(detail.evaluations.map((e) => e.split)).toEqual(['test']);
  },
};

/**
 * What a kind in `entries` lacks: a report renderer (evaluation runs have theirs in writeReport.ts, which
 * reports them together), a folder made by its pipeline here, a dashboard page checked here.
 */
function missingForKinds(entries: readonly { contract: { kind: string }; writeReport: unknown }[]): string[] {
  const folders: Record<string, string | null | undefined> = FOLDER_OF_KIND;
  const pages: Record<string, unknown> = DASHBOARD_PAGE_OF_KIND;
  return entries.flatMap(({ contract: { kind }, writeReport }) => [
    ...(writeReport === null && kind !== 'eval' ? [`${kind}: no report renderer`] : []),
    ...(folders[kind] == null ? [`${kind}: no folder made by its pipeline in this test`] : []),
    ...(pages[kind] == null ? [`${kind}: no dashboard page in this test`] : []),
  ]);
}

/** An evaluation run as `apprentice eval --predictions` writes it: the eval job scores recorded outputs of a toy task. */
async function scoreWithEvalJob(runDir: string): Promise<void> {
  const toy = writeToyTask({ train: 20, test: 6 });
  const predictions = join(toy.root, 'predictions.jsonl');
  const outputs = ['Answer: good', 'Answer: bad', 'Answer: bad', 'Answer: bad', 'no idea', 'Answer: good'];
  writeFileSync(predictions, outputs.map((output, index) => JSON.stringify({ index, output })).join('\n') + '\n');
  const hub = new ModelHub({ cachePath: 'none' });
  try {
    await runEvalJob(
      {
        dataset: toy.dataset,
        datasetOptions: {},
        split: 'test',
        seed: 0,
        predictions,
        style: 'zero-shot',
        shots: 0,
        demoSelection: 'random',
        demoSplit: 'train',
        embedder: 'builtin',
        scoring: 'generate',
        maxTokens: 16,
        temperature: 0,
        targetLogprob: false,
        validationFraction: 0.1,
        concurrency: 2,
        runDir,
        runsRoot: join(runDir, '..'),
      },
      hub,
      { showProgress: false },
    );
  } finally {
    await hub.close();
  }
}
