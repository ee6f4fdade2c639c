/**
 * A distilled student scores the same through `apprentice eval --model builtin:<student dir>` as inside its
 * sweep: the same raw prompt (its method's format; an in-context student the same demonstrations), the same
 * output and the same extraction, example by example — for the quickstart's students (one per prompt kind) and
 * for an in-context CoT student of `distill run` (Fu et al.'s mixture), all through the built CLI (run
 * `npx tsc -p tsconfig.build.json` first). The students are the `--scale tiny` ones: what they answer is
 * nonsense, which is fine here — the test compares prompts and answers, not who wins.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUICKSTART_SCALES } from '../../src/distill/quickstart.js';
import { lastJson, runCli } from '../support/runCli.js';

interface Answer {
  index: number;
  prompt: string;
  output: string | null;
  extracted: string | null;
  correct: boolean;
}

function answers(file: string): Answer[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Answer)
    .sort((a, b) => a.index - b.index);
}

async function evalStudent(dataset: string, student: string, runs: string, extra: string[] = []) {
  const result = await runCli([
    'eval',
    '--dataset',
    dataset,
    '--split',
    'test',
    '--model',
    `builtin:${student}`,
    '--runs',
    runs,
    '--json',
    '--no-progress',
    ...extra,
  ]);
  expect(result.code, result.stderr).toBe(0);
  const summary = lastJson<{ accuracy: number; n: number; runDir: string }>(result);
  return { summary, records: answers(join(summary.runDir, 'records.jsonl')) };
}

function expectSameAnswers(cell: string, records: Answer[]) {
  const inSweep = answers(join(cell, 'test.jsonl'));
  expect(records.length).toBe(inSweep.length);
  records.forEach((record, i) => {
    const expected = inSweep[i]!;
    expect(record.index).toBe(expected.index);
    expect(record.prompt).toBe(expected.prompt);
    expect(record.output).toBe(expected.output);
    expect(record.extracted).toBe(expected.extracted);
    expect(record.correct).toBe(expected.correct);
  });
}

describe('apprentice eval --model builtin:<student dir>', () => {
  it('scores quickstart students and an in-context CoT student exactly as their sweep did', async () => {
    const root = mkdtempSync(join(tmpdir(), 'apprentice-student-eval-'));
    const out = join(root, 'qs');
    const dataset = QUICKSTART_SCALES.tiny.dataset;
    const quickstart = await runCli(['quickstart', '--scale', 'tiny', '--out', out, '--json', '--no-progress']);
    expect(quickstart.code, quickstart.stderr).toBe(0);
    const printed = lastJson<{ cells: { method: string; fraction: number; seed: number; accuracy: number; skipped?: string }[] }>(quickstart);

    const atFull = printed.cells.filter((c) => c.fraction === 1 && !c.skipped);
    expect(atFull.map((c) => c.method).sort()).toEqual([...QUICKSTART_SCALES.tiny.methods].sort());
    // One student per prompt kind: answer-only (standard distillation is asked the same), the chain, and [label]
    // (step-by-step with teacher labels is asked the same).
    for (const cell of atFull.filter((c) => ['standard-ft', 'cot-zero-shot-cot', 'step-by-step-gold'].includes(c.method))) {
      const dir = join(out, 'cells', cell.method, `f1-s${cell.seed}`);
      const { summary, records } = await evalStudent(dataset, join(dir, 'student'), join(root, 'runs'));
      expect(summary.accuracy, cell.method).toBeCloseTo(cell.accuracy, 10);
      expectSameAnswers(dir, records);
    }

    // Asked otherwise on purpose (--prompt), a step-by-step student gets the plain zero-shot prompt, not its [label] one.
    const sbs = join(out, 'cells', 'step-by-step-gold', 'f1-s0');
    const plain = await evalStudent(dataset, join(sbs, 'student'), join(root, 'runs'), ['--prompt-style', 'zero-shot', '--max-tokens', '4', '--limit', '1']);
    expect(plain.records[0]!.prompt).not.toBe(answers(join(sbs, 'test.jsonl'))[0]!.prompt);

    // An in-context student (the Fu et al. mixture) on the quickstart's annotations: the same demonstrations.
    const sweep = join(root, 'cot');
    const run = await runCli([
      'distill',
      'run',
      '--dataset',
      dataset,
      '--annotations',
      join(out, 'annotations'),
      '--methods',
      'cot',
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
      '400',
      '--cot-max-tokens',
      '24',
      '--out',
      sweep,
      '--json',
      '--no-progress',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const cotCell = join(sweep, 'cells', 'cot', 'f1-s0');
    expect(existsSync(join(cotCell, 'student', 'student-prompt.json'))).toBe(true);
    const cot = await evalStudent(dataset, join(cotCell, 'student'), join(root, 'runs'));
    expect(cot.records[0]!.prompt.split('Question:').length - 1).toBe(5); // four demonstrations and the question
    expectSameAnswers(cotCell, cot.records);
  }, 300_000);
});
