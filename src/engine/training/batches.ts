/**
 * The data side of the training loop: which examples make optimizer step N (a seeded shuffle per epoch), how
 * their token losses are weighted ('token' or 'task' normalisation, see ../train.ts), how they are padded
 * into a batch, and validation in micro-batches with losses per task tag.
 */
import type { HostBatch } from '../onnx/session.js';
import type { LossNormalization } from '../trainChoices.js';
import type { EncodedExample } from '../trainingData.js';
import { createRng, shuffle } from '../../util/random.js';

/**
 * The examples of optimizer step `step`: a seeded shuffle per epoch, read in order. With groupSize g the units
 * shuffled are runs of g consecutive examples, so a run is never split across batches (batchSize % g === 0).
 */
export function batchIndices(step: number, batchSize: number, count: number, seed: number, groupSize = 1): number[] {
  if (groupSize > 1) {
    const groups = batchIndices(step, batchSize / groupSize, count / groupSize, seed);
    return groups.flatMap((g) => Array.from({ length: groupSize }, (_, j) => g * groupSize + j));
  }
  const out: number[] = [];
  let epoch = -1;
  let order: number[] = [];
  for (let k = step * batchSize; k < (step + 1) * batchSize; k++) {
    const e = Math.floor(k / count);
    if (e !== epoch) {
      epoch = e;
      order = shuffle([...Array(count).keys()], createRng(`data:${seed}:epoch:${e}`));
    }
    out.push(order[k % count] as number);
  }
  return out;
}

/**
 * Positions 0..n-1 ordered by sequence length (stable): split into micro-batches in this order, each pads only to
 * its own longest (distilling step-by-step's short label rows apart from its rationale rows). The accumulated
 * gradient and the summed validation loss do not depend on the order.
 */
export function lengthOrder(examples: readonly EncodedExample[]): number[] {
  return [...examples.keys()].sort((a, b) => (examples[a] as EncodedExample).ids.length - (examples[b] as EncodedExample).ids.length || a - b);
}

export interface Batch extends HostBatch {
  /** Per position: 1 where scored (completion). */
  scored: Float32Array;
  tasks: string[];
  /** Per position: index into tasks. */
  taskOf: Int32Array;
  positions: number;
}

/**
 * The loss weight of each scored token of each example in an optimizer batch: the example's weight over the
 * scored tokens of the batch ('token') or of the example's task in the batch ('task').
 */
export function tokenLossWeights(
  examples: ReadonlyArray<{ weight: number; task: string; scoredTokens: number }>,
  normalization: LossNormalization = 'token',
): number[] {
  const total = examples.reduce((n, e) => n + e.scoredTokens, 0);
  const byTask = new Map<string, number>();
  for (const e of examples) byTask.set(e.task, (byTask.get(e.task) ?? 0) + e.scoredTokens);
  return examples.map((e) => e.weight / Math.max(1, normalization === 'task' ? (byTask.get(e.task) as number) : total));
}

/**
 * Pads to the longest sequence (rounded up to a multiple of 8) with the pad token; padding is not scored.
 * `weights` holds, per position, the example's token weight where scored and 0 elsewhere.
 */
export function makeBatch(examples: readonly EncodedExample[], padId: number, tokenWeights: readonly number[], contextLength: number): Batch {
  const longest = Math.max(...examples.map((e) => e.ids.length - 1));
  const T = Math.min(contextLength, Math.ceil(longest / 8) * 8);
  const B = examples.length;
  const tokens = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(padId);
  const weights = new Float32Array(B * T);
  const scored = new Float32Array(B * T);
  const taskOf = new Int32Array(B * T).fill(-1);
  const tasks: string[] = [];
  examples.forEach((example, b) => {
    let task = tasks.indexOf(example.task);
    if (task < 0) task = tasks.push(example.task) - 1;
    for (let t = 0; t < example.ids.length - 1; t++) {
      tokens[b * T + t] = example.ids[t] as number;
      targets[b * T + t] = example.ids[t + 1] as number;
      if (t + 1 >= example.completionStart) {
        scored[b * T + t] = 1;
        weights[b * T + t] = tokenWeights[b] as number;
        taskOf[b * T + t] = task;
      }
    }
  });
  return { B, T, tokens, targets, weights, scored, tasks, taskOf, positions: B * T };
}

export function scoredTokens(example: EncodedExample): number {
  return example.ids.length - example.completionStart;
}

/** Sums of nll and counts per task, from per-position nll. */
export class TaskLosses {
  private readonly sums = new Map<string, { nll: number; n: number }>();

  add(batch: Batch, nll: Float32Array): void {
    for (let i = 0; i < nll.length; i++) {
      const task = batch.taskOf[i] as number;
      if (task < 0) continue;
      const name = batch.tasks[task] as string;
      const entry = this.sums.get(name) ?? { nll: 0, n: 0 };
      entry.nll += nll[i] as number;
      entry.n += 1;
      this.sums.set(name, entry);
    }
  }

  means(): Record<string, number> {
    return Object.fromEntries([...this.sums].sort().map(([task, { nll, n }]) => [task, nll / n]));
  }
}

export type Scores = { nll: Float32Array; hits: Uint8Array };

/**
 * Validation of examples in micro-batches: `score` gives each batch's per-token nll and argmax hits. The loss
 * is the weighted mean of the token losses ('token') or of the per-task token means, weighted by the tasks'
 * mean weights ('task').
 */
export function* evaluation(
  examples: readonly EncodedExample[],
  padId: number,
  microBatchSize: number,
  lossNormalization: LossNormalization,
  contextLength: number,
): Generator<Batch, { loss: number; accuracy: number; byTask: Record<string, number> }, Scores> {
  // 'task': each token weighs w / (the task's scored tokens in the whole set), then the weighted mean.
  const weights = tokenLossWeights(
    examples.map((e) => ({ weight: e.weight, task: e.task, scoredTokens: scoredTokens(e) })),
    lossNormalization,
  );
  const scale = lossNormalization === 'task' ? weights : examples.map((e) => e.weight);
  let weighted = 0;
  let weightSum = 0;
  let correct = 0;
  let scored = 0;
  const byTask = new TaskLosses();
  for (let start = 0; start < examples.length; start += microBatchSize) {
    const chunk = examples.slice(start, start + microBatchSize);
    const batch = makeBatch(chunk, padId, scale.slice(start, start + microBatchSize), contextLength);
    const { nll, hits } = yield batch;
    const w = batch.weights;
    for (let i = 0; i < nll.length; i++) {
      if (!batch.scored[i]) continue;
      weighted += (w[i] as number) * (nll[i] as number);
      weightSum += w[i] as number;
      correct += hits[i] as number;
      scored += 1;
    }
    byTask.add(batch, nll);
  }
  return { loss: weightSum > 0 ? weighted / weightSum : NaN, accuracy: scored > 0 ? correct / scored : NaN, byTask: byTask.means() };
}

/** Validation of examples with a scorer of batches (a backend's forward pass). */
export async function evaluateWith(
  score: (batch: Batch) => Promise<Scores>,
  examples: readonly EncodedExample[],
  padId: number,
  microBatchSize: number,
  lossNormalization: LossNormalization,
  contextLength: number,
): Promise<{ loss: number; accuracy: number; byTask: Record<string, number> }> {
  const run = evaluation(examples, padId, microBatchSize, lossNormalization, contextLength);
  let next = run.next();
  while (!next.done) next = run.next(await score(next.value));
  return next.value;
}
