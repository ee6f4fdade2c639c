/**
 * Whether a pretrained base trains through its chat template (the engine's default prompt format for it),
 * which decides how chat lines become training rows (trainingRows.ts). A GGUF base is left to the engine
 * (which says whether it can fine-tune one); its rows are the plain transcript.
 */
import { loadCheckpoint } from '../engine/checkpoint.js';
import { defaultPromptFormat } from '../engine/tokenizers/promptFormat.js';

export function isGgufBase(path: string): boolean {
  return /\.gguf$/i.test(path);
}

export async function baseHasChatTemplate(path: string): Promise<boolean> {
  if (isGgufBase(path)) return false;
  return defaultPromptFormat((await loadCheckpoint(path)).tokenizer).type === 'chat';
}
