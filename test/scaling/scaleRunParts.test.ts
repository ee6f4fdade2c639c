/** The pieces of `scale run` and `scale family`: model lists, metric names, training prompts, the plot. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { buildAnswerExtractionPrompt, buildPrompt } from '../../src/eval/prompts.js';
import { renderChartSvg } from '../../src/report/charts.js';
import { facetedLinesSpec } from '../../src/report/scalingCharts.js';
import { analyzeScaling } from '../../src/scaling/analyzeScaling.js';
import { plainTranscript } from '../../src/models/core/transcript.js';
import { familyDatasets, familyTrainingExamples } from '../../src/scaling/family.js';
import { checkpointParameterCount, parseModelsOption, resolveFamily } from '../../src/scaling/modelFamily.js';
import { metricName, splitMetricName } from '../../src/scaling/scaleRun.js';
import { DISCRETE_PANEL, isSmoothMetric, scalingPlotPoints, SMOOTH_PANEL, writeScalingReport } from '../../src/report/scalingReport.js';
import type { ScoreRow } from '../../src/scaling/scoreRow.js';
import { writeScalingResults } from '../../src/scaling/scalingResults.js';
import { InputError } from '../../src/util/errors.js';

describe('--models', () => {
  it('reads <spec>=<params> with the size after the last "=", and specs without one', () => {
    expect(parseModelsOption('openai:a@http://h/v1=7B, gguf:m.gguf ,anthropic:c=1.5e9')).toEqual([
      { spec: 'openai:a@http://h/v1', params: 7e9 },
      { spec: 'gguf:m.gguf' },
      { spec: 'anthropic:c', params: 1.5e9 },
    ]);
    expect(() => parseModelsOption('openai:a=big')).toThrow(/not a parameter count/);
    expect(() => parseModelsOption(' , ')).toThrow(InputError);
  });

  it('names models briefly, falls back to the spec when names collide, and needs a size for API models', async () => {
    const family = await resolveFamily([
      { spec: 'openai:m@http://a/v1', params: 1e9 },
      { spec: 'openai:m@http://b/v1', params: 2e9 },
      { spec: 'anthropic:claude', params: 3e9 },
    ]);
    expect(family.map((m) => m.name)).toEqual(['openai:m@http://a/v1', 'openai:m@http://b/v1', 'claude']);
    await expect(resolveFamily([{ spec: 'openai:m' }])).rejects.toThrow(/parameter count/);
    await expect(
      resolveFamily([
        { spec: 'openai:m', params: 1 },
        { spec: 'openai:m', params: 2 },
      ]),
    ).rejects.toThrow(/twice/);
  });

  it('counts a checkpoint from its config.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-ckpt-'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        model_type: 'llama',
        vocab_size: 10,
        hidden_size: 8,
        intermediate_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        tie_word_embeddings: true,
      }),
    );
    // embeddings 10x8, per layer: 2 norms of 8, q 8x8, k 4x8, v 4x8, o 8x8, gate/up 16x8, down 8x16; final norm 8.
    expect(await checkpointParameterCount(dir)).toBe(80 + (16 + 64 + 32 + 32 + 64 + 3 * 128) + 8);
    await expect(checkpointParameterCount(join(dir, 'missing'))).rejects.toThrow(InputError);
  });
});

describe('metric names', () => {
  it('carry the prompting in parentheses, and foreign names stay whole', () => {
    expect(metricName('accuracy', 'zero-shot-cot')).toBe('accuracy (zero-shot-cot)');
    expect(splitMetricName('logP(target) (direct)')).toEqual({ metric: 'logP(target)', prompting: 'direct' });
    expect(splitMetricName('zero-shot accuracy')).toEqual({ metric: 'zero-shot accuracy', prompting: null });
    expect(isSmoothMetric('rougeL')).toBe(true);
    expect(isSmoothMetric('logP(target)')).toBe(true);
    expect(isSmoothMetric('mc-grade')).toBe(false);
    expect(isSmoothMetric('accuracy')).toBe(false);
  });
});

describe('scale family training data', () => {
  it('holds exactly the prompts the evaluation sends, rendered as the GGUF runtime renders them', async () => {
    const [entry] = familyDatasets({ difficulties: [2], digits: 1, trainPerLevel: 6, testPerLevel: 2, validationPerLevel: 0, seed: 3 });
    expect(entry!.spec).toBe('synthetic:steps=2,digits=1,distractors=0,train=6,validation=0,test=2,seed=3');
    const dataset = await loadDataset(entry!.spec, entry!.options);
    expect(dataset.task.name).toBe('arithmetic 2-step');
    const examples = await familyTrainingExamples(dataset, 'train', { prompting: ['direct', 'cot', 'zero-shot-cot'], shots: 1, seed: 0 });
    expect(examples).toHaveLength(6 * 4);
    const first = dataset.splits.train![0]!;
    const [direct, rationale, answer, cot] = examples;
    expect(direct!.prompt).toBe(plainTranscript(buildPrompt('zero-shot', dataset.task, first, []).messages));
    expect(direct!.prompt.endsWith('\nassistant:')).toBe(true);
    expect(direct!.completion).toBe(` ${first.target}`);
    const stage1 = buildPrompt('zero-shot-cot', dataset.task, first, []);
    expect(rationale!.prompt).toBe(plainTranscript(stage1.messages));
    expect(rationale!.completion).toBe(` ${first.rationale} The answer is ${first.target}.`);
    expect(answer!.prompt).toBe(plainTranscript(buildAnswerExtractionPrompt(dataset.task, first, stage1.messages, rationale!.completion).messages));
    expect(answer!.completion).toBe(` ${first.target}`);
    expect(cot!.prompt).toContain('Reason step by step');
    expect(cot!.prompt.split('Question:')).toHaveLength(3); // one demonstration, then the question
    expect(cot!.completion).toBe(rationale!.completion);
    expect(examples.map((e) => e.task)).toContain('rationale');
  });
});

describe('the scaling plot', () => {
  const rows: ScoreRow[] = [];
  for (const [model, params, direct, cot, logp] of [
    ['s', 1e6, 0.0, 0.0, -9],
    ['m', 1e7, 0.1, 0.2, -6],
    ['l', 1e8, 0.2, 0.9, -3],
  ] as const) {
    rows.push({ model, params, task: 'add', metric: 'accuracy (direct)', score: direct, random: 0, max: 1 });
    rows.push({ model, params, task: 'add', metric: 'accuracy (cot)', score: cot, random: 0, max: 1 });
    rows.push({ model, params, task: 'add', metric: 'logP(target) (direct)', score: logp, random: -9, max: 0 });
    rows.push({ model, params, task: 'sub', metric: 'accuracy (direct)', score: direct / 2, random: 0, max: 1 });
  }

  it('puts discrete and smooth metrics in separate columns, one row per task, x = log10(params), y = normalized', () => {
    const points = scalingPlotPoints(analyzeScaling(rows));
    expect(points).toHaveLength(12);
    const cotLarge = points.find((p) => p.row === 'add' && p.series === 'cot' && p.dash === 'accuracy' && p.label === 'l')!;
    expect(cotLarge).toMatchObject({ column: DISCRETE_PANEL, x: 8 });
    expect(cotLarge.y).toBeCloseTo(90, 10);
    const logp = points.find((p) => p.dash === 'logP(target)' && p.label === 'm')!;
    expect(logp.column).toBe(SMOOTH_PANEL);
    expect(logp.y).toBeCloseTo((100 * 3) / 9, 10);
  });

  it('renders to SVG with vega: one line per (panel, metric, prompting)', async () => {
    const svg = await renderChartSvg(
      facetedLinesSpec(scalingPlotPoints(analyzeScaling(rows)), { xTitle: 'log10(parameters)', yTitle: 'normalized', referenceY: 0 }),
    );
    expect(svg.startsWith('<svg')).toBe(true);
    let lines = 0;
    for (const group of svg.split('<g class="mark-line').slice(1)) lines += (group.slice(0, group.indexOf('</g>')).match(/<path /g) ?? []).length;
    // add: accuracy direct, accuracy cot, logP direct; sub: accuracy direct.
    expect(lines).toBe(4);
    expect(svg).toContain('add');
    expect(svg).toContain('smooth metrics');
  });

  it('writes the report files for `scale analyze --out`', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'apprentice-scaling-report-')), 'out');
    mkdirSync(dir);
    await writeScalingResults(dir, { analyses: analyzeScaling(rows), source: 'rows.csv' });
    const files = await writeScalingReport(dir);
    expect(readFileSync(files.htmlPath, 'utf8')).toContain('<svg');
    expect(readFileSync(files.markdownPath, 'utf8')).toContain('![normalized score vs log10(parameters)](scaling.svg)');
  });
});
