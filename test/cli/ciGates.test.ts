/** CI gates through the CLI: eval --fail-under, compare --fail-on-regression, and --junit reports (issue #19). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

const EXAMPLE = join(PROJECT_ROOT, 'examples', 'svamp-palm');
const PALM = join(EXAMPLE, 'palm-540b-cot.predictions.jsonl');
const tempDir = () => mkdtempSync(join(tmpdir(), 'apprentice-gates-'));

/** Scores PaLM's recorded answers on SVAMP (78.0% of 200) plus the given flags. */
function evalPalm(runs: string, predictions: string, ...flags: string[]) {
  return runCli(['eval', '--dataset', `svamp:${EXAMPLE}`, '--predictions', predictions, '--runs', runs, '--json', '--no-progress', ...flags]);
}

/** PaLM's answers with the first `count` replaced by a non-answer: a run that is clearly worse. */
function degradedPredictions(dir: string, count: number): string {
  const lines = readFileSync(PALM, 'utf8').trim().split('\n');
  const degraded = lines.map((line, i) =>
    i < count ? JSON.stringify({ index: (JSON.parse(line) as { index: number }).index, output: 'I do not know.' }) : line,
  );
  const file = join(dir, 'degraded.jsonl');
  writeFileSync(file, degraded.join('\n') + '\n');
  return file;
}

describe('apprentice eval --fail-under', () => {
  it('exits 5 below the threshold, 0 at or above it, and writes a JUnit report either way', async () => {
    const runs = tempDir();
    const junit = join(runs, 'reports', 'eval.xml');
    const below = await evalPalm(runs, PALM, '--fail-under', '80%', '--junit', junit);
    expect(below.code, below.stderr).toBe(5);
    expect(below.stderr).toMatch(/gate FAILED: accuracy 78\.0% on 200 scored examples is below 80\.0%/);
    expect(lastJson<{ accuracy: number }>(below).accuracy).toBeCloseTo(0.78);

    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain('<testsuite name="apprentice eval svamp (test)" tests="201" failures="45" errors="0" skipped="0">');
    expect(xml).toContain('<testcase name="accuracy &gt;= 80.0%" classname="svamp.test">');

    const above = await evalPalm(runs, PALM, '--fail-under', '0.75', '--junit', junit);
    expect(above.code, above.stderr).toBe(0);
    expect(above.stderr).toMatch(/gate passed/);
    expect(readFileSync(junit, 'utf8')).toContain('failures="44"');
  });

  it('refuses a threshold that is not a share, naming the flag', async () => {
    const result = await evalPalm(tempDir(), PALM, '--fail-under', '120%');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--fail-under: expected a fraction between 0 and 1 or a percentage/);
  });
});

describe('apprentice compare --fail-on-regression', () => {
  it('exits 5 when B is significantly worse, 0 when it is not, and gates nothing without the flag', async () => {
    const runs = tempDir();
    const a = lastJson<{ runDir: string }>(await evalPalm(join(runs, 'a'), PALM)).runDir;
    const b = lastJson<{ runDir: string }>(await evalPalm(join(runs, 'b'), degradedPredictions(runs, 60))).runDir;

    const regressed = await runCli(['compare', a, b, '--fail-on-regression', '--junit', join(runs, 'compare.xml')]);
    expect(regressed.code, regressed.stderr).toBe(5);
    expect(regressed.stderr).toMatch(/gate FAILED: B is worse than A by -\d+\.\d% on 200 paired examples \(paired bootstrap p (=|<) 0\.0\d+, alpha 0\.05\)/);
    expect(regressed.stdout).toMatch(/McNemar .* p (=|<) 0\.\d{4}\n/);
    expect(readFileSync(join(runs, 'compare.xml'), 'utf8')).toMatch(/<failure message="B is worse than A/);

    const improved = await runCli(['compare', b, a, '--fail-on-regression']);
    expect(improved.code, improved.stderr).toBe(0);
    expect(improved.stderr).toMatch(/gate passed/);

    const ungated = await runCli(['compare', a, b]);
    expect(ungated.code).toBe(0);
  });
});
