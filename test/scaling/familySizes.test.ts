import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configForSize, countParameters } from '../../src/engine/model.js';
import { MODEL_SIZES } from '../../src/engine/sizes.js';
import { approximateParameters, parseFamilySize, stepsFor } from '../../src/scaling/familySizes.js';
import { writeAccuracyByLoss } from '../../src/report/accuracyByLoss.js';
import { accuracyByLoss } from '../../src/scaling/lossAxis.js';

describe('scale family sizes', () => {
  it('takes named sizes and <dim>x<layers>, so a family can have five or more sizes', () => {
    expect(parseFamilySize('small')).toEqual({ name: 'small', size: 'small' });
    expect(parseFamilySize('96x3')).toEqual({ name: '96x3', size: 'tiny', model: { dim: 96, nLayers: 3, nHeads: 6, nKvHeads: 3, hiddenDim: 264 } });
    // 48 = 3 heads of 16: key/value heads must divide the heads, so an odd count keeps one per head.
    expect(parseFamilySize('48x2').model).toMatchObject({ nHeads: 3, nKvHeads: 3 });
    for (const size of ['16x1', '32x1', '48x2', '64x2', '80x2', '96x3', '112x3']) {
      const { nHeads, nKvHeads } = parseFamilySize(size).model!;
      expect(Number.isInteger(nKvHeads) && nHeads % nKvHeads === 0, size).toBe(true);
    }
    expect(() => parseFamilySize('huge')).toThrow(/neither/);
    expect(() => parseFamilySize('100x2')).toThrow(/multiple of 16/);
  });

  it('counts parameters as the engine does', () => {
    for (const name of ['tiny', 'small', 'base'] as const) {
      expect(approximateParameters(parseFamilySize(name))).toBe(countParameters(configForSize(name, MODEL_SIZES[name].vocabSize)));
    }
    const custom = parseFamilySize('48x2');
    expect(approximateParameters(custom)).toBe(countParameters({ ...configForSize('tiny', MODEL_SIZES.tiny.vocabSize), ...custom.model! }));
  });

  it('scales training steps with size: exponent 0 keeps them, 1 keeps tokens per parameter', () => {
    const sizes = ['32x1', '64x2', '128x4'].map(parseFamilySize);
    expect(stepsFor(sizes, 100, 0)).toEqual([100, 100, 100]);
    const scaled = stepsFor(sizes, 100, 1);
    const params = sizes.map(approximateParameters);
    expect(scaled[0]).toBe(100);
    expect(scaled[2]! / scaled[0]!).toBeCloseTo(params[2]! / params[0]!, 1);
    expect(stepsFor(sizes, 100, 0.5)[1]).toBeGreaterThan(100);
  });
});

describe('accuracy against validation loss', () => {
  it("pairs each accuracy row with its model's validation loss and writes the table and plot", async () => {
    const students = [
      { dir: '/x/models/32x1', parameters: 40_000, result: { validationLoss: 2.1 } },
      { dir: '/x/models/64x2', parameters: 120_000, result: { validationLoss: 1.4 } },
    ];
    const rows = [
      { model: '32x1', params: 40_000, task: 'arith 2-step', metric: 'accuracy (direct)', score: 0.1 },
      { model: '64x2', params: 120_000, task: 'arith 2-step', metric: 'accuracy (direct)', score: 0.5 },
      { model: '64x2', params: 120_000, task: 'arith 2-step', metric: 'logP(target) (direct)', score: -3 },
    ];
    const points = accuracyByLoss(students, rows);
    expect(points.map((p) => [p.model, p.validationLoss, p.score])).toEqual([
      ['32x1', 2.1, 0.1],
      ['64x2', 1.4, 0.5],
    ]);
    const out = mkdtempSync(join(tmpdir(), 'apprentice-loss-axis-'));
    const files = await writeAccuracyByLoss(out, points);
    expect(readFileSync(files.svg, 'utf8')).toContain('<svg');
    expect(readFileSync(files.markdown, 'utf8')).toMatch(/\| arith 2-step \| accuracy \(direct\) \| 64x2 \| 120,000 \| 1\.400 \| 50\.0% \|/);
  });
});
