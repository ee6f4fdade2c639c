/**
 * A model folder's tokenizer files, for either kind of tokenizer: what a checkpoint or an exported Hugging Face
 * folder holds, so transformers loads the tokenizer as it loads the base model's.
 *   bpe  tokenizer.json and tokenizer_config.json written from the engine's BPE; generation_config.json ids
 *   hf   the base model's tokenizer.json, tokenizer_config.json (with its chat_template) and
 *        generation_config.json, written back as they were read
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '../tokenizer.js';
import { GENERATION_CONFIG_JSON, HfTokenizer, loadHfTokenizer, TOKENIZER_CONFIG_JSON, TOKENIZER_JSON } from './hfTokenizer.js';
import type { TextTokenizer } from './textTokenizer.js';

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

/** The files' names and contents (write them as the caller likes, e.g. atomically). */
export function tokenizerFiles(tokenizer: TextTokenizer): Array<{ name: string; text: string }> {
  if (tokenizer instanceof HfTokenizer) {
    const { tokenizerJson, tokenizerConfig, generationConfig } = tokenizer.files;
    return [
      { name: TOKENIZER_JSON, text: JSON.stringify(tokenizerJson) + '\n' },
      { name: TOKENIZER_CONFIG_JSON, text: json(tokenizerConfig) },
      {
        name: GENERATION_CONFIG_JSON,
        text: json(generationConfig ?? { bos_token_id: tokenizer.bosId, eos_token_id: [...tokenizer.eosIds], pad_token_id: tokenizer.padId }),
      },
    ];
  }
  if (!(tokenizer instanceof Tokenizer)) throw new TypeError('unknown tokenizer kind');
  return [
    { name: TOKENIZER_JSON, text: JSON.stringify(tokenizer.toHfTokenizerJson(), null, 2) + '\n' },
    { name: TOKENIZER_CONFIG_JSON, text: json(tokenizer.toHfTokenizerConfig()) },
    { name: GENERATION_CONFIG_JSON, text: json({ bos_token_id: tokenizer.bosId, eos_token_id: tokenizer.eosId, pad_token_id: tokenizer.padId }) },
  ];
}

export async function writeTokenizerFiles(dir: string, tokenizer: TextTokenizer): Promise<void> {
  for (const file of tokenizerFiles(tokenizer)) await writeFile(join(dir, file.name), file.text, 'utf8');
}

/** Loads a folder's tokenizer of the given kind (the BPE's bos/eos/pad names come from tokenizer_config.json). */
export async function loadTextTokenizer(dir: string, kind: 'bpe' | 'hf'): Promise<TextTokenizer> {
  if (kind === 'hf') return loadHfTokenizer(dir);
  const config = await readFile(join(dir, TOKENIZER_CONFIG_JSON), 'utf8').then(
    (t) => JSON.parse(t) as Record<string, unknown>,
    () => ({}) as Record<string, unknown>,
  );
  const role = (key: string): Record<string, string> => (typeof config[`${key}_token`] === 'string' ? { [key]: config[`${key}_token`] as string } : {});
  return Tokenizer.loadTokenizerJson(join(dir, TOKENIZER_JSON), { ...role('bos'), ...role('eos'), ...role('pad') });
}
