/**
 * The quickstart's headline, measured: the CoT student beats standard fine-tuning of the same size and data,
 * with the interval of the difference (paired bootstrap over seeds and examples) above zero, and is above chance.
 * The default scale (data, simulated teacher, students, seeds) with only these two methods, which the other
 * methods do not affect. Minutes long (the default scale's students: 450 steps for the CoT student, 300 for standard
 * fine-tuning, 400 test problems).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISTILL_SWEEP } from '../../src/distill/sweepResults.js';
import { QUICKSTART_SCALES, runQuickstart } from '../../src/distill/quickstart.js';
import { readResult } from '../../src/runs/resultContract.js';

describe('quickstart headline effect', () => {
  it('the CoT student is above chance and above standard fine-tuning, with the interval excluding zero', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apprentice-quickstart-effect-'));
    const scale = { ...QUICKSTART_SCALES.default, methods: ['standard-ft' as const, 'cot-zero-shot-cot' as const] };
    const result = await runQuickstart({ out, scale, scaleName: 'default (headline methods only)' });
    const results = readResult(DISTILL_SWEEP, result.out);
    expect(scale.seeds.length).toBeGreaterThanOrEqual(3);
    const chance = results.chance!;
    expect(chance).toBeTruthy();
    const cot = result.sweep.points.find((p) => p.method === 'cot-zero-shot-cot')!;
    expect(cot.inputs).toBeGreaterThanOrEqual(400);
    expect(cot.ci95[0]).toBeGreaterThan(chance.accuracy);
    const headline = results.comparisons!.find((c) => c.method === 'cot-zero-shot-cot' && c.baseline === 'standard-ft')!;
    expect(headline.verdict).toBe('better');
    expect(headline.ci95[0]).toBeGreaterThan(0);
    expect(result.report.verdict[0]).toMatch(/^CoT specialization \(zero-shot-cot\) against its baseline standard fine-tuning/);
  }, 1_800_000);
});
