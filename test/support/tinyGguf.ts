/**
 * A tiny random-weight Llama GGUF written by the project itself (no downloaded weights), plus a plain
 * TypeScript reference forward pass of the same weights, for checking what llama.cpp computes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainTokenizer, type Tokenizer } from '../../src/engine/tokenizer.js';
import { llamaTensorShapes, writeLlamaGguf, type LlamaConfig } from '../../src/engine/formats/llamaGguf.js';

export const TINY_TEXT = [
  'The quick brown fox jumps over the lazy dog.',
  'Tom has 12 apples and gives 5 to Anna. How many apples does Tom have now?',
  'Anna had 7 pencils, then she bought 15 more pencils at the store.',
  'The answer is 7. The answer is 12. The answer is 42.',
  "It's the fox's den; they're sure we'll find it.",
  'A train travels 60 miles in 1.5 hours; what is its average speed?',
  'héllo wörld, café naïve — 数学 问题',
];

/** A chat template in the tiny tokenizer's special tokens (the tests' `chatTemplate`). */
export const TINY_CHAT_TEMPLATE =
  "{% for m in messages %}<|bos|>{{ m['role'] }}\n{{ m['content'] }}<|eos|>{% endfor %}" + '{% if add_generation_prompt %}<|bos|>assistant\n{% endif %}';

export interface TinyModel {
  path: string;
  dir: string;
  config: LlamaConfig;
  tokenizer: Tokenizer;
  /** GGUF tensor name -> row-major weights. */
  weights: Map<string, Float32Array>;
  cleanup(): Promise<void>;
}

export interface TinyModelOptions {
  seed?: number;
  dim?: number;
  nLayers?: number;
  nHeads?: number;
  nKvHeads?: number;
  hiddenDim?: number;
  tiedEmbeddings?: boolean;
  chatTemplate?: string;
  /** Extra vocabulary rows beyond the tokenizer's (padding tokens). Default 0. */
  padVocab?: number;
}

/** mulberry32: a small seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function tinyTokenizer(): Tokenizer {
  return trainTokenizer(Array.from({ length: 5 }, () => TINY_TEXT).flat(), { vocabSize: 320, minFrequency: 2 });
}

/** The smallest model shape (width 8, one layer) over `vocabSize` tokens: for tests of the tokenizer a GGUF carries. */
export function tinyShape(vocabSize: number, contextLength = 64, overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  return {
    vocabSize,
    dim: 8,
    nLayers: 1,
    nHeads: 2,
    nKvHeads: 1,
    hiddenDim: 16,
    normEps: 1e-5,
    ropeTheta: 10000,
    contextLength,
    tiedEmbeddings: true,
    ...overrides,
  };
}

export function tinyWeights(config: LlamaConfig, seed: number): Map<string, Float32Array> {
  const random = seededRandom(seed);
  const weights = new Map<string, Float32Array>();
  for (const { name, shape } of llamaTensorShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (shape.length === 1) {
      for (let i = 0; i < n; i++) data[i] = 1 + 0.2 * gaussian(random); // norm gains
    } else {
      const fanIn = shape[1] as number;
      const scale = name === 'token_embd.weight' ? 1 : 1.5 / Math.sqrt(fanIn);
      for (let i = 0; i < n; i++) data[i] = scale * gaussian(random);
    }
    weights.set(name, data);
  }
  return weights;
}

/** Writes the tiny model into a fresh temp dir. */
export async function writeTinyGguf(options: TinyModelOptions = {}): Promise<TinyModel> {
  const tokenizer = tinyTokenizer();
  const config: LlamaConfig = {
    vocabSize: tokenizer.vocabSize + (options.padVocab ?? 0),
    dim: options.dim ?? 32,
    nLayers: options.nLayers ?? 2,
    nHeads: options.nHeads ?? 4,
    nKvHeads: options.nKvHeads ?? 2,
    hiddenDim: options.hiddenDim ?? 64,
    normEps: 1e-5,
    ropeTheta: 10000,
    contextLength: 256,
    tiedEmbeddings: options.tiedEmbeddings ?? false,
  };
  const weights = tinyWeights(config, options.seed ?? 1234);
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-tiny-gguf-'));
  const path = join(dir, 'tiny.gguf');
  await writeLlamaGguf(path, {
    config,
    weights,
    tokenizer,
    name: 'apprentice-tiny',
    chatTemplate: options.chatTemplate,
  });
  return { path, dir, config, tokenizer, weights, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------------------
// Reference forward pass: straightforward float64 loops, llama.cpp's `llama` architecture semantics
// (RMSNorm, interleaved-pair rotary embedding, grouped-query causal attention, SwiGLU).
// ---------------------------------------------------------------------------------------------------------

/** y = W x for a row-major [rows, cols] W. */
function matVec(w: Float32Array, x: Float64Array, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) s += (w[base + c] as number) * (x[c] as number);
    y[r] = s;
  }
  return y;
}

