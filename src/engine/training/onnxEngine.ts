/** The training loop's engine on ONNX Runtime (../onnx/trainer.ts): native CPU kernels, parameters and AdamW in JS. */
import type { LlamaConfig } from '../config.js';
import type { LoraConfig } from '../lora.js';
import type { AdamWSettings, StepEngine } from './stepEngine.js';

/** With `lora`, `weights` are the frozen base and the adapters train. */
export async function onnxEngine(
  config: LlamaConfig,
  weights: ReadonlyMap<string, Float32Array>,
  adam: AdamWSettings,
  threads?: number,
  lora?: { config: LoraConfig; adapters: ReadonlyMap<string, Float32Array> },
): Promise<StepEngine> {
  let loaded: [typeof import('../onnx/trainer.js'), typeof import('onnxruntime-node')];
  try {
    loaded = await Promise.all([import('../onnx/trainer.js'), import('onnxruntime-node')]);
  } catch (error) {
    // The package ships binaries for linux x64/arm64, macOS arm64 and windows x64/arm64; elsewhere tfjs still trains.
    throw new Error(
      `the onnx training backend could not load ONNX Runtime (${error instanceof Error ? error.message : String(error)}); train with --backend tfjs`,
    );
  }
  const [{ OnnxTrainer }, ort] = loaded;
  const trainer = await OnnxTrainer.create(config, weights, adam, threads, lora);
  return {
    accumulate: (batch) => trainer.accumulate(batch),
    update: (learningRate, step, clipNorm) => trainer.update(learningRate, step, clipNorm),
    score: (batch) => trainer.score(batch),
    weights: () => trainer.params,
    moments: (name) => trainer.moments(name),
    setMoments: (name, m, v) => {
      const live = trainer.moments(name);
      live.m.set(m);
      live.v.set(v);
    },
    description: `onnxruntime ${ort.env.versions.common}, ${trainer.threads} thread${trainer.threads === 1 ? '' : 's'}${lora ? `, LoRA r=${lora.config.rank}` : ''}`,
    dispose: () => trainer.release(),
  };
}
