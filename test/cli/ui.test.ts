/** `apprentice ui` as a process (the browser tests are in test/ui): --scores, --host and --config lists. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli.js';
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
const scalingTasks = async (url: string, headers: Record<string, string> = {}) =>
  ((await (await fetch(`${url}/api/scaling`, { headers })).json()) as Scaling).sources.flatMap((source) => source.tasks.map((task) => task.task)).sort();

describe('apprentice ui', () => {
  it('adds every --scores file to the scaling page; beyond this machine it needs --server-key, and then the key', async () => {
    const { dir, a, b } = fixture();
    const refused = await runCli(['ui', '--runs', dir, '--port', '0', '--host', '0.0.0.0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/listening on 0\.0\.0\.0 would let anyone .*--server-key/);
    const key = 'a-dashboard-key-0123456789';
    const dashboard = await startDashboard(['--runs', dir, '--port', '0', '--host', '0.0.0.0', '--server-key', key, '--scores', a, b]);
    try {
      expect((await fetch(`${dashboard.baseURL}/api/scaling`)).status).toBe(401);
      expect(await scalingTasks(dashboard.baseURL, { authorization: `Bearer ${key}` })).toEqual(['alpha', 'beta']);
    } finally {
      const exit = await dashboard.stop();
      expect(exit.stderr).toBe('');
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
