/**
 * `apprentice/engine`: the built-in engine. Train a Llama-style student on the CPU from scratch or from
 * a pretrained base, load checkpoints, and export them as GGUF, an Ollama model or a Hugging Face folder.
 * Importing this entry loads the training code (tfjs, ONNX Runtime when installed) only when called.
 *
 * ```ts
 * import { train, exportGguf } from 'apprentice/engine';
 * ```
 *
 * @packageDocumentation
 */
export {
  train,
  loadModel,
  TRAIN_BACKENDS,
  LOSS_NORMALIZATIONS,
  TrainingDivergedError,
  type TrainBackend,
  type TrainEvent,
  type TrainOptions,
  type TrainResult,
  type LossNormalization,
} from '../engine/train.js';
export { readTrainingExamples, type TrainingExample } from '../engine/trainingData.js';
export { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../engine/checkpoint.js';
export { loadBaseModel, type BaseModel } from '../engine/base.js';
export { exportGguf, exportOllama, exportHf, type ExportGgufOptions } from '../engine/export.js';

// Types the public signatures above reference, so users can name them (engine types live here only).
export type { LoraCheckpoint } from '../engine/checkpoint.js';
export type { Architecture, Llama3RopeScaling, LlamaConfig } from '../engine/config.js';
export { LORA_TARGETS, type LoraConfig, type LoraTarget } from '../engine/lora.js';
export type { LlamaModel } from '../engine/model.js';
export { MODEL_SIZES, type ModelSize } from '../engine/sizes.js';
export type { PromptFormat } from '../engine/tokenizers/promptFormat.js';
export type { DecodeOptions, EncodeOptions, StreamingDecoder, TextTokenizer } from '../engine/tokenizers/textTokenizer.js';
