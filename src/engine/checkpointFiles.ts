/**
 * A checkpoint folder's file names and the digest of its weights: small on purpose, because every model spec's
 * identity (models/providers/builtinDescriptor.ts) hashes weights and should not load the engine to do it.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';
export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/**
 * SHA-256 of a model folder's weights (model.safetensors, or the index and its shards in order): the one
 * fingerprint of a checkpoint's weights that run identities and caches use. Read in chunks, so files past
 * Node's 2 GiB readFile limit work. A LoRA run's checkpoint (no weights of its own) is its config.json, which
 * names the base and its digest, and its adapter files. A GGUF file (a base given as one) is the whole file.
 * Undefined when there are no weights.
 */
export function weightsDigest(dir: string): string | undefined {
  const hash = createHash('sha256');
  const indexPath = join(dir, WEIGHTS_INDEX_FILE);
  let files: string[];
  if (statSync(dir, { throwIfNoEntry: false })?.isFile()) files = [dir];
  else if (existsSync(indexPath)) {
    const map = (JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
    files = [indexPath, ...[...new Set(Object.values(map))].sort().map((f) => join(dir, f))];
  } else if (existsSync(join(dir, WEIGHTS_FILE))) files = [join(dir, WEIGHTS_FILE)];
  else if (existsSync(join(dir, ADAPTER_WEIGHTS))) files = ['config.json', ADAPTER_CONFIG, ADAPTER_WEIGHTS].map((f) => join(dir, f));
  else return undefined;
  const chunk = Buffer.alloc(1 << 24);
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      let n: number;
      while ((n = readSync(fd, chunk, 0, chunk.length, null)) > 0) hash.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex');
}
