/**
 * train() on the onnx backend: it learns, resumes bit for bit (with micro-batches and 2 threads), follows
 * the tfjs backend's numbers, and its checkpoint exports to a GGUF that llama.cpp scores as the ONNX graph does.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { exportGguf } from '../../src/engine/export.js';
import { OnnxLlama } from '../../src/engine/onnx/session.js';
import { train, type TrainOptions } from '../../src/engine/train.js';
import { toyTrainOptions, trainKilledAt } from './toy.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-onnx-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = (out: string, overrides: Partial<TrainOptions> = {}): TrainOptions => toyTrainOptions(join(dir, out), { backend: 'onnx', ...overrides });

describe('train() on the onnx backend', () => {
  it('learns the toy task and records the backend', async () => {
    const evals: number[] = [];
    const result = await train(
      base('learn', {
        steps: 40,
        evalEvery: 10,
        batchSize: 16,
        onEvent: (e) => {
          if (e.type === 'eval') evals.push(e.validationLoss);
        },
      }),
    );
    expect(evals).toHaveLength(4);
    expect(result.validationLoss).toBeLessThan(evals[0]! * 0.5);
    expect(result.tokensPerSecond).toBeGreaterThan(0);
    const config = JSON.parse(await readFile(join(dir, 'learn', 'config.json'), 'utf8')) as { apprentice: { engine: string } };
    expect(config.apprentice.engine).toMatch(/onnxruntime 1\.30\.0, \d+ threads?/);
  });

  it('resumes a killed run exactly (micro-batches, 2 threads): same final weights, bit for bit', async () => {
    const options = { microBatchSize: 4, threads: 2, lossNormalization: 'task' as const };
    await train(base('whole', options));
    await trainKilledAt(base('killed', options), 6);
    const resumed = await train(base('killed', { ...options, resume: true }));
    expect(resumed.resumedFrom).toBe(4);
    for (const file of ['model.safetensors', 'training/model-12.safetensors', 'training/optimizer-12.safetensors']) {
      expect(Buffer.compare(await readFile(join(dir, 'whole', file)), await readFile(join(dir, 'killed', file))), file).toBe(0);
    }
  });

  it('follows the tfjs backend: the same losses up to float rounding', async () => {
    const losses = { onnx: [] as number[], tfjs: [] as number[] };
    const results = [];
    for (const backend of ['onnx', 'tfjs'] as const) {
      results.push(
        await train(
          base(`same-${backend}`, {
            backend,
            steps: 6,
            evalEvery: 6,
            onEvent: (e) => {
              if (e.type === 'step') losses[backend].push(e.loss);
            },
          }),
        ),
      );
    }
    expect(losses.onnx[0]).toBeCloseTo(losses.tfjs[0]!, 4);
    for (let i = 0; i < 6; i++) expect(Math.abs(losses.onnx[i]! - losses.tfjs[i]!)).toBeLessThan(2e-3);
    expect(Math.abs(results[0]!.validationLoss! - results[1]!.validationLoss!)).toBeLessThan(2e-3);
  });
});

describe('an onnx-trained checkpoint', () => {
  it('exports to a GGUF that llama.cpp loads and scores like the ONNX forward graph', async () => {
    await train(base('export', { model: { nKvHeads: 2 }, contextLength: 64, steps: 20, batchSize: 16, evalEvery: 20 }));
    const path = join(dir, 'export.gguf');
    await exportGguf(join(dir, 'export'), path);
    const checkpoint = await loadCheckpoint(join(dir, 'export'));
    const ids = checkpoint.tokenizer.encode('Q: lemon 5\nA: nomel 6', { addBos: true });
    const onnx = await OnnxLlama.create(checkpoint.config, 1);
    const T = ids.length - 1;
    const { nll } = await onnx.score(checkpoint.weights, {
      B: 1,
      T,
      tokens: Int32Array.from(ids.slice(0, -1)),
      targets: Int32Array.from(ids.slice(1)),
      weights: new Float32Array(T),
    });
    await onnx.release();
    const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: path });
    const context = await model.createContext({
      contextSize: 64,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
    });
    try {
      const outputs = await context
        .getSequence()
        .controlledEvaluate(
          ids.slice(0, -1).map((t) => [t as Token, { generateNext: { probabilities: true, options: { temperature: 0 } } }] as const) as never,
        );
      let maxDiff = 0;
      outputs.forEach((output, pos) => {
        const p = output?.next.probabilities?.get(ids[pos + 1] as Token) as number;
        maxDiff = Math.max(maxDiff, Math.abs(Math.log(p) + (nll[pos] as number)));
      });
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
    } finally {
      await context.dispose();
      await model.dispose();
    }
  }, 60_000);
});
