/**
 * Whether a pretrained base trains through its chat template (the engine's default prompt format for it),
 * which decides how chat lines become training rows (trainingRows.ts). A base is a student or Hugging Face
 * folder, or a GGUF file, whose tokenizer (and chat template) is rebuilt from its metadata as the engine does.
 */
import { open } from 'node:fs/promises';
import { InputError } from '../util/errors.js';
import { loadCheckpoint } from '../engine/checkpoint.js';
import { parseGguf, type ParsedGguf } from '../engine/formats/gguf.js';
import { tokenizerFromGguf } from '../engine/formats/tokenizerFromGguf.js';
import { isGgufBase } from '../engine/ggufBase.js';
import { defaultPromptFormat } from '../engine/tokenizers/promptFormat.js';
import type { TextTokenizer } from '../engine/tokenizers/textTokenizer.js';

/**
 * A GGUF's metadata and tensor list without its tensor data: the file's start, read in growing prefixes until
 * the header parses (a few MB for a large vocabulary; the whole file of a big base would not even fit Node's
 * 2 GiB read limit).
 */
export async function readGgufHeader(path: string, firstRead = 1 << 23): Promise<ParsedGguf> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    for (let length = Math.min(size, firstRead); ; length = Math.min(size, length * 4)) {
      const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(length), position: 0 });
      try {
        return parseGguf(buffer.subarray(0, bytesRead), { readData: false });
      } catch (error) {
        const truncated = error instanceof Error && error.message.startsWith('GGUF: unexpected end of file');
        if (!truncated || length >= size) throw new InputError(error instanceof Error ? error.message : String(error), { file: path });
      }
    }
  } finally {
    await file.close();
  }
}

async function baseTokenizer(path: string): Promise<TextTokenizer> {
  if (!(await isGgufBase(path))) return (await loadCheckpoint(path)).tokenizer;
  return tokenizerFromGguf(await readGgufHeader(path), path);
}

export async function baseHasChatTemplate(path: string): Promise<boolean> {
  return defaultPromptFormat(await baseTokenizer(path)).type === 'chat';
}
