/**
 * OpenAI's "auto" hyperparameters, resolved for a training set the way OpenAI's fine-tuning guide
 * describes them, and turned into the engine's optimizer steps:
 *
 * - n_epochs auto: 3, raised so that epochs x examples reaches 100 (at most 25 epochs), lowered so that it
 *   stays under 25,000 (at least 1 epoch).
 * - batch_size auto: about 0.2% of the examples, between 1 and 256.
 * - learning_rate_multiplier auto: 1. The engine's base learning rate is 1e-3 for a student trained from
 *   scratch (a built-in size), 1e-4 for a pretrained base trained whole and 2e-4 for LoRA adapters on one;
 *   the multiplier scales it.
 * - steps = ceil(examples x epochs / batch size); the engine samples each step's batch with the job's seed.
 */
import type { Hyperparameters } from './types.js';

const MIN_TARGET_EXAMPLES = 100;
const MAX_TARGET_EXAMPLES = 25_000;
const DEFAULT_EPOCHS = 3;
const MAX_AUTO_EPOCHS = 25;

export const BASE_LEARNING_RATE = { scratch: 1e-3, pretrained: 1e-4, lora: 2e-4 } as const;

export interface ResolvedHyperparameters {
  nEpochs: number;
  batchSize: number;
  learningRateMultiplier: number;
  steps: number;
}

export function autoEpochs(examples: number): number {
  if (examples * DEFAULT_EPOCHS < MIN_TARGET_EXAMPLES) return Math.min(MAX_AUTO_EPOCHS, Math.ceil(MIN_TARGET_EXAMPLES / examples));
  if (examples * DEFAULT_EPOCHS > MAX_TARGET_EXAMPLES) return Math.max(1, Math.floor(MAX_TARGET_EXAMPLES / examples));
  return DEFAULT_EPOCHS;
}

export function autoBatchSize(examples: number): number {
  return Math.min(256, Math.max(1, Math.ceil(examples * 0.002)));
}

export function resolveHyperparameters(given: Hyperparameters, examples: number): ResolvedHyperparameters {
  const nEpochs = given.n_epochs === 'auto' ? autoEpochs(examples) : given.n_epochs;
  const batchSize = given.batch_size === 'auto' ? autoBatchSize(examples) : given.batch_size;
  const learningRateMultiplier = given.learning_rate_multiplier === 'auto' ? 1 : given.learning_rate_multiplier;
  return { nEpochs, batchSize, learningRateMultiplier, steps: Math.max(1, Math.ceil((examples * nEpochs) / batchSize)) };
}
