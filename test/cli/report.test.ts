/** `apprentice report` end to end on a real run folder (the bundled PaLM example's). */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../support/runCli.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'apprentice-cli-report-'));

describe('apprentice report', () => {
  it('writes report.html and report.md for a quickstart run, and compares two runs into --out', async () => {
    const runs = tempDir();
    const quickstart = await runCli(['quickstart', '--example', 'palm-svamp', '--runs', runs, '--json', '--no-progress']);
    expect(quickstart.code, quickstart.stderr).toBe(0);
    const { runDir, accuracy } = lastJson<{ runDir: string; accuracy: number }>(quickstart);

    const report = await runCli(['report', runDir]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(join(runDir, 'report.html'));
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    const markdown = readFileSync(join(runDir, 'report.md'), 'utf8');
    expect(html).toContain(`${(accuracy * 100).toFixed(1)}% [`);
    expect(html.match(/<details class="example/g)).toHaveLength(200);
    expect(html).toContain('aria-roledescription="bar"');
    expect(markdown).toContain('# Evaluation report: svamp (test)');
    expect(markdown).toContain('](report.html#run1-ex-');

    const out = join(tempDir(), 'cmp');
    const compared = await runCli(['report', runDir, runDir, '--out', out, '--title', 'PaLM against itself', '--json']);
    expect(compared.code, compared.stderr).toBe(0);
    expect(lastJson<{ html: string }>(compared).html).toBe(join(out, 'report.html'));
    const comparison = readFileSync(join(out, 'report.md'), 'utf8');
    expect(comparison).toContain('## Paired comparison');
    expect(comparison.split('\n')[0]).toBe('# PaLM against itself');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<title>PaLM against itself</title>');
  });

  it('exits with code 2 and names the folder when it is not a run', async () => {
    const dir = tempDir();
    const result = await runCli(['report', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(dir);
    expect(result.stderr).toContain('not a run folder');
    expect(result.stderr).toMatch(/expected an evaluation run .*a grimoire eval root .*a distillation sweep .*a scaling folder/);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  });
});
