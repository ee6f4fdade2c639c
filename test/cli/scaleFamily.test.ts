/** `apprentice scale family` at a tiny budget: two engine sizes, two difficulty levels, two training steps. */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../support/runCli.js';

interface Output {
  students: { size: string; parameters: number; reused: boolean; dir: string }[];
  models: { name: string; params: number; paramsSource: string }[];
  rows: { model: string; task: string; metric: string; params: number }[];
  evaluations: { model: string; task: string; prompting: string; n: number; scored: number; errors: number }[];
  files: { svg: string; html: string };
}

describe('apprentice scale family', () => {
  it('trains each size on the synthetic levels, evaluates direct and CoT, and reuses finished checkpoints', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apprentice-scale-family-'));
    const args = [
      'scale',
      'family',
      '--sizes',
      'tiny,small',
      '--difficulties',
      '1,2',
      '--train',
      '8',
      '--test',
      '3',
      '--validation-size',
      '2',
      '--digits',
      '2',
      '--steps',
      '2',
      '--batch-size',
      '4',
      '--max-tokens',
      '24',
      '--out',
      out,
      '--json',
    ];
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(0);
    const output = lastJson<Output>(result);
    expect(output.students.map((s) => [s.size, s.reused])).toEqual([
      ['tiny', false],
      ['small', false],
    ]);
    // Sizes come from the checkpoints' config.json and match what training reported.
    expect(output.models.map((m) => [m.name, m.params, m.paramsSource])).toEqual(output.students.map((s) => [s.size, s.parameters, 'checkpoint']));
    // 2 sizes x 2 levels x 3 promptings, each on the 3 test problems; nothing failed.
    expect(output.evaluations).toHaveLength(12);
    for (const evaluation of output.evaluations) expect(evaluation).toMatchObject({ n: 3, scored: 3, errors: 0 });
    expect(new Set(output.rows.map((r) => r.task))).toEqual(new Set(['arithmetic 1-step', 'arithmetic 2-step']));
    expect(new Set(output.rows.map((r) => r.metric))).toEqual(
      new Set([
        'accuracy (direct)',
        'accuracy (cot)',
        'accuracy (zero-shot-cot)',
        'logP(target) (direct)',
        'edit similarity (direct)',
        'edit similarity (cot)',
        'edit similarity (zero-shot-cot)',
      ]),
    );
    // Accuracy against validation loss (Du et al. 2024), one point per size, task and accuracy metric.
    expect(JSON.parse(readFileSync(join(out, 'family.json'), 'utf8')).accuracyByLoss).toHaveLength(2 * 2 * 3);
    expect(readFileSync(join(out, 'accuracy-vs-loss.md'), 'utf8')).toMatch(/validation loss/);
    expect(existsSync(output.files.svg)).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'family.json'), 'utf8')).recipe).toMatchObject({ digits: 2, difficulties: [1, 2], trainPerLevel: 8 });
    for (const run of readdirSync(join(out, 'runs'))) {
      expect(JSON.parse(readFileSync(join(out, 'runs', run, 'config.json'), 'utf8')).identity.dataset).toMatch(/^synthetic:steps=[12],digits=2,/);
    }
    expect(readFileSync(output.files.html, 'utf8')).toContain('arithmetic 2-step');

    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson<Output>(again).students.map((s) => s.reused)).toEqual([true, true]);
  }, 180_000);
});
