/** `apprentice ui` as a process (the browser tests are in test/ui): --scores, --host and --config lists. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startListeningCli } from '../support/serveCli.js';

const startDashboard = (args: string[]) => startListeningCli(['ui', ...args], /at (http:\/\/\S+?)\/\n/);

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
    const dashboard = await startDashboard(['--runs', dir, '--port', '0', '--host', '0.0.0.0', '--scores', a, b]);
    try {
      expect(await scalingTasks(dashboard.baseURL)).toEqual(['alpha', 'beta']);
    } finally {
      const exit = await dashboard.stop();
      expect(exit.stderr).toMatch(/warning: listening on 0\.0\.0\.0 without authentication/);
    }
  });

  it('takes a list of --scores from --config', async () => {
    const { dir, a, b } = fixture();
    const config = join(dir, 'ui.yaml');
    writeFileSync(config, `runs: ${dir}\nport: 0\nscores:\n  - ${a}\n  - ${b}\n`);
    const dashboard = await startDashboard(['--config', config]);
    try {
      expect(await scalingTasks(dashboard.baseURL)).toEqual(['alpha', 'beta']);
    } finally {
      const exit = await dashboard.stop();
      expect(exit.stderr).toBe('');
    }
  });
});
