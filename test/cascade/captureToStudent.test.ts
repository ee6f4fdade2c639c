/**
 * Capture to student through the CLI (bin/apprentice.js on dist/): `serve <teacher> --store` keeps traffic,
 * `distill from-store` turns it into an annotations folder holding its own captured: dataset, `distill run`
 * trains a student on it without being told a dataset (tested on the folder's test split, which is never
 * trained on), and the student's report and `eval` work on the same dataset.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../support/runCli.js';
import { startServeCli } from '../support/serveCli.js';
import { startStandIns } from './standIns.js';

let dir: string;
let standIns: Awaited<ReturnType<typeof startStandIns>>;
const env = { OPENAI_API_KEY: 'sk-capture-student-1f2e3d4c5b6a', APPRENTICE_CACHE: 'none' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apprentice-capture-student-'));
  standIns = await startStandIns();
});

afterAll(async () => {
  await standIns?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface DatasetLine {
  split: string;
  input: string;
  target: string;
}

describe('captured traffic to a trained student through the CLI', () => {
  it('serve --store, distill from-store, distill run on the folder, then report and eval', async () => {
    const store = join(dir, 'capture');
    const serving = await startServeCli([`openai:teacher@${standIns.teacher.url}`, '--port', '0', '--store', store], { env });
    try {
      const client = new OpenAI({ baseURL: serving.baseURL, apiKey: 'unused', maxRetries: 0 });
      for (let i = 0; i < 40; i++) {
        const content = `What is ${3 + i} + ${5 + ((i * 7) % 11)}?`;
        await client.chat.completions.create({ model: 'teacher', messages: [{ role: 'user', content }], temperature: 0, metadata: { app: 'math' } });
      }
    } finally {
      const exit = await serving.stop();
      expect(exit.code, exit.stderr).toBe(0);
    }

    const annotations = join(dir, 'annotations');
    const captured = await runCli(['distill', 'from-store', store, '--held-out', '0.2', '--test', '0.25', '--out', annotations, '--json'], { env });
    expect(captured.code, captured.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(annotations, 'manifest.json'), 'utf8')) as { dataset: string };
    expect(manifest.dataset).toMatch(/^captured:.+#[0-9a-f]{16}$/);
    const lines = readFileSync(join(annotations, 'dataset.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DatasetLine);
    expect(lines).toHaveLength(40);
    const test = lines.filter((line) => line.split === 'test');
    expect(test.length).toBeGreaterThan(3);
    for (const line of lines)
      expect(line.target).toBe(
        `The answer is ${line.input
          .match(/\d+/g)!
          .map(Number)
          .reduce((a, b) => a + b)}.`,
      );
    // Test conversations are in the dataset only: no annotation (nothing a student trains on) holds them.
    const annotated = ['train', 'validation'].flatMap((split) =>
      readFileSync(join(annotations, split, 'records.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    );
    expect(annotated).toHaveLength(40 - test.length);
    for (const line of test) expect(annotated.some((record) => record.includes(JSON.stringify(line.input)))).toBe(false);

    const sweep = join(dir, 'sweep');
    const run = await runCli(
      [
        'distill',
        'run',
        '--annotations',
        annotations,
        '--methods',
        'standard-distill',
        '--fractions',
        '1',
        '--seeds',
        '1',
        '--student',
        'tiny',
        '--steps',
        '4',
        '--batch-size',
        '8',
        '--context',
        '128',
        '--max-tokens',
        '8',
        '--out',
        sweep,
        '--json',
        '--no-progress',
      ],
      { env },
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = lastJson<{ cells: Array<{ method: string; accuracy: number; skipped?: boolean }> }>(run);
    expect(summary.cells.filter((cell) => !cell.skipped).map((cell) => cell.method)).toEqual(['standard-distill']);
    const cell = join(sweep, 'cells', 'standard-distill', 'f1-s0');
    const tested = readFileSync(join(cell, 'test.jsonl'), 'utf8').trim().split('\n');
    expect(tested).toHaveLength(test.length);

    const report = await runCli(['report', sweep, '--out', join(dir, 'report'), '--json'], { env });
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(lastJson<{ html: string }>(report).html, 'utf8')).toContain('captured');

    const evaluated = await runCli(
      [
        'eval',
        '--dataset',
        manifest.dataset,
        '--split',
        'test',
        '--model',
        `builtin:${join(cell, 'student')}`,
        '--runs',
        join(dir, 'runs'),
        '--json',
        '--no-progress',
      ],
      { env },
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const scored = lastJson<{ n: number; accuracy: number }>(evaluated);
    expect(scored.n).toBe(test.length);
    expect(scored.accuracy).toBeCloseTo(summary.cells[0]!.accuracy, 10);

    // A dataset file edited after from-store wrote it is refused, naming the file.
    writeFileSync(join(annotations, 'dataset.jsonl'), readFileSync(join(annotations, 'dataset.jsonl'), 'utf8').replace('The answer', 'An answer'));
    const edited = await runCli(
      ['distill', 'run', '--annotations', annotations, '--methods', 'standard-distill', '--out', join(dir, 'edited'), '--no-progress'],
      { env },
    );
    expect(edited.code).not.toBe(0);
    expect(edited.stderr).toMatch(/dataset\.jsonl.*changed since distill from-store wrote it/);
    expect(existsSync(join(dir, 'edited', 'results.json'))).toBe(false);

    // A folder an older from-store wrote names its store, not a dataset: the error says what to do.
    const manifestPath = join(annotations, 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace(/"dataset": "[^"]*"/, `"dataset": "store:${store}"`));
    const older = await runCli(['distill', 'run', '--annotations', annotations, '--out', join(dir, 'older'), '--no-progress'], { env });
    expect(older.code).not.toBe(0);
    expect(older.stderr).toMatch(/manifest\.json.*run distill from-store again, or give --dataset/);
  }, 300_000);
});
