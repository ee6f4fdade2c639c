/** The CLI end to end without any model: the quickstart, existing predictions and bad input. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'apprentice-cli-'));

interface Summary {
  n: number;
  scored: number;
  correct: number;
  accuracy: number;
  ci95: [number, number];
  invalid: number;
  errors: number;
  resumed: boolean;
  runDir: string;
  usage: { promptTokens: number; completionTokens: number; costUsd: number };
}

describe('apprentice quickstart --example palm-svamp', () => {
  it('scores the bundled PaLM answers offline, then resumes the finished run', async () => {
    const runs = tempDir();
    const first = await runCli(['quickstart', '--example', 'palm-svamp', '--runs', runs, '--json', '--no-progress']);
    expect(first.code, first.stderr).toBe(0);
    const summary = lastJson<Summary>(first);
    expect(summary).toMatchObject({ n: 200, scored: 200, errors: 0, resumed: false });
    // PaLM 540B's few-shot CoT on SVAMP is reported around 70-80%; what we score must be in that region.
    expect(summary.accuracy).toBeGreaterThan(0.6);
    expect(summary.accuracy).toBeLessThan(0.9);
    expect(summary.ci95[0]).toBeLessThan(summary.accuracy);
    expect(summary.ci95[1]).toBeGreaterThan(summary.accuracy);
    expect(summary.correct).toBe(Math.round(summary.accuracy * 200));

    const second = await runCli(['quickstart', '--example', 'palm-svamp', '--runs', runs, '--json', '--no-progress']);
    expect(lastJson<Summary>(second)).toMatchObject({ resumed: true, correct: summary.correct, runDir: summary.runDir });
  });

  it('prints a readable table by default', async () => {
    const result = await runCli(['quickstart', '--example', 'palm-svamp', '--runs', tempDir(), '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/accuracy\s+\d+\.\d%\s+95% CI \[\d+\.\d%, \d+\.\d%\]/);
  });
});

describe('apprentice eval --predictions', () => {
  const dataset = () => {
    const dir = tempDir();
    const file = join(dir, 'reviews.jsonl');
    writeFileSync(
      file,
      [
        { text: 'great film', label: 1 },
        { text: 'dull and long', label: 0 },
        { text: 'a joy', label: 1 },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n') + '\n',
    );
    return { dir, file };
  };
  const baseArgs = (file: string, runs: string) => [
    'eval',
    '--dataset',
    `jsonl:${file}`,
    '--input-field',
    'text',
    '--label-field',
    'label',
    '--labels',
    'negative,positive',
    '--split',
    'test',
    '--runs',
    runs,
    '--json',
    '--no-progress',
  ];

  it('scores outputs from another system, counting an unparseable one as invalid', async () => {
    const { dir, file } = dataset();
    const predictions = join(dir, 'predictions.jsonl');
    writeFileSync(predictions, '{"index":0,"output":"Answer: positive"}\n{"index":1,"output":"Positive."}\n{"index":2,"output":"no idea"}\n');
    const result = await runCli([...baseArgs(file, dir), '--predictions', predictions]);
    expect(result.code, result.stderr).toBe(0);
    // No model was called: nothing came from the cache, and there is no latency to report.
    expect(lastJson<Summary>(result)).toMatchObject({ n: 3, scored: 3, correct: 1, invalid: 1, errors: 0, cachedCalls: 0, latencyMs: { mean: null } });
    const table = await runCli([...baseArgs(file, dir).filter((arg) => arg !== '--json'), '--predictions', predictions]);
    expect(table.stdout).toMatch(/accuracy\s+33\.3%/);
    expect(table.stdout).not.toContain('from the cache');
  });

  it('--answer-pattern reads a format nothing else covers, records it per example, and a bad pattern exits 2 naming the flag', async () => {
    const { dir, file } = dataset();
    const predictions = join(dir, 'predictions.jsonl');
    writeFileSync(
      predictions,
      '{"index":0,"output":"label=>positive"}\n{"index":1,"output":"both positive and negative words; label=>negative"}\n{"index":2,"output":"label=>positive"}\n',
    );
    const plain = await runCli([...baseArgs(file, dir), '--predictions', predictions]);
    expect(lastJson<Summary>(plain)).toMatchObject({ correct: 2, invalid: 1 });
    const result = await runCli([...baseArgs(file, dir), '--predictions', predictions, '--answer-pattern', 'label=>(\\w+)']);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJson<Summary & { runDir: string }>(result);
    expect(summary).toMatchObject({ n: 3, correct: 3, invalid: 0 });
    const records = readFileSync(join(summary.runDir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { answerPattern?: string });
    expect(records.map((r) => r.answerPattern)).toEqual(['custom', 'custom', 'custom']);
    const bad = await runCli([...baseArgs(file, dir), '--predictions', predictions, '--answer-pattern', '(unclosed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/answer-pattern.*not a valid regular expression/);
  });

  it('names the file, line and field of a bad predictions line and exits 2', async () => {
    const { dir, file } = dataset();
    const predictions = join(dir, 'predictions.jsonl');
    writeFileSync(predictions, '{"index":0,"output":"positive"}\n{"index":1}\n');
    const result = await runCli([...baseArgs(file, dir), '--predictions', predictions]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${predictions}:2, field "output"`);
  });

  it('names the file and line of a malformed dataset line and exits 2', async () => {
    const { dir, file } = dataset();
    writeFileSync(file, '{"text":"ok","label":1}\n{"text": broken\n');
    const result = await runCli([...baseArgs(file, dir), '--predictions', join(dir, 'none.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:2`);
  });

  it('names the field of an unknown label and exits 2', async () => {
    const { dir, file } = dataset();
    writeFileSync(file, '{"text":"ok","label":"positive"}\n{"text":"meh","label":"neutral"}\n');
    const result = await runCli([...baseArgs(file, dir), '--predictions', join(dir, 'none.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${file}:2.*label`));
  });

  it('rejects a bad option value with a clear message', async () => {
    const { dir, file } = dataset();
    const result = await runCli([...baseArgs(file, dir), '--limit', 'zero']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--limit');
  });
});

describe('apprentice compare', () => {
  it('pairs two runs on the same examples and tests their difference', async () => {
    const runs = tempDir();
    const quickstart = lastJson<Summary>(await runCli(['quickstart', '--example', 'palm-svamp', '--runs', runs, '--json', '--no-progress']));
    const example = join(PROJECT_ROOT, 'examples', 'svamp-palm');
    const original = readFileSync(join(example, 'palm-540b-cot.predictions.jsonl'), 'utf8').trim().split('\n');
    // Spoil the first 40 answers: B can only lose where A was right.
    const spoiled = original.map((line, i) => (i < 40 ? JSON.stringify({ index: i, output: 'The answer is (123456).' }) : line));
    const predictions = join(runs, 'spoiled.jsonl');
    writeFileSync(predictions, spoiled.join('\n') + '\n');
    const b = await runCli([
      'eval',
      '--dataset',
      `svamp:${example}`,
      '--split',
      'test',
      '--predictions',
      predictions,
      '--runs',
      runs,
      '--json',
      '--no-progress',
    ]);
    expect(b.code, b.stderr).toBe(0);
    const runB = lastJson<Summary>(b);

    const records = readFileSync(join(quickstart.runDir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; correct: boolean });
    const lost = records.filter((record) => record.index < 40 && record.correct).length;
    const compared = await runCli(['compare', quickstart.runDir, runB.runDir, '--json']);
    expect(compared.code, compared.stderr).toBe(0);
    const result = lastJson<{
      paired: number;
      mcnemar: { onlyA: number; onlyB: number; pValue: number };
      difference: { mean: number; ci95: [number, number] };
    }>(compared);
    expect(result.paired).toBe(200);
    expect(result.mcnemar).toMatchObject({ onlyA: lost, onlyB: 0 });
    expect(result.mcnemar.pValue).toBeLessThan(0.001);
    expect(result.difference.mean).toBeCloseTo(-lost / 200, 10);
    expect(result.difference.ci95[1]).toBeLessThan(0);
  });
});
