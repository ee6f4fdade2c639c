/**
 * Where a run's weights start when not from scratch: a warm start (`initFrom`, a checkpoint the engine wrote)
 * or a pretrained base (`base`), with a fingerprint of its weights, tokenizer and config for the run identity,
 * and the architecture the run trains (the checkpoint's; what the options ask for must agree).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { canonicalJson, sha256Hex } from '../../util/canonicalJson.js';
import { InputError } from '../../util/errors.js';
import { loadCheckpoint, TOKENIZER_JSON, type Checkpoint } from '../checkpoint.js';
import { configForSize, type LlamaConfig } from '../config.js';
import { isGgufBase, loadGgufCheckpoint } from '../ggufBase.js';
import { weightsDigest } from '../checkpointFiles.js';
import type { ModelSize } from '../sizes.js';

/** What of the run's options the architecture of a warm start is checked against (see ../train.ts's TrainOptions). */
export interface ArchitectureRequest {
  size?: ModelSize;
  model?: Partial<Omit<LlamaConfig, 'vocabSize'>>;
  vocabSize?: number;
  base?: string;
  initFrom?: string;
}

/** The checkpoint a warm start begins from, and a fingerprint of its weights and tokenizer (for the run identity). */
export async function loadInit(
  dir: string,
  outDir: string,
  field: 'base' | 'initFrom',
): Promise<{ checkpoint: Checkpoint; fingerprint: string; weightsDigest: string | undefined }> {
  if (resolve(dir) === resolve(outDir)) {
    throw new InputError('a run cannot start from the checkpoint it writes; choose another --out', { field, file: dir });
  }
  if (field === 'base' && (await isGgufBase(dir))) {
    const checkpoint = await loadGgufCheckpoint(dir);
    const digest = weightsDigest(dir)!;
    return { checkpoint, fingerprint: sha256Hex(canonicalJson({ gguf: digest, config: checkpoint.config })), weightsDigest: digest };
  }
  const checkpoint = await loadCheckpoint(dir);
  const digest = weightsDigest(dir);
  const fingerprint = sha256Hex(
    canonicalJson({
      weights: digest,
      tokenizer: createHash('sha256')
        .update(await readFile(join(dir, TOKENIZER_JSON)))
        .digest('hex'),
      config: checkpoint.config,
    }),
  );
  return { checkpoint, fingerprint, weightsDigest: digest };
}

/**
 * The architecture of a warm start: the checkpoint's; what the options ask for (size, model overrides, context
 * length, vocabulary) must be the same, or an InputError names each difference.
 */
export function initConfig(checkpoint: Checkpoint, options: ArchitectureRequest, contextLength: number, isBase: boolean): LlamaConfig {
  const have = checkpoint.config;
  if (isBase) {
    // A base keeps its architecture; the sequence length may be shorter than its context.
    if (options.size || options.model)
      throw new InputError('a base keeps its own architecture: drop --size and model overrides', { field: 'base', file: options.base });
    if (contextLength > have.contextLength) {
      throw new InputError(`the sequence length ${contextLength} is longer than the base's context (${have.contextLength})`, {
        field: 'context',
        file: options.base,
      });
    }
    return { ...have };
  }
  const asked: Partial<LlamaConfig> = {
    ...(options.size ? configForSize(options.size, have.vocabSize, contextLength) : {}),
    ...options.model,
    contextLength,
  };
  const differences: string[] = [];
  for (const [key, value] of Object.entries(asked) as Array<[keyof LlamaConfig, unknown]>) {
    if (key === 'vocabSize' || value === undefined || value === have[key]) continue;
    differences.push(`${key}: the checkpoint has ${String(have[key])}, the options ask for ${String(value)}`);
  }
  if (options.vocabSize !== undefined && options.vocabSize !== checkpoint.tokenizer.vocabSize) {
    differences.push(
      `vocabSize: the checkpoint's tokenizer has ${checkpoint.tokenizer.vocabSize} tokens, the options ask for ${options.vocabSize} (a warm start reuses the tokenizer)`,
    );
  }
  if (differences.length) {
    throw new InputError(
      `the checkpoint to start from has another architecture than this run${options.size ? ` (size ${options.size})` : ''}: ${differences.join('; ')}`,
      { field: 'initFrom', file: options.initFrom },
    );
  }
  return { ...have };
}
