/** `--config <file>`: every command reads its options from YAML or JSON; flags on the command line win. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../support/fullProgram.js';
import { lastJson, runCli } from '../support/runCli.js';

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-config-'));
  const dataset = join(dir, 'reviews.jsonl');
  writeFileSync(dataset, ['great film', 'dull and long', 'a joy'].map((text, i) => JSON.stringify({ text, label: i === 1 ? 0 : 1 })).join('\n') + '\n');
  const predictions = join(dir, 'predictions.jsonl');
  writeFileSync(predictions, '{"index":0,"output":"positive"}\n{"index":1,"output":"positive"}\n{"index":2,"output":"positive"}\n');
  return { dir, dataset, predictions };
}

describe('--config', () => {
  it('is an option of every command', () => {
    const leaves = (command: ReturnType<typeof buildProgram>): ReturnType<typeof buildProgram>[] =>
      command.commands.flatMap((sub) => (sub.commands.length ? leaves(sub) : [sub]));
    const commands = leaves(buildProgram());
    expect(commands.length).toBeGreaterThan(15);
    for (const command of commands)
      expect(
        command.options.map((o) => o.long),
        command.name(),
      ).toContain('--config');
  });

  it('gives eval its options from YAML (kebab- or camelCase keys, lists for comma lists); a flag given on the command line wins', async () => {
    const { dir, dataset, predictions } = fixture();
    const config = join(dir, 'run.yaml');
    writeFileSync(
      config,
      [
        `dataset: jsonl:${dataset}`,
        'input-field: text',
        'labelField: label',
        'labels: [negative, positive]',
        'split: test',
        `predictions: ${predictions}`,
        `runs: ${join(dir, 'runs')}`,
        'limit: 3',
        'json: true',
        'progress: false',
      ].join('\n') + '\n',
    );
    const fromFile = await runCli(['eval', '--config', config]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(lastJson(fromFile)).toMatchObject({ n: 3, scored: 3, correct: 2 });
    for (const args of [
      ['--config', config, '--limit', '2'],
      ['--limit', '2', '--config', config],
    ]) {
      const result = await runCli(['eval', ...args]);
      expect(result.code, result.stderr).toBe(0);
      expect(lastJson(result)).toMatchObject({ n: 2, scored: 2, correct: 1 });
    }
  });

  it('reads JSON for commands that take positional arguments too', async () => {
    const { dir } = fixture();
    const rows = join(dir, 'rows.csv');
    writeFileSync(rows, 'model,params,task,metric,score\na,1e9,t,acc,0.2\nb,7e9,t,acc,0.4\nc,7e10,t,acc,0.6\n');
    const config = join(dir, 'analyze.json');
    writeFileSync(config, JSON.stringify({ json: true }));
    const result = await runCli(['scale', 'analyze', rows, '--config', config]);
    expect(result.code, result.stderr).toBe(0);
    expect(lastJson<Array<{ task: string }>>(result)[0]).toMatchObject({ task: 't' });
  });

  it('names the file and the key of an unknown option, and the file of unreadable YAML', async () => {
    const { dir, dataset } = fixture();
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, `dataset: jsonl:${dataset}\nmodle: replay:x.jsonl\n`);
    const result = await runCli(['eval', '--config', unknown]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown.yaml');
    expect(result.stderr).toContain('modle');

    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'dataset: [unclosed\n');
    const bad = await runCli(['eval', '--config', broken]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/broken\.yaml.*invalid YAML|invalid YAML.*broken\.yaml/);
  });
});
