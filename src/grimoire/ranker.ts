/**
 * Choosing a grimoire per question (the paper's section 3.4).
 *
 * - Similarity: the grimoire whose embedding has the highest cosine with the question's.
 * - Learned ranker: a small MLP (one tanh hidden layer, sigmoid output, hand-written gradients, Adam)
 *   that predicts P(weak model answers correctly | question, grimoire) from question, grimoire and
 *   task features, including the embeddings. It trains on (validation question, grimoire) ->
 *   correct pairs only: validation is split by question into a fit part (training, plus each
 *   grimoire's accuracy used as a feature) and a check part (early stopping and the reported
 *   validation metrics). Test data never reaches it. It saves to JSON with its embedder and reloads.
 */
import { loadEmbedder, type CreateEmbedderOptions } from '../embed/index.js';
import type { Embedder } from '../embed/types.js';
import { dot } from '../embed/vector.js';
import { InputError } from '../util/errors.js';
import { createRng, shuffle, type Rng } from '../util/random.js';
import type { GrimoireArtifact } from './types.js';
import { SAMPLER_NAMES } from './types.js';

/** Embeddings of a grimoire set's texts, for ranking questions against them. */
export interface GrimoireSpace {
  embedder: Embedder;
  grimoires: readonly GrimoireArtifact[];
  vectors: Float32Array[];
}

export async function embedGrimoires(embedder: Embedder, grimoires: readonly GrimoireArtifact[]): Promise<GrimoireSpace> {
  const vectors = await embedder.embed(grimoires.map((g) => g.text));
  return { embedder, grimoires, vectors };
}

