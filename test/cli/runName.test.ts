/** `eval --name`: a human run folder name; what identifies the run (and so resuming) is unchanged (issue #19). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

const EXAMPLE = join(PROJECT_ROOT, 'examples', 'svamp-palm');

describe('apprentice eval --name', () => {
  it('names the folder <name>-<id>, keeps the id of the unnamed run, and resumes by name', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'apprentice-name-'));
    const args = [
      'eval',
      '--dataset',
      `svamp:${EXAMPLE}`,
      '--predictions',
      join(EXAMPLE, 'palm-540b-cot.predictions.jsonl'),
      '--limit',
      '20',
      '--runs',
      runs,
      '--json',
      '--no-progress',
    ];
    const named = lastJson<{ runDir: string; resumed: boolean }>(await runCli([...args, '--name', 'palm cot/baseline']));
    const unnamed = lastJson<{ runDir: string }>(await runCli(args));
    const id = basename(unnamed.runDir).slice(-12);
    expect(basename(named.runDir)).toBe(`palm-cot-baseline-${id}`);
    expect(JSON.parse(readFileSync(join(named.runDir, 'config.json'), 'utf8'))).toMatchObject({
      identity: JSON.parse(readFileSync(join(unnamed.runDir, 'config.json'), 'utf8')).identity,
    });
    const again = lastJson<{ runDir: string; resumed: boolean }>(await runCli([...args, '--name', 'palm cot/baseline']));
    expect(again).toMatchObject({ runDir: named.runDir, resumed: true });
  });
});
