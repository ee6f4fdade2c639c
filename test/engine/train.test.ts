import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchIndices, learningRateAt, train, type TrainOptions } from '../../src/engine/train.js';
import { holdOut, readTrainingExamples } from '../../src/engine/trainingData.js';
import { InputError } from '../../src/util/errors.js';
import { toyExamples } from './toy.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = toyExamples(120);
const base = (out: string, overrides: Partial<TrainOptions> = {}): TrainOptions => ({
  train: data.slice(0, 100), validation: data.slice(100), outDir: join(dir, out), size: 'tiny', contextLength: 32,
  steps: 12, batchSize: 8, learningRate: 3e-3, evalEvery: 4, seed: 5, ...overrides,
});

describe('training', () => {
  it('learns a toy task: the completion loss goes down and next-token accuracy goes up', async () => {
    const evals: Array<{ validationLoss: number; validationAccuracy: number }> = [];
    const result = await train(base('learn', { steps: 40, evalEvery: 10, batchSize: 16, onEvent: (e) => { if (e.type === 'eval') evals.push(e); } }));
    expect(evals).toHaveLength(4);
    expect(evals[0]!.validationLoss).toBeGreaterThan(3);
    expect(result.validationLoss).toBeLessThan(evals[0]!.validationLoss * 0.5);
    expect(result.validationAccuracy).toBeGreaterThan(evals[0]!.validationAccuracy + 0.2);
    expect(Object.keys(result.trainLossByTask)).toEqual(['even', 'odd']);
    expect(result.tokensPerSecond).toBeGreaterThan(0);
    expect(result.parameters).toBeGreaterThan(50_000);
    const files = await readdir(join(dir, 'learn'));
    expect(files).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'training']));
  });

  it('resumes a killed run exactly where it stopped (same final weights, bit for bit)', async () => {
    await train(base('whole'));
    await expect(
      train(base('killed', { onEvent: (e) => { if (e.type === 'step' && e.step === 9) throw new Error('killed'); } })),
    ).rejects.toThrow('killed');
    const resumed = await train(base('killed', { resume: true }));
    expect(resumed.resumedFrom).toBe(8);
    expect(resumed.steps).toBe(12);
    const whole = await readFile(join(dir, 'whole', 'model.safetensors'));
    const killed = await readFile(join(dir, 'killed', 'model.safetensors'));
    expect(Buffer.compare(whole, killed)).toBe(0);
    // A finished run resumed again does nothing; a different run in the same folder is refused.
    expect((await train(base('killed', { resume: true }))).resumedFrom).toBe(12);
    await expect(train(base('killed', { resume: true, seed: 6 }))).rejects.toThrow(InputError);
  });

  it('splits batches into micro-batches without changing the update', async () => {
    const one = await train(base('one', { steps: 3, evalEvery: 3 }));
    const split = await train(base('split', { steps: 3, evalEvery: 3, microBatchSize: 2 }));
    expect(split.trainLoss).toBeCloseTo(one.trainLoss, 4);
    expect(split.validationLoss!).toBeCloseTo(one.validationLoss!, 4);
  });

  it('stops early when validation stops improving', async () => {
    const result = await train(base('early', { steps: 40, evalEvery: 2, learningRate: 1e-6, minLearningRate: 1e-6, patience: 2, minDelta: 0.01 }));
    expect(result.stoppedEarly).toBe(true);
    expect(result.steps).toBeLessThan(40);
    expect(result.bestStep).toBe(2);
  });

  it('schedules warmup then cosine decay, and walks the data in seeded epochs', () => {
    expect(learningRateAt(0, 100, 1, 0.1, 10)).toBeCloseTo(0.1);
    expect(learningRateAt(9, 100, 1, 0.1, 10)).toBeCloseTo(1);
    expect(learningRateAt(55, 100, 1, 0.1, 10)).toBeCloseTo(0.55);
    expect(learningRateAt(100, 100, 1, 0.1, 10)).toBeCloseTo(0.1);
    const epoch = [0, 1, 2, 3].flatMap((step) => batchIndices(step, 5, 20, 1));
    expect([...epoch].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(batchIndices(4, 5, 20, 1)).not.toEqual(batchIndices(0, 5, 20, 1));
    expect(batchIndices(2, 5, 20, 1)).toEqual(batchIndices(2, 5, 20, 1));
  });
});

describe('training data', () => {
  it('names the file, line and field of a bad line', async () => {
    const file = join(dir, 'bad.jsonl');
    const cases: Array<[string, RegExp]> = [
      ['{"prompt": "a", "completion": "b"}\n{"prompt": "a"}\n', /bad\.jsonl:2, field "completion"/],
      ['{"prompt": 3, "completion": "b"}\n', /bad\.jsonl:1, field "prompt": must be a string/],
      ['\n{"prompt": "a", "completion": "b", "weight": -1}\n', /bad\.jsonl:2, field "weight"/],
      ['{"prompt": "a", "completion": "b", "task": 7}\n', /bad\.jsonl:1, field "task"/],
      ['{"prompt": "a", "completion": "b"\n', /bad\.jsonl:1: invalid JSON/],
    ];
    for (const [text, message] of cases) {
      await writeFile(file, text);
      await expect(readTrainingExamples(file)).rejects.toThrow(message);
    }
    await writeFile(file, '{"prompt": "a", "completion": "b", "weight": 0.5, "task": "label"}\n');
    expect(await readTrainingExamples(file)).toMatchObject([{ prompt: 'a', completion: 'b', weight: 0.5, task: 'label' }]);
  });

  it('holds out a seeded validation split', () => {
    const a = holdOut(data, 0.1, 3);
    expect(a.validation).toHaveLength(12);
    expect(a.train).toHaveLength(108);
    expect(holdOut(data, 0.1, 3).validation).toEqual(a.validation);
    expect(holdOut(data, 0.1, 4).validation).not.toEqual(a.validation);
  });
});
