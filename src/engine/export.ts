/**
 * Checkpoint folder -> what the ecosystem serves:
 *   gguf    one GGUF for llama.cpp / Ollama / node-llama-cpp, with the tokenizer and its chat template
 *   ollama  a folder with that GGUF and a Modelfile in the student's prompt format (formats/ollamaModelfile.ts)
 *   hf      a Hugging Face folder: config.json, the weights, the tokenizer files (no training state)
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
import { loadCheckpoint, type Checkpoint } from './checkpoint.js';

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
    // Training sequences start with <|bos|>: llama.cpp prepends it to prompts too.
    addBos: true,
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
