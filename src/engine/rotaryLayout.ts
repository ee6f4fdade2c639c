/**
 * The one place where the rows of q and k change order.
 *
 * The engine rotates interleaved pairs (x[2i], x[2i+1]) of each head (llama.cpp's `llama` layout). Hugging Face
 * checkpoints of every architecture rotate halves (x[i], x[i + headDim/2]), and so do llama.cpp's `qwen2` and
 * `qwen3` architectures (NEOX rotary), while its `llama` architecture expects the interleaved layout
 * (convert_hf_to_gguf.py permutes q/k for it). Rotating a permuted head by the permuted rule is the same
 * function, so a model is loaded into the engine's layout by permuting, within each head, the rows of the q
 * and k projections, their biases (Qwen2) and the per-head q/k norm gains (Qwen3; the RMS over a head does not
 * depend on the order of its elements), and saved back by the inverse permutation. A LoRA adapter's B of q
 * and k ([out, r], ./lora.ts) follows its weight's rows; its A (input side) does not move.
 */
import { architectureOf, headDimOf, type LlamaConfig } from './config.js';

export type RotaryLayout = 'interleaved' | 'half';

/** The layout llama.cpp's architecture of this config expects in a GGUF. */
export function ggufRotaryLayout(config: LlamaConfig): RotaryLayout {
  return architectureOf(config) === 'llama' ? 'interleaved' : 'half';
}

/** Rows (of length rowLength) within each head: rotate-half row j * half + i <-> interleaved row 2i + j. */
function permuteRows(data: Float32Array, headDim: number, rowLength: number, direction: 'toInterleaved' | 'toHalf'): Float32Array {
  const heads = data.length / rowLength / headDim;
  if (!Number.isInteger(heads)) throw new Error(`rotary layout: ${data.length} values are not whole heads of ${headDim} rows of ${rowLength}`);
  const half = headDim / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const halfRow = h * headDim + j * half + i;
        const pairRow = h * headDim + 2 * i + j;
        const [from, to] = direction === 'toInterleaved' ? [halfRow, pairRow] : [pairRow, halfRow];
        out.set(data.subarray(from * rowLength, (from + 1) * rowLength), to * rowLength);
      }
    }
  }
  return out;
}

/** How a named parameter's rows follow the rotary layout: its row length, or undefined when it does not. */
function rotaryRowLength(name: string, config: LlamaConfig, length: number): number | undefined {
  const loraB = /\.self_attn\.([qk])_proj\.lora_B\.weight$|\.attn_([qk])\.weight\.lora_b$/.exec(name);
  if (loraB) return length / ((loraB[1] ?? loraB[2]) === 'q' ? config.nHeads : config.nKvHeads) / headDimOf(config);
  if (/\.self_attn\.[qk]_proj\.weight$/.test(name) || /\.attn_[qk]\.weight$/.test(name)) return config.dim;
  if (/\.self_attn\.[qk]_proj\.bias$/.test(name) || /\.attn_[qk]\.bias$/.test(name)) return 1;
  if (/\.self_attn\.[qk]_norm\.weight$/.test(name) || /\.attn_[qk]_norm\.weight$/.test(name)) return 1;
  return undefined;
}

/** Weights from `from` layout to `to` (Hugging Face or GGUF names); other tensors are passed through as they are. */
export function convertRotaryLayout(
  weights: ReadonlyMap<string, Float32Array>,
  config: LlamaConfig,
  from: RotaryLayout,
  to: RotaryLayout,
): Map<string, Float32Array> {
  if (from === to) return new Map(weights);
  const hd = headDimOf(config);
  return new Map(
    [...weights].map(([name, data]) => {
      const row = rotaryRowLength(name, config, data.length);
      return [name, row === undefined ? data : permuteRows(data, hd, row, to === 'interleaved' ? 'toInterleaved' : 'toHalf')];
    }),
  );
}
