/** The full fine-tuning step the engine benches time: the onnx backend's trainer and a fixed random batch. */
import { architectureOf, type LlamaConfig } from '../../../src/engine/config.js';
import { initialWeights } from '../../../src/engine/model.js';
import type { HostBatch } from '../../../src/engine/onnx/session.js';
import { OnnxTrainer } from '../../../src/engine/onnx/trainer.js';
import { runPythonPeer, torchThreadEnv } from './children.js';

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

/** What ./torch_pretrained.py reports of PyTorch CPU's steps. */
export interface TorchPretrainedSteps {
  tokens_per_second: number;
  tokens_per_cpu_second: number;
  seconds_per_step: number;
  parameters: number;
  threads: number;
  peak_mib: number;
  torch: string;
}

/**
 * PyTorch CPU's full fine-tuning of the same model (Hugging Face semantics), shapes, batch, loss, clipping and
 * AdamW (../torch_pretrained.py), on `threads` threads: `steps` steps timed after a warm-up step.
 */
export function torchPretrainedSteps(config: LlamaConfig, B: number, T: number, steps: number, threads: number): TorchPretrainedSteps {
  const shape = JSON.stringify({ ...config, architecture: architectureOf(config) });
  return runPythonPeer('torch_pretrained.py', [shape, String(B), String(T), String(steps), String(threads)], torchThreadEnv(threads));
}
