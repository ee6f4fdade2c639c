/**
 * A plain `apprentice eval` takes the project file's defaults (issue #19): command line > `--config`
 * file > apprentice.yaml defaults > built-in defaults; the file is found here or in a parent folder up to
 * the repository root; `--no-project` ignores it; a bad one is reported by file, line and field.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../support/runCli.js';

/** A folder with a 3-review dataset, predictions (2 of 3 right) and an apprentice.yaml whose defaults name both. */
function projectFolder(defaults = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-defaults-'));
  writeFileSync(
    join(dir, 'reviews.jsonl'),
    ['great film', 'dull and long', 'a joy'].map((text, i) => JSON.stringify({ text, label: i === 1 ? 0 : 1 })).join('\n') + '\n',
  );
  writeFileSync(join(dir, 'predictions.jsonl'), [0, 1, 2].map((index) => JSON.stringify({ index, output: 'positive' })).join('\n') + '\n');
  writeFileSync(
    join(dir, 'apprentice.yaml'),
    `datasets:
  reviews:
    dataset: jsonl:${dir}/reviews.jsonl
    input-field: text
    label-field: label
    labels: [negative, positive]
defaults:
  dataset: reviews
  predictions: ${dir}/predictions.jsonl
  runs: ${dir}/runs
  json: true
  progress: false
${defaults}evals:
  - name: all
`,
  );
  return dir;
}

const USED = 'project defaults: apprentice.yaml (--no-project ignores them)';

describe('project defaults for a plain apprentice eval', () => {
  it('fill in every option not given; a --config file wins over them, the command line over both', async () => {
    const dir = projectFolder('  limit: 3\n');
    const fromProject = await runCli(['eval'], { cwd: dir });
    expect(fromProject.code, fromProject.stderr).toBe(0);
    expect(lastJson(fromProject)).toMatchObject({ n: 3, correct: 2, task: 'reviews' });
    expect(fromProject.stderr.split('\n')).toContain(USED);

    writeFileSync(join(dir, 'run.yaml'), 'limit: 2\n');
    const fromConfig = await runCli(['eval', '--config', 'run.yaml'], { cwd: dir });
    expect(lastJson(fromConfig)).toMatchObject({ n: 2, correct: 1 });
    for (const args of [
      ['--config', 'run.yaml', '--limit', '1'],
      ['--limit', '1', '--config', 'run.yaml'],
    ]) {
      const fromFlag = await runCli(['eval', ...args], { cwd: dir });
      expect(fromFlag.code, fromFlag.stderr).toBe(0);
      expect(lastJson(fromFlag)).toMatchObject({ n: 1, correct: 1 });
    }
  });

  it('come from the nearest parent folder, but not from above the repository root', async () => {
    const dir = projectFolder();
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    const below = await runCli(['eval'], { cwd: join(dir, 'sub', 'deeper') });
    expect(below.code, below.stderr).toBe(0);
    expect(below.stderr).toContain('project defaults: ../../apprentice.yaml');

    mkdirSync(join(dir, 'repo', '.git'), { recursive: true });
    mkdirSync(join(dir, 'repo', 'src'));
    const inRepository = await runCli(['eval'], { cwd: join(dir, 'repo', 'src') });
    expect(inRepository.code).toBe(2);
    expect(inRepository.stderr).toContain("required option '--dataset <kind:path>' not specified");
    expect(inRepository.stderr).not.toContain('project defaults');
  });

  it("a named dataset's reading options hold only while that dataset is the one evaluated", async () => {
    const dir = projectFolder();
    // Labels the project's dataset does not have: its `labels: [negative, positive]` would refuse them.
    writeFileSync(join(dir, 'other.jsonl'), JSON.stringify({ review: 'fine', stars: 'good' }) + '\n');
    writeFileSync(join(dir, 'other.predictions.jsonl'), JSON.stringify({ index: 0, output: 'good' }) + '\n');
    const given = ['--dataset', `jsonl:${dir}/other.jsonl`, '--input-field', 'review', '--label-field', 'stars', '--predictions', 'other.predictions.jsonl'];
    const other = await runCli(['eval', ...given], { cwd: dir });
    expect(other.code, other.stderr).toBe(0);
    expect(lastJson(other)).toMatchObject({ n: 1, correct: 1, task: 'other' });
    // The check can fail: with those labels given, the same run is refused.
    const withLabels = await runCli(['eval', ...given, '--labels', 'negative,positive'], { cwd: dir });
    expect(withLabels.code).toBe(2);
    expect(withLabels.stderr).toContain('unknown label "good"');
  });

  it('--no-project ignores the file: no defaults, no line, and a broken file does not stop the run', async () => {
    const dir = projectFolder();
    const ignored = await runCli(['eval', '--no-project', '--limit', '1'], { cwd: dir });
    expect(ignored.code).toBe(2);
    expect(ignored.stderr).toContain("required option '--dataset <kind:path>' not specified");
    expect(ignored.stderr).not.toContain('project defaults');

    writeFileSync(join(dir, 'apprentice.yaml'), 'defaults:\n  limit: -3\nevals:\n  - name: all\n');
    const given = ['--dataset', `jsonl:${dir}/reviews.jsonl`, '--input-field', 'text', '--labels', 'negative,positive'];
    const run = await runCli(['eval', '--no-project', ...given, '--predictions', `${dir}/predictions.jsonl`, '--json', '--runs', join(dir, 'runs')], {
      cwd: dir,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(lastJson(run)).toMatchObject({ n: 3 });
  });

  it('a bad project file stops the run with its file, line and field', async () => {
    const dir = projectFolder('  limit: -3\n');
    const bad = await runCli(['eval'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: apprentice\.yaml:13, field "defaults\.limit": /m);

    writeFileSync(join(dir, 'apprentice.yaml'), 'defaults:\n  max-tokns: 3\nevals:\n  - name: all\n');
    const unknown = await runCli(['eval'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: apprentice.yaml:2, field "defaults.max-tokns": unknown key "max-tokns"');
  });

  it('a former option name in the file still works this release, with one warning naming file, line and the new name', async () => {
    const dir = projectFolder('  prompt: zero-shot\n  limit: 1\n');
    const result = await runCli(['eval'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: "prompt" (apprentice.yaml:13, field "defaults.prompt") is deprecated; use "prompt-style" (the old name will be removed in the next release)',
    ]);
  });
});
