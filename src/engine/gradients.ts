/**
 * Gradients of the tfjs kernels the model uses. tfjs-core's Node bundle ships the ops but not their
 * gradients (those come with the full @tensorflow/tfjs package, which the engine does not need), so the
 * few the engine differentiates through are defined here, each the textbook derivative. A gradient
 * already registered by someone else is left alone.
 */
import * as tf from '@tensorflow/tfjs-core';

type Grad = (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => Record<string, () => tf.Tensor>;

/** Sums a broadcast gradient back to the shape of the input it came from. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

const GRADIENTS: Array<{ kernelName: string; inputsToSave?: string[]; outputsToSave?: boolean[]; gradFunc: Grad }> = [
  {
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => unbroadcast(dy, a!.shape), b: () => unbroadcast(dy, b!.shape) }),
  },
  {
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => unbroadcast(dy, a!.shape), b: () => unbroadcast(tf.neg(dy), b!.shape) }),
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy, tf.cast(b!, 'float32')), a!.shape),
      b: () => unbroadcast(tf.mul(dy, tf.cast(a!, 'float32')), b!.shape),
    }),
  },
  {
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      if (attrs.transposeA || attrs.transposeB) throw new Error('engine gradients: transposed matMul is not differentiable here');
      return {
        a: () => unbroadcast(tf.matMul(dy, b!, false, true), a!.shape),
        b: () => unbroadcast(tf.matMul(a!, dy, true, false), b!.shape),
      };
    },
  },
  {
    // Multi-output: dy holds one gradient per piece (tfjs fills zeros for unused pieces).
    kernelName: tf.SplitV,
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.concat(dy as unknown as tf.Tensor[], attrs.axis as number) }),
  },
  {
    kernelName: tf.Reshape,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x!.shape) }),
  },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs) => {
      const perm = attrs.perm as number[];
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return { x: () => tf.transpose(dy, inverse) };
    },
  },
  {
    kernelName: tf.Tile,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        // Output axis i is reps[i] copies of the input axis: split it as [reps, size] and sum the copies.
        const reps = attrs.reps as number[];
        const shape = x!.shape;
        const split = shape.flatMap((size, i) => [reps[i] as number, size]);
        const copies = shape.map((_, i) => 2 * i);
        return tf.reshape(tf.sum(tf.reshape(dy, split), copies), shape);
      },
    }),
  },
  {
    kernelName: tf.GatherV2,
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, [x, indices], attrs) => {
      if ((attrs.axis as number) !== 0 || (attrs.batchDims as number) !== 0) {
        throw new Error('engine gradients: gather is differentiable along axis 0 without batch dims only');
      }
      return {
        x: () => {
          const n = indices!.size;
          const inner = x!.shape.slice(1);
          return tf.unsortedSegmentSum(tf.reshape(dy, [n, ...inner]), tf.reshape(indices!, [n]), x!.shape[0] as number);
        },
        indices: () => tf.zerosLike(indices!),
      };
    },
  },
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x!.shape);
        const kept = x!.shape.map((size, i) => (axes.includes(i) ? 1 : size));
        return tf.mul(tf.reshape(dy, kept), tf.ones(x!.shape));
      },
    }),
  },
  {
    kernelName: tf.Square,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(x!, 2)) }),
  },
  {
    kernelName: tf.Rsqrt,
    inputsToSave: ['x'],
    outputsToSave: [true],
    // d/dx x^(-1/2) = -1/2 x^(-3/2) = -1/2 y^3
    gradFunc: (dy, [, y]) => ({ x: () => tf.mul(dy, tf.mul(tf.pow(y!, 3), -0.5)) }),
  },
  {
    kernelName: tf.Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, tf.mul(y!, tf.sub(1, y!))) }),
  },
  {
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => ({
      logits: () => {
        const dim = attrs.dim as number;
        const dotted = tf.mul(dy, y!);
        return tf.sub(dotted, tf.mul(tf.sum(dotted, dim, true), y!));
      },
    }),
  },
];

let registered = false;

export function registerGradients(): void {
  if (registered) return;
  registered = true;
  for (const config of GRADIENTS) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config as unknown as tf.GradConfig);
  }
}
