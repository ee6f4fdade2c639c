/** The engine's named model sizes: a plain table, cheap to import (the CLI reads it to describe its options). */

/** Named sizes (parameter counts at the size's default vocabulary, tied embeddings). */
export const MODEL_SIZES = {
  /** ~0.16M parameters. */
  tiny: { dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 176, vocabSize: 512 },
  /** ~0.87M parameters. */
  small: { dim: 128, nLayers: 4, nHeads: 4, nKvHeads: 2, hiddenDim: 352, vocabSize: 1024 },
  /** ~4.9M parameters. */
  base: { dim: 256, nLayers: 6, nHeads: 8, nKvHeads: 4, hiddenDim: 704, vocabSize: 2048 },
} as const;

/** The name of one of the engine's preset student sizes. */
export type ModelSize = keyof typeof MODEL_SIZES;

export function isModelSize(name: string): name is ModelSize {
  return Object.hasOwn(MODEL_SIZES, name);
}
