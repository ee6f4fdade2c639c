/**
 * The sweep's student pool (SweepConfig.pool, src/distill/cellPool.ts): students trained and answered at once,
 * each in its own process. At the same thread count a pool gives exactly the students of a sweep run one after
 * the other in-process; a pooled sweep resumes (finished cells kept, a missing one redone to the same result);
 * a failing cell is reported by name, the students running beside it finish and are kept.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { goldRecords } from '../../src/distill/goldRecords.js';
import { cellDir, poolThreads, runSweep, type CellResult, type SweepConfig } from '../../src/distill/sweep.js';
import { ModelHub } from '../../src/models/hub.js';
import { InputError } from '../../src/util/errors.js';
import { treeCpuMark, treeCpuSecondsSince } from '../../src/util/processTreeCpu.js';

const SPEC = 'synthetic:steps=1,digits=1,distractors=0,seed=4,train=16,validation=4,test=6';

async function configFor(out: string, seeds: number[]): Promise<SweepConfig> {
  const dataset = await loadDataset(SPEC, {});
  return {
    task: dataset.task,
    train: goldRecords(dataset.splits.train!, 'train'),
    validation: goldRecords(dataset.splits.validation!, 'validation'),
    test: dataset.splits.test!,
    methods: ['standard-ft', 'cot-zero-shot-cot'],
    fractions: [1],
    seeds,
    alpha: 0.5,
    filter: 'none',
    student: { size: 'tiny', steps: 4, batchSize: 4, learningRate: 3e-3, contextLength: 128, maxTokens: { answer: 4, cot: 16 } },
    out,
    identity: { test: 'sweep pool' },
    threads: 1,
  };
}

async function sweep(config: SweepConfig): Promise<{ cells: CellResult[]; lines: string[] }> {
  const lines: string[] = [];
  const hub = new ModelHub({ cachePath: 'none' });
  try {
    const { cells } = await runSweep({ ...config, log: (line) => lines.push(line) }, hub);
    return { cells, lines };
  } finally {
    await hub.close();
  }
}

/** What must not depend on how the students were scheduled. */
const outcome = (cell: CellResult) => ({
  method: cell.method,
  seed: cell.seed,
  bestStep: cell.training.bestStep,
  validationLoss: cell.training.validationLoss,
  flags: cell.correctFlags,
  answers: readFileSync(join(cell.dir, 'test.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { output: string }).output),
  weights: readFileSync(join(cell.dir, 'student', 'model.safetensors')),
});

describe('the sweep pool', () => {
  it('shares the cores out among the students at once', () => {
    expect(poolThreads(2, 2)).toBe(1);
    expect(poolThreads(2, 8)).toBe(4);
    expect(poolThreads(3, 2)).toBe(1);
    expect(poolThreads(1, 2)).toBe(2);
  });

  it('trains two students at once, each in its own process, with exactly the results of one after the other', { timeout: 600_000 }, async () => {
    const serialOut = mkdtempSync(join(tmpdir(), 'apprentice-pool-1-'));
    const pooledOut = mkdtempSync(join(tmpdir(), 'apprentice-pool-2-'));
    const serial = await sweep({ ...(await configFor(serialOut, [0])), pool: 1 });
    const ownCpu = process.cpuUsage();
    const tree = treeCpuMark();
    const pooled = await sweep({ ...(await configFor(pooledOut, [0])), pool: 2 });
    const own = process.cpuUsage(ownCpu);
    expect(pooled.cells.map(outcome)).toEqual(serial.cells.map(outcome));
    // Both started before either finished: they ran at once.
    const secondStarted = pooled.lines.findIndex((line) => line.startsWith('student 2/2'));
    const firstFinished = pooled.lines.findIndex((line) => line.includes('-> ') && line.includes('accuracy'));
    expect(secondStarted).toBeGreaterThanOrEqual(0);
    expect(secondStarted).toBeLessThan(firstFinished);
    // Each cell's CPU is its own process's; the run's CPU counts the student processes beside this one.
    const trainCpu = pooled.cells.reduce((sum, cell) => sum + cell.training.cpuSeconds!, 0);
    expect(trainCpu).toBeGreaterThan(0);
    expect(treeCpuSecondsSince(tree) - (own.user + own.system) / 1e6).toBeGreaterThanOrEqual(trainCpu);
  });

  it('resumes a pooled sweep: finished students are kept, a missing one is redone to the same result', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'apprentice-pool-resume-'));
    const config = { ...(await configFor(out, [0])), pool: 2 };
    const first = await sweep(config);
    const kept = join(cellDir(out, 'standard-ft', 1, 0), 'result.json');
    const keptTime = statSync(kept).mtimeMs;
    // The CoT student as if the sweep was killed after training, before it answered: no answers, no result.
    const redone = cellDir(out, 'cot-zero-shot-cot', 1, 0);
    rmSync(join(redone, 'result.json'));
    rmSync(join(redone, 'test.jsonl'));
    const again = await sweep(config);
    expect(statSync(kept).mtimeMs).toBe(keptTime);
    expect(again.lines.some((line) => line.includes('standard-ft, fraction 1, seed 0 (finished earlier, kept)'))).toBe(true);
    // Its training was finished: it resumes at the last step, trains nothing, and answers.
    expect(again.lines.some((line) => line.includes('cot-zero-shot-cot f=1 seed=0: training resumed at step 4 of 4'))).toBe(true);
    expect(again.cells.map(outcome)).toEqual(first.cells.map(outcome));
  });

  it('reports a failing student by name; the student running beside it finishes and is kept', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'apprentice-pool-fail-'));
    const config = { ...(await configFor(out, [0, 1])), pool: 2 };
    // The first cell's folder was run with other inputs: it refuses, in its own process.
    const failing = cellDir(out, 'standard-ft', 1, 0);
    mkdirSync(failing, { recursive: true });
    writeFileSync(join(failing, 'cell.json'), JSON.stringify({ identity: 'another run', parts: {} }));
    const error = await sweep(config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/student standard-ft, fraction 1, seed 0 failed: .*cell\.json.*other inputs/);
    // The student started beside it finished; no student started after the failure.
    expect(existsSync(join(cellDir(out, 'cot-zero-shot-cot', 1, 0), 'result.json'))).toBe(true);
    expect(existsSync(cellDir(out, 'standard-ft', 1, 1))).toBe(false);
    // With the folder fixed, the rerun keeps that student and runs the rest.
    rmSync(failing, { recursive: true });
    const fixed = await sweep(config);
    expect(fixed.cells).toHaveLength(4);
    expect(fixed.lines.some((line) => line.includes('cot-zero-shot-cot, fraction 1, seed 0 (finished earlier, kept)'))).toBe(true);
  });
});
