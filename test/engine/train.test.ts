import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/engine/formats/safetensors.js';
import {
  batchIndices,
  evaluate,
  learningRateAt,
  loadModel,
  tokenLossWeights,
  train,
  TrainingDivergedError,
  type TrainOptions,
} from '../../src/engine/train.js';
import { encodeExample, holdOut, readTrainingExamples, type TrainingExample } from '../../src/engine/trainingData.js';
import { InputError } from '../../src/util/errors.js';
import { toyExamples, toyTrainOptions, trainKilledAt } from './toy.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = toyExamples(120);
const base = (out: string, overrides: Partial<TrainOptions> = {}): TrainOptions => toyTrainOptions(join(dir, out), overrides);

describe('training', () => {
  it('records the prompt format, and refuses a chat format without a chat template', async () => {
    await expect(train(base('chat-no-template', { steps: 1, promptFormat: { type: 'chat' } }))).rejects.toThrow(/chat_template/);
    await train(base('raw-format', { steps: 1, evalEvery: 1 }));
    const config = JSON.parse(await readFile(join(dir, 'raw-format', 'config.json'), 'utf8')) as { apprentice: { promptFormat: unknown } };
    expect(config.apprentice.promptFormat).toEqual({ type: 'raw' });
  });

  it('learns a toy task: the completion loss goes down and next-token accuracy goes up', async () => {
    const evals: Array<{ validationLoss: number; validationAccuracy: number }> = [];
    const result = await train(
      base('learn', {
        steps: 40,
        evalEvery: 10,
        batchSize: 16,
        onEvent: (e) => {
          if (e.type === 'eval') evals.push(e);
        },
      }),
    );
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
    await trainKilledAt(base('killed'), 9);
    // No resume flag: the same run's state is continued by default.
    const resumed = await train(base('killed'));
    expect(resumed.resumedFrom).toBe(8);
    expect(resumed.steps).toBe(12);
    const whole = await readFile(join(dir, 'whole', 'model.safetensors'));
    const killed = await readFile(join(dir, 'killed', 'model.safetensors'));
    expect(Buffer.compare(whole, killed)).toBe(0);
    // A finished run resumed again does nothing; a different run in the same folder is refused.
    expect((await train(base('killed', { resume: true }))).resumedFrom).toBe(12);
    await expect(train(base('killed', { resume: true, seed: 6 }))).rejects.toThrow(InputError);
    await expect(train(base('killed', { seed: 6 }))).rejects.toThrow(/--restart/);
    // --restart discards the state and starts over.
    const again = await train(base('killed', { restart: true, steps: 4, evalEvery: 4 }));
    expect(again.resumedFrom).toBe(0);
    expect(again.steps).toBe(4);
  });

  it('names the file when training/state.json is garbage', async () => {
    await train(base('garbage', { steps: 4, evalEvery: 4 }));
    const file = join(dir, 'garbage', 'training', 'state.json');
    await writeFile(file, '{"identity": "x", "step": ');
    await expect(train(base('garbage', { steps: 4, evalEvery: 4 }))).rejects.toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the training state is not valid JSON`),
    );
    await writeFile(file, JSON.stringify({ identity: 'x', step: 'three' }));
    await expect(train(base('garbage', { steps: 4, evalEvery: 4 }))).rejects.toThrow(/state\.json, field "step": expected a number/);
  });

  it('stops on a non-finite loss with TrainingDivergedError, keeping the last good checkpoint and state', async () => {
    const out = 'diverged';
    await train(base(out, { steps: 4, evalEvery: 4 }));
    const before = await readFile(join(dir, out, 'model.safetensors'));
    const stateBefore = await readFile(join(dir, out, 'training', 'state.json'), 'utf8');
    // A learning rate of 1e30 makes the weights overflow at the next step.
    const error = await train(base(out, { steps: 8, evalEvery: 4, learningRate: 1e30, warmupSteps: 0, clipNorm: 0, restart: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(/training diverged at step \d+: the (loss|gradient norm) is (NaN|Infinity)/);
    // The diverged run wrote nothing after its start: no checkpoint of NaN weights.
    const { tensors } = decodeSafetensors(await readFile(join(dir, out, 'model.safetensors')));
    for (const [, t] of tensors) expect(t.data.every(Number.isFinite)).toBe(true);
    expect(before.length).toBeGreaterThan(0);
    expect(stateBefore.length).toBeGreaterThan(0);
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

describe('warm start (initFrom)', () => {
  it("starts from a checkpoint: the first step loss is the checkpoint's on that batch, and training lowers it", async () => {
    const source = await train(base('warm-source'));
    const { model, tokenizer } = await loadModel(join(dir, 'warm-source'));
    // The tokenizer is reused (a retrained one would differ on other data): the same file lands in the new run.
    const other = toyExamples(60).map((e) => ({ ...e, prompt: e.prompt.toUpperCase() }));
    const indices = batchIndices(0, 8, other.length, 9);
    const encoded = indices.map((i) => encodeExample(other[i]!, tokenizer, 32));
    const expected = evaluate(model, encoded, tokenizer.padId, 8).loss;
    model.dispose();
    let first = NaN;
    const warm = await train({
      train: other,
      validation: data.slice(100),
      outDir: join(dir, 'warm'),
      steps: 12,
      batchSize: 8,
      learningRate: 3e-3,
      evalEvery: 4,
      seed: 9,
      initFrom: join(dir, 'warm-source'),
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 1) first = e.loss;
      },
    });
    expect(first).toBeCloseTo(expected, 4);
    expect(warm.config).toEqual({ ...source.config, architecture: 'llama', headDim: source.config.dim / source.config.nHeads });
    expect(warm.trainLoss).toBeLessThan(first);
    expect(await readFile(join(dir, 'warm', 'tokenizer.json'), 'utf8')).toBe(await readFile(join(dir, 'warm-source', 'tokenizer.json'), 'utf8'));
    const config = JSON.parse(await readFile(join(dir, 'warm', 'config.json'), 'utf8')) as { apprentice: { initFrom: string } };
    expect(config.apprentice.initFrom).toBe(join(dir, 'warm-source'));
    // A fresh start on the same data, steps and architecture ends behind the warm start.
    const fresh = await train({
      train: other,
      validation: data.slice(100),
      outDir: join(dir, 'warm-fresh'),
      size: 'tiny',
      contextLength: 32,
      steps: 12,
      batchSize: 8,
      learningRate: 3e-3,
      evalEvery: 4,
      seed: 9,
    });
    expect(warm.validationLoss!).toBeLessThan(fresh.validationLoss!);
  });

  it('continues the warm start on the same batches it would have seen (resume), and the source is part of the identity', async () => {
    const options = base('warm-resume', { initFrom: join(dir, 'warm-source'), steps: 8 });
    await trainKilledAt(options, 5);
    const resumed = await train({ ...options, resume: true });
    expect(resumed.resumedFrom).toBe(4);
    const whole = await train({ ...options, outDir: join(dir, 'warm-whole') });
    expect(resumed.validationLoss).toBe(whole.validationLoss);
    // Without initFrom (or from another checkpoint) it is another run.
    await expect(train({ ...options, initFrom: undefined, resume: true })).rejects.toThrow(InputError);
    await expect(train({ ...options, initFrom: join(dir, 'warm'), resume: true })).rejects.toThrow(InputError);
  });

  it('refuses a checkpoint of another architecture or tokenizer, naming the difference', async () => {
    const from = join(dir, 'warm-source');
    await expect(train(base('warm-bad-size', { initFrom: from, size: 'small' }))).rejects.toThrow(
      /another architecture.*dim: the checkpoint has \d+, the options ask for \d+/,
    );
    await expect(train(base('warm-bad-dim', { initFrom: from, model: { nLayers: 7 } }))).rejects.toThrow(
      /nLayers: the checkpoint has \d+, the options ask for 7/,
    );
    await expect(train(base('warm-bad-ctx', { initFrom: from, contextLength: 64 }))).rejects.toThrow(
      /contextLength: the checkpoint has 32, the options ask for 64/,
    );
    await expect(train(base('warm-bad-vocab', { initFrom: from, vocabSize: 999 }))).rejects.toThrow(/vocabSize: .*reuses the tokenizer/);
    await expect(train(base('warm-no-dir', { initFrom: join(dir, 'nowhere') }))).rejects.toThrow(/not a checkpoint folder/);
    await expect(train(base('warm-source', { initFrom: from }))).rejects.toThrow(/cannot start from the checkpoint it writes/);
  });
});

describe('two-task loss (distilling step by step)', () => {
  it('weighs tokens by task: alpha times the label token mean plus (1 - alpha) times the rationale token mean', () => {
    // Two label rows of 2 scored tokens (alpha = 0.3), one rationale row of 12 (0.7).
    const rows = [
      { weight: 0.3, task: 'label', scoredTokens: 2 },
      { weight: 0.3, task: 'label', scoredTokens: 2 },
      { weight: 0.7, task: 'rationale', scoredTokens: 12 },
    ];
    const nll = [[1, 1], [3, 3], Array<number>(12).fill(0.5)];
    const loss = (weights: number[]) => weights.reduce((sum, w, i) => sum + w * nll[i]!.reduce((a, b) => a + b, 0), 0);
    // 'task': 0.3 * mean(1, 1, 3, 3) + 0.7 * mean(0.5 x 12) = 0.3 * 2 + 0.7 * 0.5 = 0.95.
    expect(tokenLossWeights(rows, 'task')).toEqual([0.3 / 4, 0.3 / 4, 0.7 / 12]);
    expect(loss(tokenLossWeights(rows, 'task'))).toBeCloseTo(0.95, 12);
    // 'token' pools the 16 tokens: (0.3 * 8 + 0.7 * 6) / 16 = 0.4125 (the long rationale dominates).
    expect(tokenLossWeights(rows, 'token')).toEqual([0.3 / 16, 0.3 / 16, 0.7 / 16]);
    expect(loss(tokenLossWeights(rows)).toFixed(6)).toBe('0.412500');
  });

  it('trains on the per-task mixture: the first step loss is alpha L_label + (1 - alpha) L_rationale', async () => {
    const alpha = 0.3;
    const rows: TrainingExample[] = toyExamples(12).flatMap((e, i) => [
      { ...e, completion: e.completion.split(' ').pop() as string, weight: alpha, task: 'label', source: { file: 'toy', line: 2 * i + 1 } },
      {
        ...e,
        completion: `${e.completion} because the word reversed is${e.completion}`,
        weight: 1 - alpha,
        task: 'rationale',
        source: { file: 'toy', line: 2 * i + 2 },
      },
    ]);
    for (const mode of ['task', 'token'] as const) {
      let first = NaN;
      // Learning rate ~0: the saved model is the model the first step's loss was computed with.
      const out = join(dir, `two-task-${mode}`);
      await train({
        train: rows,
        validation: rows.slice(0, 2),
        outDir: out,
        size: 'tiny',
        contextLength: 64,
        steps: 1,
        batchSize: rows.length,
        learningRate: 1e-12,
        minLearningRate: 1e-12,
        seed: 1,
        lossNormalization: mode,
        onEvent: (e) => {
          if (e.type === 'step') first = e.loss;
        },
      });
      const { model, tokenizer } = await loadModel(out);
      const encoded = rows.map((r) => encodeExample(r, tokenizer, 64));
      const { byTask } = evaluate(model, encoded, tokenizer.padId, 8);
      const tokens = (task: string) => encoded.filter((e) => e.task === task).reduce((n, e) => n + e.ids.length - e.completionStart, 0);
      const [label, rationale] = [tokens('label'), tokens('rationale')];
      expect(rationale).toBeGreaterThan(3 * label);
      const expected =
        mode === 'task'
          ? alpha * byTask.label! + (1 - alpha) * byTask.rationale!
          : (alpha * label * byTask.label! + (1 - alpha) * rationale * byTask.rationale!) / (label + rationale);
      expect(first).toBeCloseTo(expected, 3);
      model.dispose();
    }
  });

  it('rejects an unknown normalisation', async () => {
    await expect(train(base('bad-norm', { lossNormalization: 'pooled' as never }))).rejects.toThrow(InputError);
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
