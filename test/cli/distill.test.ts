/**
 * `apprentice distill` as a user runs it (the built CLI; run `npx tsc -p tsconfig.build.json` first):
 * import of the real PaLM outputs, live and Batch API annotation against loopback servers, and the
 * training data built from the annotations.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { startFakeBatchServer } from '../support/fakeBatchServer.js';
import { startFakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

const DATASETS = join(PROJECT_ROOT, '..', 'shared', 'datasets');
const haveShared = existsSync(join(DATASETS, 'svamp', 'teacher-palm-540b'));
const temp = () => mkdtempSync(join(tmpdir(), 'apprentice-distill-cli-'));
const SYNTHETIC = 'synthetic:easy,seed=2,train=6,validation=0,test=2';

interface SplitStats {
  n: number;
  parsed: number;
  parseRate: number;
  teacherAccuracy: number;
  correct: number;
  errors: number;
}
interface Printed {
  n: number;
  parsed: number;
  parseRate: number;
  teacherAccuracy: number;
  splits: Record<string, SplitStats>;
  out: string;
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** The synthetic problems' gold answers, so the fake teacher is right except on the first train problem. */
let gold: Map<string, string>;
beforeAll(async () => {
  const dataset = await loadDataset(SYNTHETIC);
  gold = new Map(
    Object.values(dataset.splits)
      .flat()
      .map((example) => [example.input, example.target]),
  );
});

function solve(prompt: string): string {
  const question = prompt.split('Question: ').pop()!.split('\n')[0]!;
  const target = gold.get(question)!;
  const first = question === [...gold.keys()].at(-6) ? Number(target) + 1 : target;
  return `I work through the steps in order. The answer is ${first}.\nQ: an invented next question`;
}

