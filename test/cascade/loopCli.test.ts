/**
 * The loop through the CLI as a user runs it (bin/apprentice.js on dist/): `serve <teacher> --store`, then
 * `distill from-store`; `cascade calibrate` (refused on test) and `cascade eval`; `serve --cascade`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli.js';
import { startServeCli } from '../support/serveCli.js';
import { difficulty, startStandIns, writeSumsDataset } from './standIns.js';

const UPSTREAM_KEY = 'sk-cli-upstream-9d8c7b6a5f4e3d2c';

let dir: string;
let standIns: Awaited<ReturnType<typeof startStandIns>>;
const env = { OPENAI_API_KEY: UPSTREAM_KEY, APPRENTICE_CACHE: 'none' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apprentice-loop-cli-'));
  standIns = await startStandIns();
});

afterAll(async () => {
  await standIns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the serve loop through the CLI', () => {
  it('serve --store captures traffic that distill from-store turns into annotations, with no key in any file', async () => {
    const store = join(dir, 'capture');
    const serving = await startServeCli([`openai:teacher@${standIns.teacher.url}`, '--port', '0', '--store', store], { env });
    expect(serving.output).toMatch(/storing exchanges in .*exchanges\.sqlite/);
    try {
      const client = new OpenAI({ baseURL: serving.baseURL, apiKey: 'unused', maxRetries: 0 });
      for (const content of ['What is 2 + 3?', 'What is 4 + 5?', 'What is 2 + 3?']) {
        await client.chat.completions.create({ model: 'teacher', messages: [{ role: 'user', content }], temperature: 0, metadata: { app: 'math' } });
      }
      await client.chat.completions.create({
        model: 'teacher',
        messages: [{ role: 'user', content: 'What is 1 + 1?' }],
        temperature: 0,
        metadata: { app: 'other' },
      });
    } finally {
      const exit = await serving.stop();
      expect(exit.code, exit.stderr).toBe(0);
    }
    const out = join(dir, 'annotations');
    const result = await runCli(['distill', 'from-store', store, '--where', 'metadata.app=math', '--held-out', '0', '--out', out], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/3 stored exchanges, 2 distinct conversations/);
    const records = readFileSync(join(out, 'train', 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { output: string; prompt: unknown });
    expect(records.map((record) => record.output).sort()).toEqual(['The answer is 5.', 'The answer is 9.']);
    for (const name of readdirSync(store)) expect(readFileSync(join(store, name)).includes(UPSTREAM_KEY), name).toBe(false);

    const badWhere = await runCli(['distill', 'from-store', store, '--where', 'app=math', '--out', join(dir, 'bad')], { env });
    expect(badWhere.code).not.toBe(0);
    expect(badWhere.stderr).toMatch(/--where takes metadata\.<key>=<value>/);
  }, 120_000);

  it('cascade calibrate (never on test), cascade eval, then serve --cascade with the chosen threshold', async () => {
    const dataset = writeSumsDataset(join(dir, 'sums'), { train: 5, validation: 80, test: 80 });
    const common = [
      '--student',
      `openai:student@${standIns.student.url}`,
      '--teacher',
      `openai:teacher@${standIns.teacher.url}`,
      '--dataset',
      dataset,
      '--input-field',
      'question',
      '--label-field',
      'answer',
      '--answer-type',
      'number',
      '--target-accuracy',
      '0.85',
      '--no-progress',
    ];
    const onTest = await runCli(['cascade', 'calibrate', ...common, '--split', 'test', '--out', join(dir, 'on-test')], { env });
    expect(onTest.code).not.toBe(0);
    expect(onTest.stderr).toMatch(/never on test/);
    expect(existsSync(join(dir, 'on-test', 'calibration.json'))).toBe(false);

    const out = join(dir, 'cascade');
    const calibrated = await runCli(['cascade', 'calibrate', ...common, '--out', out], { env });
    expect(calibrated.code, calibrated.stderr).toBe(0);
    expect(calibrated.stdout).toMatch(/chosen threshold (\d\.\d+)/);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'cascade.svg'))).toBe(true);
    const threshold = /chosen threshold (\d\.\d+)/.exec(calibrated.stdout)![1]!;

    const evaluated = await runCli(['cascade', 'eval', '--calibration', out, '--split', 'test'], { env });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(new RegExp(`80 test examples at threshold ${threshold} \\(chosen on validation\\)`));
    expect(evaluated.stdout).toMatch(/teacher calls saved/);

    const serving = await startServeCli(
      [
        '--cascade',
        '--student',
        `openai:student@${standIns.student.url}`,
        '--teacher',
        `openai:teacher@${standIns.teacher.url}`,
        '--threshold',
        threshold,
        '--port',
        '0',
      ],
      { env },
    );
    try {
      expect(serving.output).toMatch(/cascade: openai:student@.* first, openai:teacher@.* when its logprob confidence is below/);
      const client = new OpenAI({ baseURL: serving.baseURL, apiKey: 'unused', maxRetries: 0 });
      const a = 3;
      let b = 5;
      while (difficulty(a, b) !== 8) b++;
      const { response } = await client.chat.completions
        .create({ model: 'cascade-student', messages: [{ role: 'user', content: `What is ${a} + ${b}?` }] })
        .withResponse();
      expect(response.headers.get('x-apprentice-answered-by')).toBe('teacher');
    } finally {
      const exit = await serving.stop();
      expect(exit.code, exit.stderr).toBe(0);
    }
  }, 240_000);
});
