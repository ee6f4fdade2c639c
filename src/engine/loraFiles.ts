/**
 * A LoRA adapter (./lora.ts) on disk, in the two layouts the ecosystem loads:
 *
 *   PEFT       adapter_config.json + adapter_model.safetensors, tensors named as PEFT saves them
 *              (base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight), in the Hugging Face rotary
 *              layout (B rows of q and k permuted back to rotate-half); what `peft` loads onto the base
 *   llama.cpp  a GGUF with general.type = adapter, adapter.type = lora, adapter.lora.alpha, and per adapted
 *              weight <gguf name>.lora_a [r, in] and .lora_b [out, r] (as convert_lora_to_gguf.py writes
 *              them), B rows in the layout llama.cpp's architecture expects; llama.cpp scales by alpha / r
 */
export { ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './checkpointFiles.js';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { architectureOf, type LlamaConfig } from './config.js';
import { gguf, writeGguf, type GgufTensor, type GgufValue } from './formats/gguf.js';
import { ggufNameOf } from './formats/llamaGguf.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from './formats/safetensors.js';
import { assertFinite } from './hfWeights.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './checkpointFiles.js';
import { LORA_MODULES, LORA_TARGETS, loraConfig, loraModules, loraShapes, type LoraConfig } from './lora.js';
import { convertRotaryLayout, ggufRotaryLayout } from './rotaryLayout.js';

const PEFT_PREFIX = 'base_model.model.';

/** adapter_config.json as PEFT writes it for a causal LM. */
export function peftAdapterConfig(lora: LoraConfig, baseModel: string): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    target_modules: lora.targets.map((t) => LORA_MODULES[t].split('.')[1] as string),
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    use_rslora: false,
    use_dora: false,
    modules_to_save: null,
    layers_to_transform: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
}

/** Writes `<dir>/adapter_config.json` and `<dir>/adapter_model.safetensors` (each to a temp name first). */
export async function writePeftAdapter(
  dir: string,
  config: LlamaConfig,
  lora: LoraConfig,
  adapters: ReadonlyMap<string, Float32Array>,
  baseModel: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const hf = convertRotaryLayout(adapters, config, 'interleaved', 'half');
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, shape } of loraShapes(config, lora)) {
    const data = hf.get(name);
    if (!data) throw new Error(`LoRA adapter ${name} is missing`);
    tensors.set(PEFT_PREFIX + name, { shape, data });
  }
  await writeSafetensors(join(dir, `.${ADAPTER_WEIGHTS}.tmp`), tensors, { format: 'pt' });
  await rename(join(dir, `.${ADAPTER_WEIGHTS}.tmp`), join(dir, ADAPTER_WEIGHTS));
  await writeFile(join(dir, `.${ADAPTER_CONFIG}.tmp`), JSON.stringify(peftAdapterConfig(lora, baseModel), null, 2) + '\n');
  await rename(join(dir, `.${ADAPTER_CONFIG}.tmp`), join(dir, ADAPTER_CONFIG));
}

/** A PEFT adapter folder for a model of `config`: its setting and the adapters in the engine's layout. */
export async function readPeftAdapter(dir: string, config: LlamaConfig): Promise<{ lora: LoraConfig; adapters: Map<string, Float32Array> }> {
  const file = join(dir, ADAPTER_CONFIG);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(`cannot read the LoRA adapter's config (${(error as Error).message})`, { file });
  }
  if (json.peft_type !== 'LORA') throw new InputError(`expected "LORA", got ${JSON.stringify(json.peft_type)}`, { file, field: 'peft_type' });
  for (const field of ['use_dora', 'use_rslora', 'fan_in_fan_out'] as const) {
    if (json[field] === true) throw new InputError('not supported by the engine', { file, field });
  }
  const modules = Array.isArray(json.target_modules) ? (json.target_modules as unknown[]) : [];
  const targets = modules.map((m) => {
    const target = LORA_TARGETS.find((t) => LORA_MODULES[t].endsWith(`.${String(m)}`));
    if (!target) throw new InputError(`unsupported target module ${JSON.stringify(m)}`, { file, field: 'target_modules' });
    return target;
  });
  let lora: LoraConfig;
  try {
    lora = loraConfig({ rank: Number(json.r), alpha: Number(json.lora_alpha), dropout: Number(json.lora_dropout ?? 0), targets });
  } catch (error) {
    throw new InputError((error as Error).message, { file, field: 'r, lora_alpha, lora_dropout, target_modules' });
  }
  const weightsFile = join(dir, ADAPTER_WEIGHTS);
  const { tensors } = await readSafetensors(weightsFile);
  const hf = new Map<string, Float32Array>();
  for (const { name, shape } of loraShapes(config, lora)) {
    const tensor = tensors.get(PEFT_PREFIX + name);
    if (!tensor) throw new InputError(`tensor ${PEFT_PREFIX + name} is missing`, { file: weightsFile });
    if (tensor.shape.join(',') !== shape.join(',')) {
      throw new InputError(`tensor ${PEFT_PREFIX + name} has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`, { file: weightsFile });
    }
    assertFinite(PEFT_PREFIX + name, tensor.data, weightsFile);
    hf.set(name, tensor.data);
  }
  return { lora, adapters: convertRotaryLayout(hf, config, 'half', 'interleaved') };
}

/** The llama.cpp LoRA GGUF of adapters (engine layout) for a base of `config`. */
export async function writeLoraGguf(
  path: string,
  config: LlamaConfig,
  lora: LoraConfig,
  adapters: ReadonlyMap<string, Float32Array>,
  name: string,
): Promise<void> {
  const tensors: GgufTensor[] = [];
  const named = new Map<string, Float32Array>();
  const shapes = new Map(loraShapes(config, lora).map((s) => [s.name, s.shape]));
  const entries: Array<{ name: string; shape: number[] }> = [];
  for (const m of loraModules(config, lora)) {
    const base = ggufNameOf(m.weight) as string;
    for (const [hf, suffix] of [
      [m.a, 'lora_a'],
      [m.b, 'lora_b'],
    ] as const) {
      const data = adapters.get(hf);
      if (!data) throw new Error(`LoRA adapter ${hf} is missing`);
      named.set(`${base}.${suffix}`, data);
      entries.push({ name: `${base}.${suffix}`, shape: shapes.get(hf) as number[] });
    }
  }
  const laidOut = convertRotaryLayout(named, config, 'interleaved', ggufRotaryLayout(config));
  for (const { name: tensorName, shape } of entries) tensors.push({ name: tensorName, shape, data: laidOut.get(tensorName) as Float32Array, type: 'f32' });
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', gguf.string(architectureOf(config))],
    ['general.type', gguf.string('adapter')],
    ['general.name', gguf.string(name)],
    ['general.file_type', gguf.uint32(0)],
    ['general.alignment', gguf.uint32(32)],
    ['adapter.type', gguf.string('lora')],
    ['adapter.lora.alpha', gguf.float32(lora.alpha)],
  ]);
  await writeGguf(path, { metadata, tensors });
}
