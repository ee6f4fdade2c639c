/**
 * A GGUF file (what Ollama and LM Studio keep on disk, with or without a .gguf name) as a base to fine-tune:
 * its weights and architecture (./base.ts) and its tokenizer rebuilt from the metadata
 * (./formats/tokenizerFromGguf.ts), as the Checkpoint a run starts from.
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../util/errors.js';
import { ggufModel, readGgufFile } from './base.js';
import type { Checkpoint } from './checkpoint.js';
import { tokenizerFromGguf } from './formats/tokenizerFromGguf.js';

/** Whether a base path is a file (a GGUF) rather than a Hugging Face folder. */
export async function isGgufBase(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export async function loadGgufCheckpoint(file: string): Promise<Checkpoint> {
  const gguf = await readGgufFile(file);
  const { config, weights } = ggufModel(gguf, file);
  const tokenizer = tokenizerFromGguf(gguf, file);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new InputError(`the tokenizer has ${tokenizer.vocabSize} tokens, more than the ${config.vocabSize} rows of token_embd.weight`, {
      file,
      field: 'tokenizer.ggml.tokens',
    });
  }
  return { config, weights, tokenizer, info: {} };
}