/** Index of the most similar grimoire (ties: the earlier one). */
export function mostSimilar(space: GrimoireSpace, question: Float32Array): number {
  let best = 0;
  let bestScore = -Infinity;
  space.vectors.forEach((vector, i) => {
    const score = dot(question, vector);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

// ---------------------------------------------------------------------------------------------
// Features

/** What the ranker knows about one grimoire: its embedding, its validation accuracy and descriptors. */
export interface GrimoireFeatures {
  id: string;
  vector: number[];
  /** Accuracy of the weak model with this grimoire on the fit part of validation. */
  fitAccuracy: number;
  /** Fixed grimoire descriptors: sampler one-hot, variant, k, hard ratio, log length. */
  descriptors: number[];
}

export function grimoireDescriptors(grimoire: GrimoireArtifact): number[] {
  return [
    ...SAMPLER_NAMES.map((name) => (grimoire.sampler.name === name ? 1 : 0)),
    grimoire.variant === 'simple' ? 1 : 0,
    grimoire.sampler.k / 10,
    grimoire.sampler.hardRatio ?? 0,
    Math.log1p(grimoire.text.length) / 10,
  ];
}

/** [q ⊙ g, q, cos(q, g), grimoire descriptors, fit accuracy, log question length, label count]. */
export function pairFeatures(question: { vector: ArrayLike<number>; length: number }, grimoire: GrimoireFeatures, labelCount: number): Float64Array {
  const d = grimoire.vector.length;
  const out = new Float64Array(2 * d + 1 + grimoire.descriptors.length + 4);
  let cos = 0;
  for (let i = 0; i < d; i++) {
    const product = question.vector[i]! * grimoire.vector[i]!;
    out[i] = product;
    out[d + i] = question.vector[i]!;
    cos += product;
  }
  let at = 2 * d;
  out[at++] = cos;
  for (const value of grimoire.descriptors) out[at++] = value;
  out[at++] = grimoire.fitAccuracy;
  out[at++] = Math.log1p(question.length) / 10;
  out[at++] = labelCount / 10;
  out[at++] = 1;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The scorer: a one-hidden-layer MLP with standardised inputs

/** The saved weights of the ranker's one-hidden-layer network and its input normalisation. */
export interface MlpWeights {
  inputs: number;
  hidden: number;
  mean: number[];
  std: number[];
  w1: number[];
  b1: number[];
  w2: number[];
  b2: number;
}

export class Mlp {
  readonly inputs: number;
  readonly hidden: number;
  mean: Float64Array;
  std: Float64Array;
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: number;

  constructor(inputs: number, hidden: number, rng: Rng) {
    this.inputs = inputs;
    this.hidden = hidden;
    this.mean = new Float64Array(inputs);
    this.std = new Float64Array(inputs).fill(1);
    const scale1 = Math.sqrt(1 / inputs);
    const scale2 = Math.sqrt(1 / hidden);
    this.w1 = Float64Array.from({ length: inputs * hidden }, () => gaussian(rng) * scale1);
    this.b1 = new Float64Array(hidden);
    this.w2 = Float64Array.from({ length: hidden }, () => gaussian(rng) * scale2);
    this.b2 = 0;
  }

  static fromJSON(state: MlpWeights): Mlp {
    const mlp = new Mlp(state.inputs, state.hidden, createRng(0));
    const expect = (name: string, got: number, want: number) => {
      if (got !== want) throw new InputError(`saved ranker: ${name} has ${got} values, expected ${want}`, { field: name });
    };
    expect('w1', state.w1.length, state.inputs * state.hidden);
    expect('w2', state.w2.length, state.hidden);
    expect('mean', state.mean.length, state.inputs);
    mlp.mean = Float64Array.from(state.mean);
    mlp.std = Float64Array.from(state.std);
    mlp.w1 = Float64Array.from(state.w1);
    mlp.b1 = Float64Array.from(state.b1);
    mlp.w2 = Float64Array.from(state.w2);
    mlp.b2 = state.b2;
    return mlp;
  }

  toJSON(): MlpWeights {
    return {
      inputs: this.inputs,
      hidden: this.hidden,
      mean: [...this.mean],
      std: [...this.std],
      w1: [...this.w1],
      b1: [...this.b1],
      w2: [...this.w2],
      b2: this.b2,
    };
  }

  /** Sets the input standardisation from training rows. */
  standardise(rows: readonly Float64Array[]): void {
    const n = rows.length || 1;
    this.mean.fill(0);
    this.std.fill(0);
    for (const row of rows) for (let j = 0; j < this.inputs; j++) this.mean[j]! += row[j]! / n;
    for (const row of rows) for (let j = 0; j < this.inputs; j++) this.std[j]! += (row[j]! - this.mean[j]!) ** 2 / n;
    for (let j = 0; j < this.inputs; j++) this.std[j] = Math.sqrt(this.std[j]!) || 1;
  }

  predict(row: Float64Array): number {
    return this.forward(row).p;
  }

  forward(row: Float64Array): { x: Float64Array; h: Float64Array; p: number } {
    const x = new Float64Array(this.inputs);
    for (let j = 0; j < this.inputs; j++) x[j] = (row[j]! - this.mean[j]!) / this.std[j]!;
    const h = new Float64Array(this.hidden);
    let z = this.b2;
    for (let k = 0; k < this.hidden; k++) {
      let a = this.b1[k]!;
      const base = k * this.inputs;
      for (let j = 0; j < this.inputs; j++) a += this.w1[base + j]! * x[j]!;
      h[k] = Math.tanh(a);
      z += this.w2[k]! * h[k]!;
    }
    return { x, h, p: sigmoid(z) };
  }
}

/** The ranker network's training settings. */
export interface TrainSettings {
  hidden: number;
  epochs: number;
  /** Epochs without a better check loss before stopping. */
  patience: number;
  learningRate: number;
  l2: number;
  batchSize: number;
  seed: number;
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  hidden: 16,
  epochs: 150,
  patience: 15,
  // Tuned on the recorded AgNews grimoires' validation answers (check log loss 0.41 vs 0.47 for a
  // constant predictor, AUC 0.69); smaller L2 or larger steps overfit within the first epoch.
  learningRate: 0.001,
  l2: 0.1,
  batchSize: 32,
  seed: 0,
};

export interface Row {
  x: Float64Array;
  y: number;
}

/** How the ranker's training went: epochs, the best one and the losses. */
export interface TrainReport {
  epochs: number;
  bestEpoch: number;
  fitLoss: number;
  checkLoss: number;
  /** Log loss of always predicting the fit set's positive rate, on the check rows. */
  checkBaselineLoss: number;
  checkAuc: number | null;
}

/** Mini-batch Adam on mean binary cross-entropy + L2; keeps the weights of the best check-loss epoch. */
export function trainMlp(fit: readonly Row[], check: readonly Row[], settings: TrainSettings): { mlp: Mlp; report: TrainReport } {
  if (!fit.length) throw new InputError('no training rows for the ranker', { field: 'ranker' });
  const inputs = fit[0]!.x.length;
  const rng = createRng(`ranker:${settings.seed}`);
  const mlp = new Mlp(inputs, settings.hidden, rng);
  mlp.standardise(fit.map((row) => row.x));
  const params = [mlp.w1, mlp.b1, mlp.w2];
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  let mB2 = 0;
  let vB2 = 0;
  let step = 0;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  const grads = params.map((p) => new Float64Array(p.length));

  const checkRows = check.length ? check : fit;
  let best = { loss: Infinity, epoch: 0, state: mlp.toJSON() };
  let epoch = 0;
  for (epoch = 1; epoch <= settings.epochs; epoch++) {
    const order = shuffle(
      fit.map((_, i) => i),
      rng,
    );
    for (let start = 0; start < order.length; start += settings.batchSize) {
      const batch = order.slice(start, start + settings.batchSize);
      for (const g of grads) g.fill(0);
      let gB2 = 0;
      for (const i of batch) {
        const row = fit[i]!;
        const { x, h, p } = mlp.forward(row.x);
        const dz = (p - row.y) / batch.length;
        gB2 += dz;
        for (let k = 0; k < mlp.hidden; k++) {
          grads[2]![k]! += dz * h[k]!;
          const da = dz * mlp.w2[k]! * (1 - h[k]! * h[k]!);
          grads[1]![k]! += da;
          const base = k * inputs;
          for (let j = 0; j < inputs; j++) grads[0]![base + j]! += da * x[j]!;
        }
      }
      step++;
      const correction1 = 1 - beta1 ** step;
      const correction2 = 1 - beta2 ** step;
      params.forEach((p, index) => {
        const g = grads[index]!;
        const mi = m[index]!;
        const vi = v[index]!;
        const decay = index === 1 ? 0 : settings.l2;
        for (let j = 0; j < p.length; j++) {
          const gj = g[j]! + decay * p[j]!;
          mi[j] = beta1 * mi[j]! + (1 - beta1) * gj;
          vi[j] = beta2 * vi[j]! + (1 - beta2) * gj * gj;
          p[j]! -= (settings.learningRate * (mi[j]! / correction1)) / (Math.sqrt(vi[j]! / correction2) + eps);
        }
      });
      mB2 = beta1 * mB2 + (1 - beta1) * gB2;
      vB2 = beta2 * vB2 + (1 - beta2) * gB2 * gB2;
      mlp.b2 -= (settings.learningRate * (mB2 / correction1)) / (Math.sqrt(vB2 / correction2) + eps);
    }
    const loss = logLoss(mlp, checkRows);
    if (loss < best.loss - 1e-6) best = { loss, epoch, state: mlp.toJSON() };
    else if (epoch - best.epoch >= settings.patience) break;
  }
  const trained = Mlp.fromJSON(best.state);
  const positiveRate = fit.reduce((s, r) => s + r.y, 0) / fit.length;
  return {
    mlp: trained,
    report: {
      epochs: Math.min(epoch, settings.epochs),
      bestEpoch: best.epoch,
      fitLoss: logLoss(trained, fit),
      checkLoss: logLoss(trained, checkRows),
      checkBaselineLoss: constantLogLoss(positiveRate, checkRows),
      checkAuc: auc(
        checkRows.map((r) => trained.predict(r.x)),
        checkRows.map((r) => r.y),
      ),
    },
  };
}

export function logLoss(mlp: Mlp, rows: readonly Row[]): number {
  let sum = 0;
  for (const row of rows) {
    const p = clamp(mlp.predict(row.x));
    sum -= row.y * Math.log(p) + (1 - row.y) * Math.log(1 - p);
  }
  return rows.length ? sum / rows.length : 0;
}

function constantLogLoss(rate: number, rows: readonly Row[]): number {
  const p = clamp(rate);
  let sum = 0;
  for (const row of rows) sum -= row.y * Math.log(p) + (1 - row.y) * Math.log(1 - p);
  return rows.length ? sum / rows.length : 0;
}

/** Area under the ROC curve (ties count half); null when one class is absent. */
export function auc(scores: number[], labels: number[]): number | null {
  const pos = scores.filter((_, i) => labels[i] === 1);
  const neg = scores.filter((_, i) => labels[i] !== 1);
  if (!pos.length || !neg.length) return null;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function clamp(p: number): number {
  return Math.min(1 - 1e-7, Math.max(1e-7, p));
}

function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

// ---------------------------------------------------------------------------------------------
// The ranker: features + scorer + the embedder that made the vectors

/** A validation question and whether the weak model answered it correctly with each grimoire. */
export interface ValidationAnswer {
  /** Validation example id. */
  id: string;
  input: string;
  /** Grimoire id -> correct (failed calls are left out). */
  correct: ReadonlyMap<string, boolean>;
}

/** How the ranker did on held-out validation questions compared with a single best grimoire. */
export interface RankerValidation extends TrainReport {
  fitQuestions: number;
  checkQuestions: number;
  rows: number;
  /** On check questions: accuracy when each question gets the ranker's grimoire... */
  checkRoutedAccuracy: number | null;
  /** ...and with the single grimoire best on the fit questions. */
  checkBestSingleAccuracy: number | null;
  bestSingleOnFit: string;
  /**
   * 'mlp': rank by the trained scorer. 'prior': the scorer routed worse than the fit part's best
   * single grimoire on the check questions, so grimoires are ranked by fit accuracy instead.
   */
  mode: 'mlp' | 'prior';
}

/** The ranker.json file: the ranker's weights, features and validation. */
export interface SavedRanker {
  format: 'apprentice.grimoire-ranker';
  version: 1;
  task: string;
  labelCount: number;
  weakModel: string;
  trainedOn: { split: 'validation'; ids: string[] };
  settings: TrainSettings;
  grimoires: GrimoireFeatures[];
  mlp: MlpWeights;
  embedder: unknown;
  validation: RankerValidation;
}

/** The learned ranker that predicts, per question, which grimoire makes the weak model answer correctly. */
export class GrimoireRanker {
  readonly saved: SavedRanker;
  readonly embedder: Embedder;
  private readonly mlp: Mlp;

  private constructor(saved: SavedRanker, embedder: Embedder, mlp: Mlp) {
    this.saved = saved;
    this.embedder = embedder;
    this.mlp = mlp;
  }

  get grimoireIds(): string[] {
    return this.saved.grimoires.map((g) => g.id);
  }

  /**
   * Trains on validation answers: questions are split (seeded) into fit and check parts; the
   * embedder must already be fitted (it is saved with the ranker).
   */
  static async train(options: {
    task: string;
    labelCount: number;
    weakModel: string;
    space: GrimoireSpace;
    answers: readonly ValidationAnswer[];
    settings?: Partial<TrainSettings>;
    /** Share of validation questions used for fitting (the rest check). Default 0.75. */
    fitShare?: number;
  }): Promise<GrimoireRanker> {
    const settings = { ...DEFAULT_TRAIN_SETTINGS, ...options.settings };
    const { space, answers } = options;
    if (answers.length < 4) throw new InputError(`the ranker needs at least 4 validation questions, got ${answers.length}`, { field: 'validation-size' });
    const order = shuffle(answers, createRng(`ranker-split:${settings.seed}`));
    const fitCount = Math.max(1, Math.min(order.length - 1, Math.round(order.length * (options.fitShare ?? 0.75))));
    const fitAnswers = order.slice(0, fitCount);
    const checkAnswers = order.slice(fitCount);

    const ids = space.grimoires.map((g) => g.id);
    const fitAccuracy = ids.map((id) => accuracyOf(fitAnswers, id) ?? 0);
    const features: GrimoireFeatures[] = space.grimoires.map((g, i) => ({
      id: g.id,
      vector: [...space.vectors[i]!],
      fitAccuracy: fitAccuracy[i]!,
      descriptors: grimoireDescriptors(g),
    }));
    const questionVectors = await space.embedder.embed(answers.map((a) => a.input));
    const vectorOf = new Map(answers.map((a, i) => [a.id, questionVectors[i]!]));
    const rowsFor = (part: readonly ValidationAnswer[]): Row[] =>
      part.flatMap((answer) =>
        features.flatMap((g) => {
          const correct = answer.correct.get(g.id);
          if (correct === undefined) return [];
          const question = { vector: vectorOf.get(answer.id)!, length: answer.input.length };
          return [{ x: pairFeatures(question, g, options.labelCount), y: correct ? 1 : 0 }];
        }),
      );
    const fitRows = rowsFor(fitAnswers);
    const checkRows = rowsFor(checkAnswers);
    const { mlp, report } = trainMlp(fitRows, checkRows, settings);

    const bestSingle = ids[argmax(fitAccuracy)]!;
    const saved: SavedRanker = {
      format: 'apprentice.grimoire-ranker',
      version: 1,
      task: options.task,
      labelCount: options.labelCount,
      weakModel: options.weakModel,
      trainedOn: { split: 'validation', ids: answers.map((a) => a.id) },
      settings,
      grimoires: features,
      mlp: mlp.toJSON(),
      embedder: space.embedder.toJSON?.() ?? null,
      validation: {
        ...report,
        fitQuestions: fitAnswers.length,
        checkQuestions: checkAnswers.length,
        rows: fitRows.length + checkRows.length,
        checkRoutedAccuracy: null,
        checkBestSingleAccuracy: accuracyOf(checkAnswers, bestSingle),
        bestSingleOnFit: bestSingle,
        mode: 'mlp',
      },
    };
    const ranker = new GrimoireRanker(saved, space.embedder, mlp);
    let routedCorrect = 0;
    let routed = 0;
    for (const answer of checkAnswers) {
      const chosen = ranker.rankVector(vectorOf.get(answer.id)!, answer.input.length)[0]!.id;
      const correct = answer.correct.get(chosen);
      if (correct === undefined) continue;
      routed++;
      if (correct) routedCorrect++;
    }
    const v = saved.validation;
    v.checkRoutedAccuracy = routed ? routedCorrect / routed : null;
    // Decided on validation alone: a scorer that routes worse than one grimoire is not used.
    if (v.checkRoutedAccuracy !== null && v.checkBestSingleAccuracy !== null && v.checkRoutedAccuracy < v.checkBestSingleAccuracy) {
      v.mode = 'prior';
    }
    return ranker;
  }

  /** Reloads a saved ranker; a model-backed embedder needs `options.models`. */
  static async load(saved: unknown, options: CreateEmbedderOptions & { file?: string } = {}): Promise<GrimoireRanker> {
    const state = saved as SavedRanker;
    if (state?.format !== 'apprentice.grimoire-ranker' || state.version !== 1) {
      throw new InputError('not a saved grimoire ranker', { file: options.file, field: 'format' });
    }
    if (!state.embedder) throw new InputError('the saved ranker has no embedder it can reload', { file: options.file, field: 'embedder' });
    const embedder = await loadEmbedder(state.embedder, options);
    return new GrimoireRanker(state, embedder, Mlp.fromJSON(state.mlp));
  }

  toJSON(): SavedRanker {
    return this.saved;
  }

  /** Grimoires by predicted P(correct), best first (ties: set order). */
  async rank(question: string): Promise<{ id: string; score: number }[]> {
    const [vector] = await this.embedder.embed([question]);
    return this.rankVector(vector!, question.length);
  }

  rankVector(vector: ArrayLike<number>, length: number): { id: string; score: number }[] {
    const prior = this.saved.validation.mode === 'prior';
    return this.saved.grimoires
      .map((g, i) => ({
        id: g.id,
        score: prior ? g.fitAccuracy : this.mlp.predict(pairFeatures({ vector, length }, g, this.saved.labelCount)),
        i,
      }))
      .sort((a, b) => b.score - a.score || a.i - b.i)
      .map(({ id, score }) => ({ id, score }));
  }
}

function accuracyOf(answers: readonly ValidationAnswer[], id: string): number | null {
  let n = 0;
  let correct = 0;
  for (const answer of answers) {
    const value = answer.correct.get(id);
    if (value === undefined) continue;
    n++;
    if (value) correct++;
  }
  return n ? correct / n : null;
}

function argmax(values: number[]): number {
  let best = 0;
  values.forEach((value, i) => {
    if (value > values[best]!) best = i;
  });
  return best;
}
