/**
 * Whether a pretrained base trains through its chat template (the engine's default prompt format for it),
 * which decides how chat lines become training rows (trainingRows.ts). A base is a student or Hugging Face
 * folder, or a GGUF file, whose tokenizer (and chat template) is rebuilt from its metadata as the engine does.
 */
import { InputError } from '../util/errors.js';
import { loadCheckpoint } from '../engine/checkpoint.js';
import { readGguf } from '../engine/formats/gguf.js';
import { tokenizerFromGguf } from '../engine/formats/tokenizerFromGguf.js';
import { isGgufBase } from '../engine/ggufBase.js';
import { defaultPromptFormat } from '../engine/tokenizers/promptFormat.js';
import type { TextTokenizer } from '../engine/tokenizers/textTokenizer.js';

async function baseTokenizer(path: string): Promise<TextTokenizer> {
  if (!(await isGgufBase(path))) return (await loadCheckpoint(path)).tokenizer;
  // The metadata alone: the tensors are not decoded.
  const gguf = await readGguf(path, { readData: false }).catch((error: unknown) => {
    throw new InputError(error instanceof Error ? error.message : String(error), { file: path });
  });
  return tokenizerFromGguf(gguf, path);
}

export async function baseHasChatTemplate(path: string): Promise<boolean> {
  return defaultPromptFormat(await baseTokenizer(path)).type === 'chat';
}
