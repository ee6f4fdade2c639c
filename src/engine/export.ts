/**
 * Checkpoint folder -> GGUF for llama.cpp / Ollama / node-llama-cpp (general.architecture = "llama",
 * tokenizer "gpt2"), F32 or F16 matrices. The engine's rotary layout is llama.cpp's, so Q and K go as they are.
 */
import { basename, resolve } from 'node:path';
import type { GgmlTensorType } from './formats/gguf.js';
import { writeLlamaGguf } from './formats/llamaGguf.js';
import { loadCheckpoint, type Checkpoint } from './checkpoint.js';

export interface ExportGgufOptions {
  dtype?: 'f32' | 'f16';
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
