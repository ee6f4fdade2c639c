/**
 * Llama 3's rope scaling read back from a GGUF. llama.cpp's converter (and ./llamaGguf.ts) keep it only as the
 * `rope_freqs.weight` tensor: per rotary pair, the base frequency over the scaled one (the factor for long
 * wavelengths, 1 for short ones, a blend between). The frequencies alone do not pin down the config's four
 * numbers: (originalContextLength, lowFreqFactor, highFreqFactor) scaled together give the same frequencies. So
 * the known Llama 3.x values are tried first, then the blend is solved for with lowFreqFactor = 1; whatever is
 * chosen must reproduce every pair's factor to float32 precision, so the model computes what the file says.
 */
import { InputError } from '../../util/errors.js';
import { inverseFrequencies, type Llama3RopeScaling, type LlamaConfig } from '../config.js';

/** Relative tolerance: llama.cpp's converter computes the factors in another order of float64 operations. */
const TOLERANCE = 1e-6;
const CONTEXT_LENGTHS = [8192, 4096, 2048, 16384, 32768, 65536, 131072];
const LOW_HIGH: Array<[number, number]> = [
  [1, 4],
  [1, 2],
  [1, 8],
  [2, 4],
  [2, 8],
  [0.5, 4],
];

/** The llama3 scaling whose factors are `factors` for `config` (without scaling), or an InputError naming the tensor. */
export function llama3ScalingFromRopeFreqs(factors: Float32Array, config: LlamaConfig, file: string): Llama3RopeScaling {
  const base = inverseFrequencies({ ...config, ropeScaling: undefined });
  if (factors.length !== base.length) {
    throw new InputError(`rope_freqs.weight has ${factors.length} values, the head size ${base.length * 2} needs ${base.length}`, { file });
  }
  const reproduces = (scaling: Llama3RopeScaling): boolean => {
    const scaled = inverseFrequencies({ ...config, ropeScaling: scaling });
    return scaled.every((f, i) => Math.abs((base[i] as number) / f - (factors[i] as number)) <= TOLERANCE * (factors[i] as number));
  };
  const factor = shortestFloat32(Math.max(...factors));
  const tried: Llama3RopeScaling[] = [];
  for (const originalContextLength of CONTEXT_LENGTHS) {
    for (const [lowFreqFactor, highFreqFactor] of LOW_HIGH) tried.push({ type: 'llama3', factor, lowFreqFactor, highFreqFactor, originalContextLength });
  }
  const solved = solveBlend(factors, base, factor);
  if (solved) tried.push(solved);
  const found = factor > 1 ? tried.find(reproduces) : undefined;
  if (!found) {
    throw new InputError('rope_freqs.weight is not a Llama 3 rope scaling (no factor, low/high frequency factors and original context length reproduce it)', {
      file,
    });
  }
  return found;
}

/**
 * With lowFreqFactor = 1, the blend s = (1/r - 1/factor) / (1 - 1/factor) of a pair of wavelength w is
 * L / (w (high - 1)) - 1 / (high - 1): linear in 1/w, so two blended pairs give high and L.
 */
function solveBlend(factors: Float32Array, base: Float64Array, factor: number): Llama3RopeScaling | undefined {
  const points: Array<{ x: number; s: number }> = [];
  factors.forEach((r, i) => {
    if (Math.abs(r - 1) > TOLERANCE && Math.abs(r - factor) > TOLERANCE * factor) {
      points.push({ x: (base[i] as number) / (2 * Math.PI), s: (1 / r - 1 / factor) / (1 - 1 / factor) });
    }
  });
  if (points.length < 2) return undefined;
  const [p, q] = [points[0]!, points[points.length - 1]!];
  const slope = (q.s - p.s) / (q.x - p.x); // L / (high - 1)
  const intercept = slope * p.x - p.s; // 1 / (high - 1)
  if (!(slope > 0) || !(intercept > 0)) return undefined;
  return { type: 'llama3', factor, lowFreqFactor: 1, highFreqFactor: shortestFloat32(1 + 1 / intercept), originalContextLength: Math.round(slope / intercept) };
}

/** The shortest decimal with the same float32 (GGUF keeps float32: 32 comes back as 32, 8.3 as 8.3). */
export function shortestFloat32(value: number): number {
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === Math.fround(value)) return candidate;
  }
  return value;
}
