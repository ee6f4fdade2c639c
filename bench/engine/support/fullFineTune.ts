/** The full fine-tuning step the engine benches time: the onnx backend's trainer and a fixed random batch. */
import type { LlamaConfig } from '../../../src/engine/config.js';
import { initialWeights } from '../../../src/engine/model.js';
import type { HostBatch } from '../../../src/engine/onnx/session.js';
import { OnnxTrainer } from '../../../src/engine/onnx/trainer.js';

/** `count` token ids below `vocabSize` from a fixed-seed generator: the same ids on every call, and every run. */
export function randomTokenIds(count: number, vocabSize: number, seed = 12345): Int32Array {
  let state = seed;
  return Int32Array.from({ length: count }, () => Math.floor(((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * vocabSize));
}

/** B sequences of T random tokens and targets (./randomTokenIds, one stream), every position weighted alike. */
export function randomBatch(config: LlamaConfig, B: number, T: number): HostBatch {
  const ids = randomTokenIds(2 * B * T, config.vocabSize);
  return { B, T, tokens: ids.subarray(0, B * T), targets: ids.subarray(B * T), weights: new Float32Array(B * T).fill(1 / (B * T)) };
}

/** The onnx backend's full fine-tuning trainer on the model's initial weights (seed 0), with train()'s AdamW. */
export function fullFineTuneTrainer(config: LlamaConfig, threads: number): Promise<OnnxTrainer> {
  return OnnxTrainer.create(config, initialWeights(config, 0), { beta1: 0.9, beta2: 0.95, weightDecay: 0.1 }, threads);
}
