/**
 * An embedder backed by any model of the model layer that can embed (OpenAI-compatible
 * embedding endpoints, GGUF through node-llama-cpp, ...). Texts are sent in batches; the
 * model given here is already wrapped by the layer's cache, limits and retries.
 */
import pLimit from 'p-limit';
import { ModelError } from '../models/errors.js';
import type { LanguageModel } from '../models/types.js';
import { InputError } from '../util/errors.js';
import type { EmbedOptions, Embedder, ModelEmbedderState } from './types.js';
import { normalize } from './vector.js';

export const DEFAULT_EMBED_BATCH_SIZE = 64;
/** Batches in flight at once; the model layer's own limiter still applies per endpoint. */
export const DEFAULT_EMBED_CONCURRENCY = 4;

/** How a model-backed embedder batches its calls. */
export interface ModelEmbedderOptions {
  batchSize?: number;
  concurrency?: number;
}

export class ModelEmbedder implements Embedder {
  readonly id: string;
  readonly model: LanguageModel;
  private readonly batchSize: number;
  private readonly concurrency: number;
  /** Vector length seen in the first answer; every later answer must match it. */
  private dimension: number | undefined;

  constructor(model: LanguageModel, options: ModelEmbedderOptions = {}) {
    if (!model.capabilities.embed) {
      throw new InputError(`model "${model.spec}" cannot embed texts; choose an embedding model or "builtin"`, {
        field: 'embedder',
      });
    }
    this.model = model;
    this.id = `model:${model.spec}`;
    this.batchSize = positiveInteger(options.batchSize ?? DEFAULT_EMBED_BATCH_SIZE, 'batchSize');
    this.concurrency = positiveInteger(options.concurrency ?? DEFAULT_EMBED_CONCURRENCY, 'concurrency');
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const batches: string[][] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      batches.push(texts.slice(start, start + this.batchSize));
    }
    const limit = pLimit(this.concurrency);
    const results = await Promise.all(batches.map((batch) => limit(() => this.embedBatch(batch, options))));
    return results.flat();
  }

  toJSON(): ModelEmbedderState {
    return { kind: 'model', spec: this.model.spec };
  }

  private async embedBatch(texts: string[], options: EmbedOptions): Promise<Float32Array[]> {
    const response = await this.model.embed({ texts }, { signal: options.signal });
    const vectors = response?.vectors;
    if (!Array.isArray(vectors) || vectors.length !== texts.length) {
      const got = Array.isArray(vectors) ? vectors.length : 'no';
      const why = `returned ${got} vectors for ${texts.length} texts`;
      throw new ModelError('bad_response', `model "${this.model.spec}" ${why}`);
    }
    return vectors.map((vector, i) => {
      if (!Array.isArray(vector) || vector.length === 0 || !vector.every(Number.isFinite)) {
        throw new ModelError('bad_response', `model "${this.model.spec}" returned an invalid vector for text ${i} of a batch`);
      }
      this.dimension ??= vector.length;
      if (vector.length !== this.dimension) {
        throw new ModelError('bad_response', `model "${this.model.spec}" returned vectors of different lengths (${this.dimension} and ${vector.length})`);
      }
      return normalize(vector);
    });
  }
}

export function createModelEmbedder(model: LanguageModel, options: ModelEmbedderOptions = {}): ModelEmbedder {
  return new ModelEmbedder(model, options);
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InputError(`must be a positive integer, got ${JSON.stringify(value)}`, { field: `embedder.${field}` });
  }
  return value;
}
