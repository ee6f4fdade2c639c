/**
 * The training loop's engine on tfjs (--backend tfjs): the model of ../model.ts on the WebAssembly backend,
 * gradients by tfjs autodiff, AdamW on tfjs variables. Also the tfjs evaluation of a finished model.
 */
import { initBackend, tf } from '../backend.js';
import type { LlamaConfig } from '../config.js';
import { LlamaModel, tokenNll } from '../model.js';
import type { LossNormalization } from '../trainChoices.js';
import type { EncodedExample } from '../trainingData.js';
import { evaluation, type Batch, type Scores } from './batches.js';
import type { AdamWSettings, StepEngine } from './stepEngine.js';

/** Per-token nll and argmax hits of the tfjs model on a batch. */
function tfjsScores(model: LlamaModel, batch: Batch): Scores {
  const [nll, hits] = tf.tidy(() => {
    const logits = model.logits(tf.tensor2d(batch.tokens, [batch.B, batch.T], 'int32'));
    const targets = tf.tensor1d(batch.targets, 'int32');
    return [tokenNll(logits, targets).dataSync() as Float32Array, tf.equal(tf.argMax(logits, 1), targets).dataSync() as Uint8Array];
  });
  return { nll, hits };
}

/**
 * Weighted loss and accuracy of the (tfjs) model on examples, without gradients. The loss is the weighted mean
 * of the token losses ('token') or of the per-task token means, weighted by the tasks' mean weights ('task').
 */
export function evaluate(
  model: LlamaModel,
  examples: readonly EncodedExample[],
  padId: number,
  microBatchSize: number,
  lossNormalization: LossNormalization = 'token',
): { loss: number; accuracy: number; byTask: Record<string, number> } {
  const run = evaluation(examples, padId, microBatchSize, lossNormalization, model.config.contextLength);
  let next = run.next();
  while (!next.done) next = run.next(tfjsScores(model, next.value));
  return next.value;
}

/** AdamW with decoupled weight decay (on matrices only, not on norm gains), on tfjs variables. */
class AdamW {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly weightDecay: number,
    private readonly eps = 1e-8,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false, `${p.name}/adam_m`));
      this.v.set(name, tf.variable(tf.zerosLike(p), false, `${p.name}/adam_v`));
    }
  }

  /** One update; `step` counts from 1 (bias correction). */
  apply(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number, step: number): void {
    const c1 = 1 - this.beta1 ** step;
    const c2 = 1 - this.beta2 ** step;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.mul(m, 1 / c1), tf.add(tf.sqrt(tf.mul(v, 1 / c2)), this.eps));
        const decay = p.rank >= 2 ? this.weightDecay : 0;
        const decayed = decay > 0 ? tf.mul(p, 1 - learningRate * decay) : p;
        p.assign(tf.sub(decayed, tf.mul(update, learningRate)));
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

export async function tfjsEngine(config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>, adam: AdamWSettings): Promise<StepEngine> {
  const backend = await initBackend();
  const model = new LlamaModel(config, weights);
  const optimizer = new AdamW(model.params, adam.beta1, adam.beta2, adam.weightDecay);
  let grads: Map<string, tf.Tensor> | undefined;
  return {
    accumulate: async (batch) => {
      const tokens = tf.tensor2d(batch.tokens, [batch.B, batch.T], 'int32');
      const targets = tf.tensor1d(batch.targets, 'int32');
      const tokenWeights = tf.tensor1d(batch.weights, 'float32');
      let nll: tf.Tensor | undefined;
      const result = tf.variableGrads(() => {
        const perToken = tokenNll(model.logits(tokens), targets);
        nll = tf.keep(perToken);
        return tf.sum(tf.mul(perToken, tokenWeights)) as tf.Scalar;
      }, [...model.params.values()]);
      const loss = result.value.dataSync()[0] as number;
      const nllData = (nll as tf.Tensor).dataSync() as Float32Array;
      tf.dispose([result.value, nll as tf.Tensor, tokens, targets, tokenWeights]);
      const byParam = new Map([...model.params].map(([name, p]) => [name, result.grads[p.name] as tf.Tensor]));
      if (!grads) grads = byParam;
      else {
        const previous = grads;
        grads = new Map([...previous].map(([name, g]) => [name, tf.add(g, byParam.get(name) as tf.Tensor)]));
        tf.dispose([...previous.values(), ...byParam.values()]);
      }
      return { loss, nll: nllData };
    },
    update: (learningRate, step, clipNorm) => {
      let summed = grads as Map<string, tf.Tensor>;
      const gradNorm = tf.tidy(() => Math.sqrt(tf.addN([...summed.values()].map((g) => tf.sum(tf.square(g)))).dataSync()[0] as number));
      if (clipNorm > 0 && gradNorm > clipNorm) {
        const scaled = new Map([...summed].map(([name, g]) => [name, tf.mul(g, clipNorm / (gradNorm + 1e-6))]));
        tf.dispose([...summed.values()]);
        summed = scaled;
      }
      optimizer.apply(summed, learningRate, step);
      tf.dispose([...summed.values()]);
      grads = undefined;
      return gradNorm;
    },
    score: async (batch) => tfjsScores(model, batch),
    weights: () => model.weights(),
    moments: (name) => ({ m: optimizer.m.get(name)!.dataSync() as Float32Array, v: optimizer.v.get(name)!.dataSync() as Float32Array }),
    setMoments: (name, m, v) => {
      const shape = model.params.get(name)!.shape;
      optimizer.m.get(name)!.assign(tf.tensor(m, shape));
      optimizer.v.get(name)!.assign(tf.tensor(v, shape));
    },
    description: `tfjs ${backend}`,
    dispose: async () => {
      if (grads) tf.dispose([...grads.values()]);
      optimizer.dispose();
      model.dispose();
    },
  };
}
