/**
 * What the tests that compare with llama.cpp (node-llama-cpp, the reference) share: a temporary folder for the
 * GGUFs they write, the llama.cpp binding (never built, CPU only), the context settings that make llama.cpp
 * compute in F32 throughout, and a list of measured differences printed when the file ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll } from 'vitest';
import { trainTokenizer } from '../../src/engine/tokenizer.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

/** F32 KV cache and no flash attention: llama.cpp then computes in F32, so it can be compared closely. */
export const F32_CONTEXT = {
  contextSize: 64,
  threads: 1,
  flashAttention: false,
  experimentalKvCacheKeyType: 'F32',
  experimentalKvCacheValueType: 'F32',
} as const;

/** A small BPE the exported GGUFs carry; token ids go into llama.cpp directly, so its merges do not matter. */
export const referenceTokenizer = () =>
  trainTokenizer(['the quick brown fox jumps over the lazy dog 0123456789 '.repeat(20)], { vocabSize: 300, minFrequency: 2 });

export interface LlamaCppWorkspace {
  /** Set in beforeAll. */
  readonly dir: string;
  /** Set in beforeAll. */
  readonly llama: Llama;
  /** Lines printed under the title when the file ends. */
  readonly measured: string[];
}

/** Registers the file's beforeAll/afterAll: the folder (prefixed `prefix`) and the binding, then the measurements and clean-up. */
export function useLlamaCppWorkspace(prefix: string, title: string): LlamaCppWorkspace {
  const workspace = { dir: '', llama: undefined as unknown as Llama, measured: [] as string[] };
  beforeAll(async () => {
    workspace.dir = await mkdtemp(join(tmpdir(), prefix));
    workspace.llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
  });
  afterAll(async () => {
    console.log(`${title}:\n${workspace.measured.join('\n')}`);
    if (workspace.dir) await rm(workspace.dir, { recursive: true, force: true });
  });
  return workspace;
}
