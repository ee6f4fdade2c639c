/** `apprentice ui` as a process (the browser tests are in test/ui): --scores, --host and --config lists. */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli.js';

/** Starts the dashboard, waits for its URL, runs `use`, then stops it with SIGTERM. */
async function withDashboard(args: string[], use: (url: string, stderr: () => string) => Promise<void>): Promise<void> {
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  const exited = runCli(['ui', ...args], {
    onSpawn: (spawned) => {
      child = spawned;
      spawned.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      spawned.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    },
  });
  try {
    await expect.poll(() => /at (http:\/\/\S+?)\/\n/.test(stdout), { timeout: 20_000 }).toBe(true);
    await use(/at (http:\/\/\S+?)\/\n/.exec(stdout)![1]!, () => stderr);
  } finally {
    child?.kill('SIGTERM');
    await exited;
  }
}

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-ui-cli-'));
  const rows = (name: string) => {
    const file = join(dir, `${name}.csv`);
    writeFileSync(file, `model,params,task,metric,score\ns,1e8,${name},acc,0.1\nm,1e9,${name},acc,0.3\nl,1e10,${name},acc,0.6\n`);
    return file;
  };
  return { dir, a: rows('alpha'), b: rows('beta') };
}

interface Scaling {
  sources: { kind: string; tasks: { task: string }[] }[];
}
const scalingTasks = async (url: string) =>
  ((await (await fetch(`${url}/api/scaling`)).json()) as Scaling).sources.flatMap((source) => source.tasks.map((task) => task.task)).sort();

describe('apprentice ui', () => {
  it('adds every --scores file to the scaling page, and warns when it listens beyond this machine', async () => {
    const { dir, a, b } = fixture();
    await withDashboard(['--runs', dir, '--port', '0', '--host', '0.0.0.0', '--scores', a, b], async (url, stderr) => {
      expect(await scalingTasks(url)).toEqual(['alpha', 'beta']);
      expect(stderr()).toMatch(/warning: listening on 0\.0\.0\.0 without authentication/);
    });
  });

  it('takes a list of --scores from --config', async () => {
    const { dir, a, b } = fixture();
    const config = join(dir, 'ui.yaml');
    writeFileSync(config, `runs: ${dir}\nport: 0\nscores:\n  - ${a}\n  - ${b}\n`);
    await withDashboard(['--config', config], async (url, stderr) => {
      expect(await scalingTasks(url)).toEqual(['alpha', 'beta']);
      expect(stderr()).toBe('');
    });
  });
});
