/** The choices `train()` offers, as plain values: cheap to import (the CLI validates its flags with them). */

export type LossNormalization = 'token' | 'task';

/** Every {@link LossNormalization}. */
export const LOSS_NORMALIZATIONS: readonly LossNormalization[] = ['token', 'task'];

/**
 * What computes the forward and backward passes: 'onnx' (default), ONNX Runtime's native CPU kernels on a graph
 * written by ./onnx/llama.ts, with parameters and AdamW in JS; 'tfjs', the tfjs model of ./model.ts on the
 * WebAssembly backend. Both train the same model with the same loop; their numbers differ in float rounding.
 */
export type TrainBackend = 'onnx' | 'tfjs';

/** Every {@link TrainBackend}. */
export const TRAIN_BACKENDS: readonly TrainBackend[] = ['onnx', 'tfjs'];
