/**
 * The one interface the training loop drives, whatever computes the passes (./onnxEngine.ts, ./tfjsEngine.ts):
 * parameters, summed gradients and AdamW moments.
 */
import type { Batch, Scores } from './batches.js';

export interface StepEngine {
  /** Forward and backward of one micro-batch; gradients are summed until update(). */
  accumulate(batch: Batch): Promise<{ loss: number; nll: Float32Array }>;
  /** Clips the summed gradients' global norm (0 = off), one AdamW step (step from 1), clears them; the norm before clipping. */
  update(learningRate: number, step: number, clipNorm: number): number | Promise<number>;
  score(batch: Batch): Promise<Scores>;
  /** Current trainable weights (Hugging Face names, parameterShapes order; with LoRA the adapters). */
  weights(): Map<string, Float32Array>;
  /** AdamW moments of a parameter. */
  moments(name: string): { m: Float32Array; v: Float32Array };
  setMoments(name: string, m: Float32Array, v: Float32Array): void;
  /** Shown in config.json's apprentice.engine. */
  readonly description: string;
  dispose(): Promise<void>;
}

export type AdamWSettings = { beta1: number; beta2: number; weightDecay: number };
