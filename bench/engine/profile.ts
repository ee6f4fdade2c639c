/**
 * Kernel time per tfjs kernel (and matMul shape) for one forward + backward step at T = 128, batch 16:
 *   APPRENTICE_WASM_THREADS=1 npx tsx bench/engine/profile.ts small|base
 * ("forward" rows are customGrad wrappers and include the kernels inside them.)
 */
import { initBackend, tf } from '../../src/engine/backend.js';
import { configForSize, LlamaModel, tokenNll, type ModelSize } from '../../src/engine/model.js';
await initBackend();
const size = (process.argv[2] ?? 'small') as ModelSize;
const T = 128,
  B = 16;
const vocab = size === 'small' ? 1024 : 2048;
const model = LlamaModel.create(configForSize(size, vocab, T), 1);
const tokens = tf.tensor2d(
  Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % vocab),
  [B, T],
  'int32',
);
const targets = tf.tensor1d(
  Int32Array.from({ length: B * T }, (_, i) => (i * 104729) % vocab),
  'int32',
);
const weights = tf.fill([B * T], 1 / (B * T));
const step = () => {
  const r = tf.variableGrads(() => tf.sum(tf.mul(tokenNll(model.logits(tokens), targets), weights)) as tf.Scalar);
  r.value.dataSync();
  tf.dispose([r.value, ...Object.values(r.grads)]);
};
step();
const t0 = performance.now();
step();
step();
console.log('step ms', (performance.now() - t0) / 2);
const info = await tf.profile(() => {
  step();
});
const by = new Map<string, { ms: number; n: number }>();
let total = 0;
for (const k of info.kernels) {
  const key = k.name + ' ' + (k.name.includes('MatMul') || k.name === 'Transpose' ? JSON.stringify(k.inputShapes) : '');
  const e = by.get(key) ?? { ms: 0, n: 0 };
  e.ms += k.kernelTimeMs as number;
  e.n++;
  by.set(key, e);
  total += k.kernelTimeMs as number;
}
console.log('kernel total ms', total.toFixed(1), 'kernels', info.kernels.length);
for (const [k, v] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(v.ms.toFixed(1).padStart(8), String(v.n).padStart(4), k);
