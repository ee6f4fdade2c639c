import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relativeSpec, relativizePaths } from '../../src/report/relativePaths.js';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

describe('reports show relative paths', () => {
  it('makes absolute paths and specs holding one relative, and leaves the rest', () => {
    expect(relativeSpec('/home/me/runs/a', '/home/me/runs/b')).toBe('../a');
    expect(relativeSpec('svamp:/home/me/data/svamp', '/home/me/runs/b')).toBe('svamp:../../data/svamp');
    expect(relativeSpec('openai:gpt-4o-mini', '/x')).toBe('openai:gpt-4o-mini');
    expect(relativeSpec('openai:m@http://127.0.0.1:8000/v1', '/x')).toBe('openai:m@http://127.0.0.1:8000/v1');
    expect(relativizePaths({ a: ['/r/x', 3, null], b: { c: '/r' } }, '/r')).toEqual({ a: ['x', 3, null], b: { c: '.' } });
  });

  it('an evaluation report holds no absolute path of the machine that wrote it', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'apprentice-rel-'));
    const example = join(PROJECT_ROOT, 'examples', 'svamp-palm');
    const result = await runCli([
      'eval',
      '--dataset',
      `svamp:${example}`,
      '--predictions',
      join(example, 'palm-540b-cot.predictions.jsonl'),
      '--limit',
      '10',
      '--runs',
      runs,
      '--json',
      '--no-progress',
    ]);
    const { runDir } = lastJson<{ runDir: string }>(result);
    const report = await runCli(['report', runDir]);
    expect(report.code, report.stderr).toBe(0);
    for (const file of ['report.html', 'report.md']) {
      const text = readFileSync(join(runDir, file), 'utf8');
      // An absolute path starts a value; the same letters after '..' are part of a relative one.
      for (const root of [runs, PROJECT_ROOT]) expect(text, file).not.toMatch(new RegExp(`(^|[^.])${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  });
});