function rmsNorm(x: Float64Array, gain: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * inv * (gain[i] as number));
}

function rope(v: Float64Array, nHeads: number, headDim: number, pos: number, theta: number): void {
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < headDim / 2; i++) {
      const angle = pos * theta ** ((-2 * i) / headDim);
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      const a = h * headDim + 2 * i;
      const x0 = v[a] as number;
      const x1 = v[a + 1] as number;
      v[a] = x0 * cos - x1 * sin;
      v[a + 1] = x0 * sin + x1 * cos;
    }
  }
}

export interface ReferenceOutput {
  /** logits[t] = next-token logits after tokens[0..t]. */
  logits: Float64Array[];
  /** Final hidden states after output_norm, one per position. */
  hidden: Float64Array[];
}

export function referenceForward(config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>, tokens: readonly number[]): ReferenceOutput {
  const { dim, nLayers, nHeads, nKvHeads, hiddenDim, vocabSize, normEps, ropeTheta } = config;
  const headDim = dim / nHeads;
  const kvDim = nKvHeads * headDim;
  const group = nHeads / nKvHeads;
  const w = (name: string): Float32Array => {
    const t = weights.get(name);
    if (!t) throw new Error(`missing ${name}`);
    return t;
  };
  const embd = w('token_embd.weight');
  const keys: Float64Array[][] = Array.from({ length: nLayers }, () => []);
  const values: Float64Array[][] = Array.from({ length: nLayers }, () => []);
  const out: ReferenceOutput = { logits: [], hidden: [] };

  tokens.forEach((token, pos) => {
    let x: Float64Array = Float64Array.from(embd.subarray(token * dim, (token + 1) * dim));
    for (let l = 0; l < nLayers; l++) {
      const h = rmsNorm(x, w(`blk.${l}.attn_norm.weight`), normEps);
      const q = matVec(w(`blk.${l}.attn_q.weight`), h, dim, dim);
      const k = matVec(w(`blk.${l}.attn_k.weight`), h, kvDim, dim);
      const v = matVec(w(`blk.${l}.attn_v.weight`), h, kvDim, dim);
      rope(q, nHeads, headDim, pos, ropeTheta);
      rope(k, nKvHeads, headDim, pos, ropeTheta);
      (keys[l] as Float64Array[]).push(k);
      (values[l] as Float64Array[]).push(v);
      const attn = new Float64Array(dim);
      for (let head = 0; head < nHeads; head++) {
        const kvHead = Math.floor(head / group);
        const scores = (keys[l] as Float64Array[]).map((kt) => {
          let s = 0;
          for (let i = 0; i < headDim; i++) s += (q[head * headDim + i] as number) * (kt[kvHead * headDim + i] as number);
          return s / Math.sqrt(headDim);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const sum = exps.reduce((a, b) => a + b, 0);
        (values[l] as Float64Array[]).forEach((vt, t) => {
          const p = (exps[t] as number) / sum;
          for (let i = 0; i < headDim; i++) {
            attn[head * headDim + i] = (attn[head * headDim + i] as number) + p * (vt[kvHead * headDim + i] as number);
          }
        });
      }
      const o = matVec(w(`blk.${l}.attn_output.weight`), attn, dim, dim);
      x = x.map((xi, i) => xi + (o[i] as number));
      const h2 = rmsNorm(x, w(`blk.${l}.ffn_norm.weight`), normEps);
      const gate = matVec(w(`blk.${l}.ffn_gate.weight`), h2, hiddenDim, dim);
      const up = matVec(w(`blk.${l}.ffn_up.weight`), h2, hiddenDim, dim);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * (up[i] as number));
      const down = matVec(w(`blk.${l}.ffn_down.weight`), act, dim, hiddenDim);
      x = x.map((xi, i) => xi + (down[i] as number));
    }
    const final = rmsNorm(x, w('output_norm.weight'), normEps);
    out.hidden.push(final);
    const outW = config.tiedEmbeddings ? embd : w('output.weight');
    out.logits.push(matVec(outW, final, vocabSize, dim));
  });
  return out;
}

export function logSoftmax(logits: Float32Array | Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - lse);
}
