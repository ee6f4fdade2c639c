/**
 * LoRA (Hu et al. 2021) as PEFT defines it: a frozen linear layer W [out, in] gains a trainable low-rank update,
 *
 *   y = x W^T + (alpha / r) * dropout(x) A^T B^T,   A [r, in], B [out, r],
 *
 * A initialised like PEFT's default (kaiming-uniform with a = sqrt(5): uniform in +-1/sqrt(in)) and B at zero,
 * so training starts from the base model exactly. The adapters carry PEFT's module names without its
 * `base_model.model.` prefix (model.layers.0.self_attn.q_proj.lora_A.weight); their B rows of q and k are in
 * the engine's (interleaved) rotary layout like the weights they add to (./rotaryLayout.ts converts them).
 * This module is the arithmetic: shapes, initialisation, merging. The graph is ./onnx/llama.ts, the files
 * ./loraFiles.ts.
 */
import { InputError } from '../util/errors.js';
import { createRng } from '../util/random.js';
import { parameterShapes, type LlamaConfig } from './config.js';

/** A PEFT adapter folder's files (./loraFiles.ts). */

/** The projections a LoRA adapter can be put on. */
export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
/** One projection a LoRA adapter can be put on. */
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** The module (PEFT's target_modules name, under model.layers.N.) of each target. */
export const LORA_MODULES: Readonly<Record<LoraTarget, string>> = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};

/** A LoRA adapter's settings: rank, alpha, dropout and target projections. */
export interface LoraConfig {
  rank: number;
  alpha: number;
  /** Dropout on the adapter's input during training (0 = none). */
  dropout: number;
  targets: LoraTarget[];
}

/**
 * A checked LoRA setting. Defaults: alpha = rank (scale 1, as PEFT's r = lora_alpha = 8), no dropout, every linear
 * layer of the blocks adapted (as QLoRA recommends; PEFT's own default for Llama is q and v only).
 */
export function loraConfig(options: { rank: number; alpha?: number; dropout?: number; targets?: readonly string[] }): LoraConfig {
  const field = 'lora';
  const { rank } = options;
  if (!Number.isInteger(rank) || rank < 1) throw new InputError(`the LoRA rank must be a positive integer, got ${rank}`, { field: `${field}Rank` });
  const alpha = options.alpha ?? rank;
  if (!(alpha > 0)) throw new InputError(`the LoRA alpha must be positive, got ${alpha}`, { field: `${field}Alpha` });
  const dropout = options.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) throw new InputError(`the LoRA dropout must be in [0, 1), got ${dropout}`, { field: `${field}Dropout` });
  const targets = [...new Set(options.targets ?? LORA_TARGETS)];
  for (const t of targets) {
    if (!(LORA_TARGETS as readonly string[]).includes(t)) {
      throw new InputError(`unknown LoRA target ${JSON.stringify(t)}; choose from ${LORA_TARGETS.join(', ')}`, { field: `${field}Targets` });
    }
  }
  if (targets.length === 0) throw new InputError('give at least one LoRA target', { field: `${field}Targets` });
  // Always in the canonical order, so the same set is the same run.
  return { rank, alpha, dropout, targets: LORA_TARGETS.filter((t) => targets.includes(t)) };
}

export function loraScale(lora: LoraConfig): number {
  return lora.alpha / lora.rank;
}

export interface LoraModule {
  layer: number;
  target: LoraTarget;
  /** The frozen weight, e.g. model.layers.0.self_attn.q_proj.weight. */
  weight: string;
  /** model.layers.0.self_attn.q_proj.lora_A.weight, [rank, in]. */
  a: string;
  /** model.layers.0.self_attn.q_proj.lora_B.weight, [out, rank]. */
  b: string;
  in: number;
  out: number;
}

/** The adapted modules, layer by layer in target order. */
export function loraModules(config: LlamaConfig, lora: LoraConfig): LoraModule[] {
  const shapes = new Map(parameterShapes(config).map(({ name, shape }) => [name, shape]));
  const out: LoraModule[] = [];
  for (let layer = 0; layer < config.nLayers; layer++) {
    for (const target of lora.targets) {
      const module = `model.layers.${layer}.${LORA_MODULES[target]}`;
      const [rows, columns] = shapes.get(`${module}.weight`) as [number, number];
      out.push({ layer, target, weight: `${module}.weight`, a: `${module}.lora_A.weight`, b: `${module}.lora_B.weight`, in: columns, out: rows });
    }
  }
  return out;
}

/** The adapter parameters' names and shapes, in a fixed order (A then B per module). */
export function loraShapes(config: LlamaConfig, lora: LoraConfig): Array<{ name: string; shape: number[] }> {
  return loraModules(config, lora).flatMap((m) => [
    { name: m.a, shape: [lora.rank, m.in] },
    { name: m.b, shape: [m.out, lora.rank] },
  ]);
}

/** The parameters a training step computes gradients of: every weight, or with LoRA the adapters alone. */
export function trainableShapes(config: LlamaConfig, lora?: LoraConfig): Array<{ name: string; shape: number[] }> {
  return lora ? loraShapes(config, lora) : parameterShapes(config);
}

export function countLoraParameters(config: LlamaConfig, lora: LoraConfig): number {
  return loraModules(config, lora).reduce((n, m) => n + lora.rank * (m.in + m.out), 0);
}

/** PEFT's initialisation: A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_, a = sqrt(5)), B = 0. Seeded. */
export function initialLoraWeights(config: LlamaConfig, lora: LoraConfig, seed: number): Map<string, Float32Array> {
  const rng = createRng(`lora:${seed}`);
  const out = new Map<string, Float32Array>();
  for (const m of loraModules(config, lora)) {
    const bound = 1 / Math.sqrt(m.in);
    out.set(
      m.a,
      Float32Array.from({ length: lora.rank * m.in }, () => (2 * rng.next() - 1) * bound),
    );
    out.set(m.b, new Float32Array(m.out * lora.rank));
  }
  return out;
}

/** W + (alpha / r) B A for every adapted module; the other weights as they are (shared, not copied). */
export function mergeLora(
  weights: ReadonlyMap<string, Float32Array>,
  adapters: ReadonlyMap<string, Float32Array>,
  config: LlamaConfig,
  lora: LoraConfig,
): Map<string, Float32Array> {
  const merged = new Map(weights);
  const scale = loraScale(lora);
  const r = lora.rank;
  for (const m of loraModules(config, lora)) {
    const a = adapters.get(m.a);
    const b = adapters.get(m.b);
    if (!a || !b) throw new Error(`LoRA adapter ${a ? m.b : m.a} is missing`);
    const w = Float32Array.from(weights.get(m.weight) as Float32Array);
    // Accumulated in float64 per element, so the merge adds one rounding to W, not r.
    const row = new Float64Array(m.in);
    for (let o = 0; o < m.out; o++) {
      row.fill(0);
      for (let k = 0; k < r; k++) {
        const bk = (b[o * r + k] as number) * scale;
        if (bk === 0) continue;
        for (let i = 0; i < m.in; i++) row[i] = (row[i] as number) + bk * (a[k * m.in + i] as number);
      }
      for (let i = 0; i < m.in; i++) w[o * m.in + i] = (w[o * m.in + i] as number) + (row[i] as number);
    }
    merged.set(m.weight, w);
  }
  return merged;
}
