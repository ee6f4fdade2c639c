/**
 * The sizes of a `scale family`: a named engine size (tiny, small, base) or a custom `<dim>x<layers>` (e.g.
 * 96x3), so a family can have the five or more sizes a shape verdict needs (verdict.ts). Custom sizes keep the
 * tiny size's vocabulary, head width 16 (at least 2 heads, half as many key/value heads when the count is even, else
 * as many) and a feed-forward
 * width of 2.75 × dim rounded to 8, as the named sizes do. Training steps can grow with size (`stepsFor`).
 */
import { MODEL_SIZES, isModelSize, type ModelSize } from '../engine/sizes.js';
import { InputError } from '../util/errors.js';

export interface FamilySize {
  /** As written: "tiny" or "96x3"; the model folder's name. */
  name: string;
  size: ModelSize;
  /** Architecture overrides of a custom size. */
  model?: { dim: number; nLayers: number; nHeads: number; nKvHeads: number; hiddenDim: number };
}

export function parseFamilySize(text: string): FamilySize {
  const name = text.trim();
  if (isModelSize(name)) return { name, size: name };
  const match = /^(\d+)x(\d+)$/.exec(name);
  if (!match) throw new InputError(`size "${name}" is neither ${Object.keys(MODEL_SIZES).join(', ')} nor <dim>x<layers> (e.g. 96x3)`, { field: 'sizes' });
  const dim = Number(match[1]);
  const nLayers = Number(match[2]);
  if (dim < 16 || dim % 16 !== 0 || dim > 1024) throw new InputError(`size "${name}": dim must be a multiple of 16 from 16 to 1024`, { field: 'sizes' });
  if (nLayers < 1 || nLayers > 24) throw new InputError(`size "${name}": layers must be from 1 to 24`, { field: 'sizes' });
  const nHeads = Math.max(2, dim / 16);
  // Half as many key/value heads, which must divide the heads: an odd head count (48: 3 heads) keeps one per head.
  const nKvHeads = nHeads % 2 === 0 ? nHeads / 2 : nHeads;
  return { name, size: 'tiny', model: { dim, nLayers, nHeads, nKvHeads, hiddenDim: Math.round((2.75 * dim) / 8) * 8 } };
}

/** Parameters at the size's vocabulary (tied embeddings), the same count the engine reports. */
export function approximateParameters(size: FamilySize): number {
  const base = MODEL_SIZES[size.size];
  const { dim, nLayers, nHeads, nKvHeads, hiddenDim } = size.model ?? base;
  const kvDim = (dim / nHeads) * nKvHeads;
  const layer = 2 * dim * dim + 2 * dim * kvDim + 3 * dim * hiddenDim + 2 * dim;
  return base.vocabSize * dim + nLayers * layer + dim;
}

/**
 * Steps per size: `steps` for the smallest, growing as (parameters / smallest's)^exponent. 0 trains every size
 * equally long; 1 keeps tokens per parameter fixed (Chinchilla's proportionality, Hoffmann et al. 2022).
 */
export function stepsFor(sizes: readonly FamilySize[], steps: number, exponent: number): number[] {
  const params = sizes.map(approximateParameters);
  const smallest = Math.min(...params);
  return params.map((p) => Math.max(1, Math.round(steps * (p / smallest) ** exponent)));
}
