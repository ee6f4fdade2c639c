/**
 * Checkpoint folder -> what the ecosystem serves:
 *   gguf    one GGUF for llama.cpp / Ollama / node-llama-cpp, with the tokenizer and its chat template
 *   ollama  a folder with that GGUF and a Modelfile in the student's prompt format (formats/ollamaModelfile.ts)
 *   hf      a Hugging Face folder: config.json, the weights, the tokenizer files (no training state)
 * A LoRA run's checkpoint loads with its adapter merged into the base, so these three write the merged model;
 * its adapter alone goes as
 *   peft       adapter_config.json + adapter_model.safetensors (PEFT loads it onto the base)
 *   lora-gguf  a llama.cpp LoRA adapter GGUF, for the base's GGUF (llama.cpp --lora, node-llama-cpp's lora)
 * The engine's rotary layout is llama.cpp's, so Q and K go as they are.
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import { ollamaModelfile } from './formats/ollamaModelfile.js';
import { parsePromptFormat } from './tokenizers/promptFormat.js';
import { tokenizerFiles } from './tokenizers/files.js';
import type { GgmlTensorType } from './formats/gguf.js';
import { writeLlamaGguf } from './formats/llamaGguf.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint, type LoraCheckpoint } from './checkpoint.js';
import { writeLoraGguf, writePeftAdapter } from './loraFiles.js';

/** Options of {@link exportGguf}: the tensor type written. */
export interface ExportGgufOptions {
  dtype?: 'f32' | 'f16' | 'q8_0';
}

export async function writeCheckpointGguf(checkpoint: Checkpoint, outPath: string, name: string, options: ExportGgufOptions = {}): Promise<void> {
  await writeLlamaGguf(outPath, {
    config: checkpoint.config,
    weights: checkpoint.weights,
    tokenizer: checkpoint.tokenizer,
    name,
    tensorType: (options.dtype ?? 'f32') as GgmlTensorType,
    rotary: 'interleaved',
    // llama.cpp prepends BOS to a prompt exactly when training did: always for the engine's BPE, as the
    // tokenizer says for a base model's.
    addBos: checkpoint.tokenizer.addsBos,
  });
}

/** Writes `<dir>` (a checkpoint folder) as a GGUF file and returns what was written. */
export async function exportGguf(dir: string, outPath: string, options: ExportGgufOptions = {}): Promise<{ path: string; parameters: number }> {
  const checkpoint = await loadCheckpoint(dir);
  await writeCheckpointGguf(checkpoint, outPath, basename(resolve(dir)), options);
  const parameters = [...checkpoint.weights.values()].reduce((n, w) => n + w.length, 0);
  return { path: outPath, parameters };
}

/** `<outDir>/<name>.gguf` and `<outDir>/Modelfile` (`ollama create <name> -f <outDir>/Modelfile`). */
export async function exportOllama(
  dir: string,
  outDir: string,
  options: ExportGgufOptions = {},
): Promise<{ path: string; modelfile: string; parameters: number; templateFromJinja: boolean }> {
  const checkpoint = await loadCheckpoint(dir);
  const name = basename(resolve(dir));
  await mkdir(outDir, { recursive: true });
  const ggufName = `${name}.gguf`;
  await writeCheckpointGguf(checkpoint, join(outDir, ggufName), name, options);
  const format = parsePromptFormat(checkpoint.info.promptFormat, join(dir, 'config.json'));
  const modelfile = ollamaModelfile(ggufName, format, checkpoint.tokenizer);
  const modelfilePath = join(outDir, 'Modelfile');
  await writeFile(modelfilePath, modelfile.text, 'utf8');
  const parameters = [...checkpoint.weights.values()].reduce((n, w) => n + w.length, 0);
  return { path: join(outDir, ggufName), modelfile: modelfilePath, parameters, templateFromJinja: modelfile.templateFromJinja };
}

/** Files of a model folder that a Hugging Face folder keeps: config, weights (single or sharded). */
const HF_MODEL_FILES = /^(config\.json|model\.safetensors|model-\d+-of-\d+\.safetensors|model\.safetensors\.index\.json)$/;

/**
 * `<outDir>` as a Hugging Face folder transformers loads as it loads the base: the checkpoint's config.json
 * and weights (Hugging Face layout, as the checkpoint stores them) and its tokenizer files; the training
 * state (training/) stays behind.
 */
export async function exportHf(dir: string, outDir: string): Promise<{ path: string; files: string[] }> {
  if (resolve(dir) === resolve(outDir)) throw new InputError('the output folder is the checkpoint itself', { field: 'out' });
  const checkpoint = await loadCheckpoint(dir); // checks the folder is a loadable checkpoint
  if (checkpoint.lora) {
    // The merged model, a plain checkpoint: its config no longer points at the base.
    const { lora, ...info } = checkpoint.info;
    await saveCheckpoint(outDir, { ...checkpoint, info: { ...info, mergedLora: lora } });
    return { path: outDir, files: (await readdir(outDir)).filter((f) => !f.startsWith('.')).sort() };
  }
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const name of await readdir(dir)) {
    if (!HF_MODEL_FILES.test(name)) continue;
    await copyFile(join(dir, name), join(outDir, name));
    files.push(name);
  }
  for (const file of tokenizerFiles(checkpoint.tokenizer)) {
    await writeFile(join(outDir, file.name), file.text, 'utf8');
    files.push(file.name);
  }
  return { path: outDir, files: files.sort() };
}

async function loraOf(dir: string): Promise<{ checkpoint: Checkpoint; lora: LoraCheckpoint }> {
  const checkpoint = await loadCheckpoint(dir);
  if (!checkpoint.lora)
    throw new InputError('not a LoRA run: there is no adapter to export (--format gguf, ollama or hf write the model)', { file: dir, field: 'format' });
  return { checkpoint, lora: checkpoint.lora };
}

/** `<outDir>` as a PEFT adapter folder: adapter_config.json (base_model_name_or_path: the base's folder) + adapter_model.safetensors. */
export async function exportPeft(dir: string, outDir: string): Promise<{ path: string; files: string[]; parameters: number }> {
  if (resolve(dir) === resolve(outDir)) throw new InputError('the output folder is the checkpoint itself', { field: 'out' });
  const { checkpoint, lora } = await loraOf(dir);
  await writePeftAdapter(outDir, checkpoint.config, lora.config, lora.adapters, lora.base);
  return { path: outDir, files: ['adapter_config.json', 'adapter_model.safetensors'], parameters: adapterSize(lora) };
}

/** A llama.cpp LoRA adapter GGUF (F32) for the base's own GGUF. */
export async function exportLoraGguf(dir: string, outPath: string): Promise<{ path: string; parameters: number; base: string }> {
  const { checkpoint, lora } = await loraOf(dir);
  await writeLoraGguf(outPath, checkpoint.config, lora.config, lora.adapters, basename(resolve(dir)));
  return { path: outPath, parameters: adapterSize(lora), base: lora.base };
}

function adapterSize(lora: LoraCheckpoint): number {
  return [...lora.adapters.values()].reduce((n, a) => n + a.length, 0);
}