describe.skipIf(!haveShared)('distill import on the real PaLM 540B outputs (skipped without ../shared/datasets)', () => {
  it('SVAMP: n, parsed, parseRate and teacherAccuracy per split', async () => {
    const out = join(temp(), 'svamp');
    const result = await runCli([
      'distill',
      'import',
      '--dataset',
      `svamp:${join(DATASETS, 'svamp')}`,
      '--teacher-outputs',
      join(DATASETS, 'svamp', 'teacher-palm-540b'),
      '--out',
      out,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const printed = lastJson<Printed>(result);
    // Parsed exactly as `eval --predictions` reads the same outputs (every test chain yields an answer there too).
    expect(printed.splits.test).toMatchObject({ n: 200, parsed: 200, parseRate: 1, teacherAccuracy: 0.78 });
    expect(printed.splits.train).toMatchObject({ n: 800, parsed: 795 });
    expect(printed).toMatchObject({ n: 1000, parsed: 995 });
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  });

  it('CommonsenseQA, then step-by-step data from it', async () => {
    const out = join(temp(), 'cqa');
    const result = await runCli([
      'distill',
      'import',
      '--dataset',
      `cqa:${join(DATASETS, 'cqa')}`,
      '--teacher-outputs',
      join(DATASETS, 'cqa', 'teacher-palm-540b'),
      '--out',
      out,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const printed = lastJson<Printed>(result);
    expect(printed.splits.test).toMatchObject({ n: 1221, parsed: 1205, correct: 962 });
    expect(printed.splits.train).toMatchObject({ n: 9741, parsed: 9559, correct: 7388 });

    const data = join(temp(), 'sbs.jsonl');
    const built = await runCli(['distill', 'build', '--annotations', out, '--method', 'step-by-step', '--fraction', '0.125', '--out', data, '--json']);
    expect(built.code, built.stderr).toBe(0);
    const report = lastJson<{ selected: number; rows: number; byTask: Record<string, number> }>(built);
    expect(report.selected).toBe(Math.round(9741 * 0.125));
    const rows = readFileSync(data, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(report.rows);
    expect(rows[0].prompt).toMatch(/^\[label\] Question: .*\nAnswer choices:\n\(a\) /s);
    expect(rows[0].completion).toMatch(/^ \([a-e]\) /);
    expect(rows[1]).toMatchObject({ task: 'rationale', weight: 0.5 });
  });
});

describe('distill annotate, build and export (loopback servers, built-in synthetic task)', () => {
  it('live: annotates through the model layer, then builds every method and exports OpenAI and HF files', async () => {
    const server = await startFakeOpenAIServer({ thread: false, answer: solve });
    servers.push(server);
    const out = join(temp(), 'ann');
    const result = await runCli([
      'distill',
      'annotate',
      '--dataset',
      SYNTHETIC,
      '--teacher',
      `openai:t@${server.url}`,
      '--out',
      out,
      '--splits',
      'train,test',
      '--json',
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const printed = lastJson<Printed>(result);
    expect(printed.splits.train).toMatchObject({ n: 6, parsed: 6, correct: 5, errors: 0 });
    expect(printed.splits.test).toMatchObject({ n: 2, parsed: 2, correct: 2 });
    expect(server.requests).toHaveLength(8);

    for (const method of ['standard-ft', 'standard-distill', 'step-by-step', 'cot']) {
      const file = join(temp(), `${method}.jsonl`);
      const built = await runCli(['distill', 'build', '--annotations', out, '--method', method, '--out', file, '--json']);
      expect(built.code, built.stderr).toBe(0);
      const rows = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(typeof row.prompt === 'string' && typeof row.completion === 'string').toBe(true);
    }
    // Chain-of-thought data: only answers matching gold, one chain each, all in one format.
    const cot = join(temp(), 'cot-zero-shot.jsonl');
    const builtCot = await runCli([
      'distill',
      'build',
      '--annotations',
      out,
      '--method',
      'cot',
      '--filter',
      'gold',
      '--chains',
      'one',
      '--mix',
      'zero-shot-cot=1',
      '--out',
      cot,
      '--json',
    ]);
    expect(builtCot.code, builtCot.stderr).toBe(0);
    expect(lastJson<{ rows: number; byTask: Record<string, number> }>(builtCot)).toMatchObject({ rows: 5, byTask: { 'zero-shot-cot': 5 } });
    const unknownFormat = await runCli(['distill', 'build', '--annotations', out, '--method', 'cot', '--mix', 'few-shot=1', '--out', cot]);
    expect(unknownFormat.code).toBe(2);
    expect(unknownFormat.stderr).toMatch(/unknown CoT format "few-shot"/);

    const openai = join(temp(), 'openai.jsonl');
    const exported = await runCli([
      'distill',
      'export',
      '--annotations',
      out,
      '--method',
      'step-by-step',
      '--alpha',
      '0.7',
      '--format',
      'openai',
      '--out',
      openai,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain('OpenAI fine-tuning weighs every example equally');
    expect(JSON.parse(readFileSync(openai, 'utf8').split('\n')[0]!).messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const withSystem = join(temp(), 'openai-system.jsonl');
    const systemExport = await runCli([
      'distill',
      'export',
      '--annotations',
      out,
      '--method',
      'standard-ft',
      '--format',
      'openai',
      '--system',
      'Answer briefly.',
      '--out',
      withSystem,
    ]);
    expect(systemExport.code, systemExport.stderr).toBe(0);
    expect(JSON.parse(readFileSync(withSystem, 'utf8').split('\n')[0]!).messages[0]).toEqual({ role: 'system', content: 'Answer briefly.' });
    const hf = join(temp(), 'hf.jsonl');
    expect((await runCli(['distill', 'export', '--annotations', out, '--method', 'step-by-step', '--out', hf])).code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(hf, 'utf8').split('\n')[0]!))).toEqual(['prompt', 'completion', 'weight', 'task']);
  });

  it('run: sweeps methods x fractions with tiny students, reports with CIs and the plot, and resumes finished cells', async () => {
    const server = await startFakeOpenAIServer({ thread: false, answer: solve });
    servers.push(server);
    const ann = join(temp(), 'ann');
    const annotated = await runCli([
      'distill',
      'annotate',
      '--dataset',
      SYNTHETIC,
      '--teacher',
      `openai:t@${server.url}`,
      '--out',
      ann,
      '--splits',
      'train,test',
      '--json',
      '--no-progress',
    ]);
    expect(annotated.code, annotated.stderr).toBe(0);
    const out = join(temp(), 'run');
    const args = [
      'distill',
      'run',
      '--dataset',
      SYNTHETIC,
      '--annotations',
      ann,
      '--methods',
      'standard-ft,standard-distill,step-by-step',
      '--step-by-step-labels',
      'teacher',
      '--fractions',
      '0.5,1',
      '--seeds',
      '1',
      '--student',
      'tiny',
      '--steps',
      '2',
      '--batch-size',
      '2',
      '--context',
      '192',
      '--generic',
      'three steps=synthetic:steps=3,digits=1,distractors=0,seed=9,train=4,validation=0,test=2',
      '--generic-train',
      '4',
      '--generic-limit',
      '1',
      '--test-limit',
      '1',
      '--validation-fraction',
      '0.34',
      '--out',
      out,
      '--json',
      '--no-progress',
    ];
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(0);
    interface Point {
      method: string;
      fraction: number;
      accuracy: number;
      ci95: [number, number];
      inputs: number;
    }
    interface Cell {
      method: string;
      fraction: number;
      n: number;
      correct: number;
      accuracy: number;
      inputs: number;
    }
    const printed = lastJson<{
      points: Point[];
      cells: Cell[];
      teacher: { label: string; accuracy: number }[];
      generic: { rows: { scores: Record<string, { n: number }> }[] };
      report: Record<string, string>;
    }>(result);
    expect(printed.cells).toHaveLength(6);
    expect(printed.points).toHaveLength(6);
    for (const cell of printed.cells) {
      expect(cell.n).toBe(1); // --test-limit 1 of the 2 test problems
      expect(cell.accuracy).toBeCloseTo(cell.correct / cell.n, 10);
    }
    // 6 annotated train inputs, 2 held out for validation: 4 to train on, 2 at half.
    expect(printed.cells.find((c) => c.method === 'standard-ft' && c.fraction === 1)!.inputs).toBe(4);
    expect(printed.cells.find((c) => c.method === 'standard-ft' && c.fraction === 0.5)!.inputs).toBe(2);
    expect(printed.teacher.map((t) => t.label)).toEqual([expect.stringContaining('on test'), expect.stringContaining('on train')]);
    expect(printed.generic.rows).toHaveLength(2); // one model, before and after specialization
    // --generic-limit 1: one test problem from the out-of-task set; the in-task test set is the sweep's.
    for (const row of printed.generic.rows) expect(row.scores).toMatchObject({ 'three steps': { n: 1 }, 'in-task test': { n: 1 } });
    for (const file of ['html', 'markdown', 'results', 'svg']) expect(existsSync(printed.report[file]!)).toBe(true);
    expect(readFileSync(printed.report.html!, 'utf8')).toContain('Generic ability');

    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson<{ points: Point[] }>(again).points).toEqual(printed.points);
  }, 180_000);

  it('--answer-pattern: reads a final-answer format no built-in marker covers, and records the pattern per annotation', async () => {
    // The answer is stated in the teacher's own format, then a later number that is not the answer.
    const server = await startFakeOpenAIServer({
      thread: false,
      answer: (prompt) => {
        const question = prompt.split('Question: ').pop()!.split('\n')[0]!;
        return `I work through the steps in order; register R holds ${gold.get(question)!}, after 1000 cycles.`;
      },
    });
    servers.push(server);
    const annotate = (out: string, ...extra: string[]) =>
      runCli([
        'distill',
        'annotate',
        '--dataset',
        SYNTHETIC,
        '--teacher',
        `openai:t@${server.url}`,
        '--out',
        out,
        '--splits',
        'train',
        '--json',
        '--no-progress',
        ...extra,
      ]);
    const records = (out: string) =>
      readFileSync(join(out, 'train', 'records.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));

    const plain = join(temp(), 'plain');
    const withDefault = await annotate(plain);
    expect(withDefault.code, withDefault.stderr).toBe(0);
    expect(lastJson<Printed>(withDefault).splits.train!.correct).toBe(0);
    for (const record of records(plain)) {
      expect(record.extracted).not.toBe(record.gold);
      expect(record.answerPattern).not.toBe('custom');
    }

    const custom = join(temp(), 'custom');
    const withPattern = await annotate(custom, '--answer-pattern', String.raw`register R holds (?<answer>-?\d+)`);
    expect(withPattern.code, withPattern.stderr).toBe(0);
    expect(lastJson<Printed>(withPattern).splits.train).toMatchObject({ n: 6, parsed: 6, correct: 6 });
    const read = records(custom);
    expect(read).toHaveLength(6);
    for (const record of read) {
      expect(record).toMatchObject({ extracted: record.gold, correct: true, answerPattern: 'custom' });
      expect(record.samples[0].answerPattern).toBe('custom');
    }
    // The pattern is part of the annotation's identity: the folder says which pattern read its answers.
    expect(JSON.parse(readFileSync(join(custom, 'train', 'config.json'), 'utf8')).identity.answerPattern).toBe(String.raw`register R holds (?<answer>-?\d+)`);

    const bad = await annotate(join(temp(), 'bad'), '--answer-pattern', '(unclosed');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/answer-pattern/);
  });

  it('--batch-api: submits, polls and ingests through the Batch API fake', async () => {
    const server = await startFakeBatchServer({ answer: (prompt) => solve(prompt) });
    servers.push(server);
    const out = join(temp(), 'ann');
    const args = [
      'distill',
      'annotate',
      '--dataset',
      SYNTHETIC,
      '--teacher',
      `openai:t@${server.url}`,
      '--out',
      out,
      '--samples',
      '3',
      '--batch-api',
      '--poll-seconds',
      '0',
      '--json',
    ];
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(0);
    expect(lastJson<Printed>(result).splits.train).toMatchObject({ n: 6, parsed: 6, errors: 0 });
    expect(server.log.filter((line) => line === 'POST /v1/batches')).toHaveLength(1);
    // Run again: everything is there, nothing is submitted.
    expect((await runCli(args)).code).toBe(0);
    expect(server.log.filter((line) => line === 'POST /v1/batches')).toHaveLength(1);
  });

  it('--batch-api --no-wait: submits and returns; the same command without it collects the batch', async () => {
    const server = await startFakeBatchServer({ answer: (prompt) => solve(prompt), pollsToComplete: 2 });
    servers.push(server);
    const out = join(temp(), 'ann');
    const args = [
      'distill',
      'annotate',
      '--dataset',
      SYNTHETIC,
      '--teacher',
      `openai:t@${server.url}`,
      '--out',
      out,
      '--splits',
      'train',
      '--batch-api',
      '--poll-seconds',
      '0',
      '--json',
    ];
    const submitted = await runCli([...args, '--no-wait']);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stderr).toMatch(/batch\(es\) batch-1 still running/);
    expect(lastJson<Printed & { pending: string[] }>(submitted)).toMatchObject({ pending: ['batch-1'], splits: { train: { n: 6, answered: 0 } } });
    const collected = await runCli(args);
    expect(collected.code, collected.stderr).toBe(0);
    expect(lastJson<Printed>(collected).splits.train).toMatchObject({ n: 6, answered: 6, errors: 0 });
    expect(server.log.filter((line) => line === 'POST /v1/batches')).toHaveLength(1);
  });

  it('bad input names what is wrong', async () => {
    const result = await runCli(['distill', 'build', '--annotations', temp(), '--method', 'step-by-step', '--out', join(temp(), 'x.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not an annotations folder');
  });
});
