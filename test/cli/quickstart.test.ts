/**
 * `apprentice quickstart` as a user runs it (the built CLI; run `npx tsc -p tsconfig.build.json` first), at the
 * reduced `--scale tiny` budget: every stage runs (teacher, annotation through builtin:, students, generic
 * ability, report) and the numbers agree with each other. Who wins is not asserted: at this budget nobody learns.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../support/runCli.js';

interface Printed {
  out: string;
  scale: string;
  wallSeconds: number;
  teacher: { test: { n: number; accuracy: number | null }; pool: { n: number; accuracy: number | null } };
  points: { method: string; fraction: number; accuracy: number; ci95: [number, number]; inputs: number }[];
  cells: { method: string; fraction: number; n: number; correct: number; accuracy: number; skipped?: string; inputs: number }[];
  generic: { sets: { name: string; inTask: boolean }[]; rows: { role: string; scores: Record<string, { n: number; accuracy: number }> }[] };
  verdict: string[];
  compute: {
    cpuSeconds: number;
    stages: { stage: string; cpuSeconds: number; wallSeconds: number }[];
    idleTwoCores: { atLeastSeconds: number; atMostSeconds: number; measured: boolean };
  };
  report: { html: string; markdown: string; results: string; svg: string };
}

describe('apprentice quickstart --scale tiny', () => {
  it('refuses a pool of no students before any work, naming the flag', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'apprentice-quickstart-')), 'qs');
    const result = await runCli(['quickstart', '--scale', 'tiny', '--pool', '0', '--out', out]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--pool');
    expect(existsSync(out)).toBe(false);
  });

  it('annotates with the simulated teacher, distills five methods at two fractions, and writes a consistent report', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'apprentice-quickstart-')), 'qs');
    const result = await runCli(['quickstart', '--scale', 'tiny', '--out', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    // Progress on stderr, the result on stdout.
    expect(result.stderr).toContain('teacher');
    expect(result.stderr).toMatch(/simulated teacher \(10% errors\)/);
    expect(result.stderr).toMatch(/student \d+\/10/);
    const printed = lastJson<Printed>(result);
    expect(printed.scale).toBe('tiny');
    expect(printed.cells).toHaveLength(10);
    expect(printed.teacher.test.n).toBe(16);
    expect(printed.teacher.pool.n).toBe(40);

    for (const cell of printed.cells) {
      if (cell.skipped) {
        expect(cell.method).not.toBe('standard-ft'); // only teacher-labelled methods can lack data
        continue;
      }
      expect(cell.n).toBe(16);
      expect(cell.accuracy).toBeCloseTo(cell.correct / cell.n, 10);
    }
    const ft = printed.cells.filter((c) => c.method === 'standard-ft').map((c) => c.inputs);
    expect(ft).toEqual([20, 40]);
    for (const point of printed.points) {
      const cell = printed.cells.find((c) => c.method === point.method && c.fraction === point.fraction)!;
      expect(point.accuracy).toBeCloseTo(cell.accuracy, 10);
      expect(point.ci95[0]).toBeLessThanOrEqual(point.accuracy);
      expect(point.ci95[1]).toBeGreaterThanOrEqual(point.accuracy);
    }
    expect(printed.generic.sets[0]).toMatchObject({ inTask: true });
    expect(printed.generic.rows[0]!.role).toBe('before');
    expect(printed.verdict.length).toBeGreaterThan(0);
    // Compute per stage in CPU seconds; for an idle machine only the range they imply, marked as not measured.
    expect(printed.compute.stages.map((s) => s.stage)).toEqual([
      'data',
      'simulated teacher annotations',
      'students (5 methods × 1 seeds × 2 fractions)',
      'generic-ability check',
      'report (html, markdown, chart)',
    ]);
    expect(printed.compute.cpuSeconds).toBeCloseTo(
      printed.compute.stages.reduce((sum, s) => sum + s.cpuSeconds, 0),
      9,
    );
    expect(printed.compute.idleTwoCores).toMatchObject({
      atLeastSeconds: printed.compute.cpuSeconds / 2,
      atMostSeconds: printed.compute.cpuSeconds,
      measured: false,
    });

    for (const file of Object.values(printed.report)) expect(existsSync(file)).toBe(true);
    const html = readFileSync(printed.report.html, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('What the numbers show');
    const markdown = readFileSync(printed.report.markdown, 'utf8');
    expect(markdown).toContain('![Data efficiency');
    const results = JSON.parse(readFileSync(printed.report.results, 'utf8')) as {
      points: unknown[];
      cells: unknown[];
      settings: { scale: string; studentsAtOnce: number; threadsPerStudent: number };
    };
    expect(results.points).toEqual(printed.points);
    expect(results.settings.scale).toBe('tiny');
    // The default pool: two students at once (one on a one-core machine), the cores shared out between them.
    const cores = availableParallelism();
    expect(results.settings.studentsAtOnce).toBe(Math.min(2, cores));
    expect(results.settings.threadsPerStudent).toBe(Math.max(1, Math.floor(cores / Math.min(2, cores))));

    // A second run finds everything finished.
    const again = await runCli(['quickstart', '--scale', 'tiny', '--out', out, '--json', '--no-progress']);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson<Printed>(again).points).toEqual(printed.points);
  }, 180_000);
});
