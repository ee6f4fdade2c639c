/**
 * Embedders turn texts into unit vectors, so cosine similarity is a dot product. Used for
 * nearest-neighbour demonstrations, clustering training examples and ranking grimoires.
 */

export interface EmbedOptions {
  signal?: AbortSignal;
}

/** Turns texts into comparable vectors: the built-in TF-IDF/LSA embedder or a model's embeddings. */
export interface Embedder {
  /** Identifies the vector space: equal ids mean comparable vectors. */
  readonly id: string;
  /** One L2-normalised vector per text, in order. A text with nothing to go on may get the zero vector. */
  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** Saved form, for embedders that can be reloaded. */
  toJSON?(): EmbedderState;
}

/** The saved form of an embedder (`toJSON()`), reloaded with `loadEmbedder` (src/embed/index.ts). */
export type EmbedderState = TfidfLsaState | ModelEmbedderState;

/** Settings of the built-in TF-IDF/LSA embedder. */
export interface TfidfLsaSettings {
  /** Components kept after the SVD (capped by corpus size and rank). */
  dims: number;
  seed: number;
  /** Features seen in fewer documents are dropped (auto: 2 for corpora of 20+ texts, else 1). */
  minDf: number | 'auto';
  /** Most features kept, by document frequency. */
  maxFeatures: number;
  powerIterations: number;
  oversamples: number;
}

/** The saved form of a fitted TF-IDF/LSA embedder. */
export interface TfidfLsaState {
  kind: 'tfidf-lsa';
  version: 1;
  settings: TfidfLsaSettings;
  /**
   * The fitting corpus: the space is a deterministic function of settings and corpus, and the
   * corpus is far smaller than the projection it yields (features × dims floats).
   */
  corpus: string[];
  /** First components of the first corpus texts' vectors, checked on load to catch a changed space. */
  fingerprint: number[];
}

/** The saved form of a model-backed embedder: the model spec. */
export interface ModelEmbedderState {
  kind: 'model';
  spec: string;
}

/** An embedder that must learn its space from a corpus before it can embed. */
export interface FittableEmbedder extends Embedder {
  readonly fitted: boolean;
  fit(corpus: string[]): void;
  toJSON(): EmbedderState;
}

export function isFittable(embedder: Embedder): embedder is FittableEmbedder {
  return typeof (embedder as Partial<FittableEmbedder>).fit === 'function';
}
