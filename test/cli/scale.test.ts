/** `apprentice scale` through the CLI on the real recorded zero-shot correctness of five models. */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

const CORRECTNESS = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'grimoire', 'recorded', 'zero-shot-correctness');

describe.skipIf(!existsSync(CORRECTNESS))('apprentice scale (needs ../shared/datasets)', () => {
  it('imports the recorded correctness and analyzes it per task', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'apprentice-scale-')), 'rows.csv');
    const imported = await runCli(['scale', 'import-grimoire-correctness', CORRECTNESS, '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);

    const analyzed = await runCli(['scale', 'analyze', out, '--json']);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const tasks = lastJson<{ task: string; scores: { params: number }[]; verdict: string | null }[]>(analyzed);
    expect(tasks.map((t) => t.task).sort()).toEqual(['AgNews', 'QNLI', 'RTE', 'SST5', 'Subj', 'TREC']);
    for (const task of tasks) {
      expect(task.scores).toHaveLength(5);
      expect(['smooth', 'emergent', 'flat', 'inverse', 'inconclusive']).toContain(task.verdict);
    }
  });

  it('import-grimoire-correctness finds the task labels through --tasks when the folder is elsewhere', async () => {
    const moved = join(mkdtempSync(join(tmpdir(), 'apprentice-scale-')), 'correctness');
    cpSync(CORRECTNESS, moved, { recursive: true });
    const out = join(moved, '..', 'rows.csv');
    const withoutTasks = await runCli(['scale', 'import-grimoire-correctness', moved, '--out', out]);
    expect(withoutTasks.code).toBe(2);
    expect(withoutTasks.stderr).toContain('tasks.json');
    const tasks = join(CORRECTNESS, '..', '..', 'tasks.json');
    const imported = await runCli(['scale', 'import-grimoire-correctness', moved, '--tasks', tasks, '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBeGreaterThan(30);
  });

  it('names the file, line and field of a bad row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-scale-'));
    const file = join(dir, 'rows.csv');
    writeFileSync(file, 'model,params,task,metric,score\na,1e9,t,acc,0.5\nb,7e9,t,acc,high\n');
    const result = await runCli(['scale', 'analyze', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/rows\.csv:3.*score/);
  });
});
