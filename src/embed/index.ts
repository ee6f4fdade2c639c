/**
 * Choosing an embedder by name: `builtin` (TF-IDF + LSA, offline, must be fitted on a corpus)
 * or any model spec the model layer understands (`openai:text-embedding-3-small`,
 * `gguf:models/embed.gguf`, ...).
 */
import { parseModelSpec } from '../models/spec.js';
import type { LanguageModel } from '../models/types.js';
import { InputError } from '../util/errors.js';
import { createModelEmbedder, type ModelEmbedderOptions } from './modelEmbedder.js';
import { TfidfLsaEmbedder } from './tfidf.js';
import type { Embedder, TfidfLsaSettings } from './types.js';
import { isFittable } from './types.js';

export const BUILTIN_EMBEDDER = 'builtin';

/** Where model-backed embedders get their (already wrapped) model; a ModelHub fits. */
export interface ModelSource {
  model(spec: string): Promise<LanguageModel>;
}

/** Options of {@link createEmbedder}: the model hub for model specs and the built-in embedder's settings. */
export interface CreateEmbedderOptions extends ModelEmbedderOptions {
  /** Needed for model specs. */
  models?: ModelSource;
  /** Settings of the built-in embedder. */
  builtin?: Partial<TfidfLsaSettings>;
  /** Config field named in errors. Default `embedder`. */
  field?: string;
}

/**
 * `'builtin'` gives an unfitted TfidfLsaEmbedder (fit it, or let DemoIndex.build fit it on the
 * pool); anything else is parsed as a model spec and loaded through `options.models`.
 */
export async function createEmbedder(spec: string, options: CreateEmbedderOptions = {}): Promise<Embedder> {
  const field = options.field ?? 'embedder';
  const trimmed = spec.trim();
  if (trimmed === BUILTIN_EMBEDDER) return new TfidfLsaEmbedder(options.builtin);
  parseModelSpec(trimmed, field);
  if (!options.models) {
    throw new InputError(`embedder "${trimmed}" needs a model, but no model hub was given`, { field });
  }
  return createModelEmbedder(await options.models.model(trimmed), options);
}

/** Reloads what an embedder's toJSON() saved. */
export async function loadEmbedder(state: unknown, options: CreateEmbedderOptions & { file?: string } = {}): Promise<Embedder> {
  const kind = typeof state === 'object' && state !== null ? (state as { kind?: unknown }).kind : undefined;
  if (kind === 'tfidf-lsa') return TfidfLsaEmbedder.fromJSON(state, { file: options.file });
  if (kind === 'model') {
    const spec = (state as { spec?: unknown }).spec;
    if (typeof spec !== 'string') {
      throw new InputError('saved model embedder has no "spec" string', { file: options.file, field: 'spec' });
    }
    return createEmbedder(spec, options);
  }
  throw new InputError(`not a saved embedder: unknown kind ${JSON.stringify(kind)}`, {
    file: options.file,
    field: 'kind',
  });
}

/** Fits a fittable embedder on `corpus` unless it already is; other embedders need nothing. */
export function ensureFitted(embedder: Embedder, corpus: string[]): void {
  if (isFittable(embedder) && !embedder.fitted) embedder.fit(corpus);
}

export { TfidfLsaEmbedder, DEFAULT_TFIDF_LSA_SETTINGS } from './tfidf.js';
export { ModelEmbedder, createModelEmbedder, DEFAULT_EMBED_BATCH_SIZE } from './modelEmbedder.js';
export { cosine, dot, norm, normalize } from './vector.js';
export { isFittable } from './types.js';
export type { Embedder, EmbedderState, EmbedOptions, FittableEmbedder, TfidfLsaSettings } from './types.js';
