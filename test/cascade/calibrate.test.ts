/**
 * Cascade calibration with stand-in models whose confidence is informative: the threshold chosen on
 * validation meets the target accuracy on test within its 95% interval, with fewer teacher calls; the
 * report shows the cost-accuracy curve; and the threshold is never chosen on test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateCascade, evaluateCascade } from '../../src/cascade/calibrate.js';
import { cascadeCurve, chooseThreshold, type CascadeRow } from '../../src/cascade/curve.js';
import type { CascadeRunConfig } from '../../src/cascade/results.js';
import { ModelHub } from '../../src/models/hub.js';
import { writeCascadeReport } from '../../src/report/cascadeReport.js';
import { detectResult } from '../../src/report/results.js';
import { writeReport } from '../../src/report/writeReport.js';
import { InputError } from '../../src/util/errors.js';
import { startStandIns, writeSumsDataset } from './standIns.js';

let dir: string;
let standIns: Awaited<ReturnType<typeof startStandIns>>;
let hub: ModelHub;
let config: CascadeRunConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apprentice-cascade-'));
  standIns = await startStandIns();
  // Priced like a small and a large hosted model (USD per million tokens), so the curve's dollars mean something.
  hub = new ModelHub({ cachePath: 'none', warn: () => {}, prices: { student: { input: 0.1, output: 0.4 }, teacher: { input: 5, output: 15 } } });
  config = {
    student: `openai:student@${standIns.student.url}`,
    teacher: `openai:teacher@${standIns.teacher.url}`,
    dataset: writeSumsDataset(join(dir, 'sums'), { train: 10, validation: 200, test: 200 }),
    datasetOptions: { inputField: 'question', labelField: 'answer', answerType: 'number' },
    style: 'zero-shot',
    maxTokens: 64,
    signal: 'logprob',
    samples: 5,
    seed: 0,
    validationFraction: 0.2,
  };
});

afterAll(async () => {
  await hub?.close();
  await standIns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cascade calibrate and eval', () => {
  it('chooses on validation a threshold that meets the target on test within its interval, saving teacher calls', async () => {
    const out = join(dir, 'calibration');
    const calibration = await calibrateCascade({ config, split: 'validation', target: { accuracy: 0.85 }, out, hub });
    expect(calibration.examples).toBe(200);
    expect(calibration.failed).toBe(0);
    expect(calibration.teacherOnly.accuracy).toBe(1);
    expect(calibration.studentOnly.accuracy).toBeGreaterThan(0.6);
    expect(calibration.studentOnly.accuracy).toBeLessThan(0.8);
    const chosen = calibration.chosen!;
    expect(chosen.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(chosen.teacherShare).toBeLessThan(0.6); // informative confidence: most requests stay with the student
    // The cheapest such point: every cheaper threshold misses the target.
    for (const point of calibration.curve) if (point.teacherShare < chosen.teacherShare) expect(point.accuracy).toBeLessThan(0.85);

    const calibrationText = readFileSync(join(out, 'calibration.json'), 'utf8');
    const evaluation = await evaluateCascade({ calibrationDir: out, split: 'test', hub });
    expect(evaluation.threshold).toBe(chosen.threshold);
    expect(evaluation.cascade.accuracyCi95[0]).toBeLessThanOrEqual(evaluation.cascade.accuracy);
    expect(evaluation.targetMet).toBe(true);
    expect(evaluation.cascade.accuracyCi95[1]).toBeGreaterThanOrEqual(0.85);
    expect(evaluation.teacherCallsSaved).toBeGreaterThan(0.4);
    // Dollars: the cascade pays the student always and the teacher on escalations, far less than the teacher alone.
    expect(evaluation.cascade.costUsd).toBeGreaterThan(0);
    expect(evaluation.costSavedUsd).toBeGreaterThan(0.4 * evaluation.teacherOnly.costUsd);
    const costs = calibration.curve.map((point) => point.costUsd);
    expect([...costs].sort((a, b) => a - b)).toEqual(costs);
    expect(evaluation.accuracyLost.estimate).toBeGreaterThanOrEqual(0);
    expect(evaluation.accuracyLost.ci95[0]).toBeLessThanOrEqual(evaluation.accuracyLost.estimate);
    // Evaluating never changes the calibration.
    expect(readFileSync(join(out, 'calibration.json'), 'utf8')).toBe(calibrationText);

    expect(detectResult(out)?.kind).toBe('cascade');
    const report = await writeCascadeReport(out);
    const svg = readFileSync(report.svgPath, 'utf8');
    expect(svg).toMatch(/<svg/);
    expect(svg).toMatch(/share of requests answered by the teacher/);
    const page = readFileSync(report.htmlPath, 'utf8');
    expect(page).toMatch(/Held-out evaluation/);
    expect(page).toMatch(/chosen/);
    // `apprentice report <dir>` finds it through the registry.
    const again = await writeReport([out], { outDir: join(dir, 'report-again') });
    expect(again.kind).toBe('cascade');
    expect(readFileSync(again.htmlPath, 'utf8')).toMatch(/Cost-accuracy curve|cascade\.svg|<svg/);
  }, 180_000);

  it('never chooses the threshold on test: calibrating on test and evaluating on the calibration split are refused', async () => {
    await expect(calibrateCascade({ config, split: 'test', target: { accuracy: 0.9 }, out: join(dir, 'on-test'), hub })).rejects.toThrow(InputError);
    expect(existsSync(join(dir, 'on-test', 'calibration.json'))).toBe(false);
    const out = join(dir, 'calibration-2');
    await calibrateCascade({ config: { ...config, limit: 40 }, split: 'validation', target: { maxTeacherShare: 0.5 }, out, hub });
    await expect(evaluateCascade({ calibrationDir: out, split: 'validation', hub })).rejects.toThrow(/another split/);
  }, 120_000);

  it('picks by a teacher-share limit, and finds none when the target is out of reach', () => {
    const rows: CascadeRow[] = [
      { confidence: 0.9, studentCorrect: true, teacherCorrect: true, studentCostUsd: 0, teacherCostUsd: 1 },
      { confidence: 0.8, studentCorrect: true, teacherCorrect: true, studentCostUsd: 0, teacherCostUsd: 1 },
      { confidence: 0.4, studentCorrect: false, teacherCorrect: true, studentCostUsd: 0, teacherCostUsd: 1 },
      { confidence: null, studentCorrect: false, teacherCorrect: false, studentCostUsd: 0, teacherCostUsd: 1 },
    ];
    const curve = cascadeCurve(rows);
    expect(curve.map((p) => p.threshold)).toEqual([0, 0.4, 0.8, 0.9]);
    expect(curve[0]!.teacherShare).toBe(0.25); // unknown confidence always escalates
    expect(chooseThreshold(curve, { maxTeacherShare: 0.5 })!.threshold).toBe(0.8);
    expect(chooseThreshold(curve, { accuracy: 0.75 })!.threshold).toBe(0.8);
    expect(chooseThreshold(curve, { accuracy: 0.99 })).toBeNull();
  });
});
