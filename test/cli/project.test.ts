/** `apprentice run`: the project file (apprentice.yaml) and its JSON schema (issue #19). */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { PROJECT_SCHEMA_FILE, projectJsonSchemaText, projectSchema } from '../../src/cli/project/schema.js';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

const PALM = join(PROJECT_ROOT, 'examples', 'svamp-palm');

function project(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-project-'));
  const file = join(dir, 'apprentice.yaml');
  writeFileSync(file, text.replaceAll('$DIR', dir).replaceAll('$PALM', PALM));
  return { dir, file };
}

describe('the project file schema', () => {
  it('is checked in as generated from the zod schema (run `npm run schema` after changing eval options)', () => {
    expect(readFileSync(join(PROJECT_ROOT, PROJECT_SCHEMA_FILE), 'utf8')).toBe(projectJsonSchemaText());
  });

  it('lists every eval option under its flag name, and accepts the example project', () => {
    const schema = JSON.parse(projectJsonSchemaText()) as { properties: { evals: { items: { properties: Record<string, { description?: string }> } } } };
    const evalKeys = schema.properties.evals.items.properties;
    for (const key of ['name', 'dataset', 'model', 'prompt-style', 'max-tokens', 'fail-under', 'junit', 'runs', 'labels'])
      expect(evalKeys, key).toHaveProperty(key);
    expect(evalKeys['max-tokens']!.description).toBe('maximum tokens per completion');
    const example = YAML.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'apprentice.yaml'), 'utf8')) as unknown;
    expect(projectSchema.safeParse(example).success).toBe(true);
    expect(projectSchema.safeParse({ evals: [{ name: 'a', 'max-tokns': 3 }] }).success).toBe(false);
  });
});

describe('apprentice run', () => {
  const twoEvals = `
datasets:
  svamp: svamp:$PALM
defaults:
  runs: $DIR/runs
  limit: 20
  progress: false
  json: true
evals:
  - name: lenient
    dataset: svamp
    predictions: $PALM/palm-540b-cot.predictions.jsonl
    fail-under: 50%
  - name: strict
    dataset: svamp
    predictions: $PALM/palm-540b-cot.predictions.jsonl
    limit: 10
    fail-under: 99%
`;

  it('runs every eval with defaults under its own settings, names run folders by eval, and exits 5 when a gate fails', async () => {
    const { file } = project(twoEvals);
    const result = await runCli(['run', '--config', file]);
    expect(result.code, result.stderr).toBe(5);
    const summaries = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { n: number; runDir: string });
    expect(summaries.map((s) => [basename(s.runDir).replace(/-[0-9a-f]{12}$/, ''), s.n])).toEqual([
      ['lenient', 20],
      ['strict', 10],
    ]);
    expect(result.stderr).toMatch(/lenient: ok\nstrict: gate failed \(exit 5\)/);
  });

  it('--only runs the named evals; --list names them; an unknown name lists the known ones', async () => {
    const { file } = project(twoEvals);
    const only = await runCli(['run', '--config', file, '--only', 'lenient']);
    expect(only.code, only.stderr).toBe(0);
    expect(lastJson<{ n: number }>(only).n).toBe(20);
    const list = await runCli(['run', '--config', file, '--list']);
    expect(list.stdout).toBe('lenient\nstrict\n');
    const unknown = await runCli(['run', '--config', file, '--only', 'lenientt']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no eval named "lenientt"');
    expect(unknown.stderr).toContain('evals: lenient, strict');
  });

  it("a named dataset carries its reading options; the eval's own options win over them", async () => {
    const { dir, file } = project('');
    writeFileSync(
      join(dir, 'reviews.jsonl'),
      ['great film', 'dull and long', 'a joy'].map((text, i) => JSON.stringify({ text, label: i === 1 ? 0 : 1 })).join('\n') + '\n',
    );
    writeFileSync(join(dir, 'predictions.jsonl'), [0, 1, 2].map((index) => JSON.stringify({ index, output: 'positive' })).join('\n') + '\n');
    writeFileSync(
      file,
      [
        'datasets:',
        '  reviews:',
        `    dataset: jsonl:${join(dir, 'reviews.jsonl')}`,
        '    input-field: text',
        '    labels: [negative, positive]',
        'evals:',
        '  - name: all-positive',
        '    dataset: reviews',
        `    predictions: ${join(dir, 'predictions.jsonl')}`,
        `    runs: ${join(dir, 'runs')}`,
        '    split: test',
        '    json: true',
        '  - name: swapped-labels',
        '    dataset: reviews',
        '    labels: [positive, negative]',
        `    predictions: ${join(dir, 'predictions.jsonl')}`,
        `    runs: ${join(dir, 'runs')}`,
        '    split: test',
        '    json: true',
      ].join('\n') + '\n',
    );
    const result = await runCli(['run', '--config', file]);
    expect(result.code, result.stderr).toBe(0);
    const [plain, swapped] = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { correct: number });
    expect(plain!.correct).toBe(2);
    expect(swapped!.correct).toBe(1);
  });

  it.each([
    [
      'an unknown key',
      'evals:\n  - name: a\n    dataset: svamp:$PALM\n    max-tokns: 3\n',
      /apprentice\.yaml:4, field "evals\[0\]\.max-tokns": unknown key "max-tokns"/,
    ],
    ['a bad default', 'defaults:\n  limit: -2\nevals:\n  - name: a\n    dataset: svamp:$PALM\n', /apprentice\.yaml:2, field "defaults\.limit"/],
    [
      'a bad gate',
      'evals:\n  - name: a\n    dataset: svamp:$PALM\n    fail-under: 120%\n',
      /apprentice\.yaml:4, field "evals\[0\]\.fail-under": expected a fraction/,
    ],
    [
      'an unknown dataset name',
      'evals:\n  - name: a\n    dataset: svampy\n',
      /apprentice\.yaml:3, field "evals\[0\]\.dataset": "svampy" is neither a dataset spec/,
    ],
    [
      'two evals with one name',
      'evals:\n  - name: a\n    dataset: svamp:$PALM\n  - name: a\n    dataset: svamp:$PALM\n',
      /apprentice\.yaml:4, field "evals\[1\]\.name": two evals are named "a"/,
    ],
  ])('names file, line and field of %s', async (_what, text, message) => {
    const { file } = project(text);
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('checks every eval before the first one runs', async () => {
    const { dir, file } = project(
      'defaults:\n  runs: $DIR/runs\nevals:\n  - name: a\n    dataset: svamp:$PALM\n    predictions: $PALM/palm-540b-cot.predictions.jsonl\n  - name: b\n    predictions: x.jsonl\n',
    );
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/apprentice\.yaml:7, field "evals\[1\]": eval "b" has no dataset/);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });
});
