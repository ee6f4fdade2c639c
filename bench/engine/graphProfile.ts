/**
 * Where the training graph's time goes, per ONNX Runtime node: one training step (forward + backward) at a
 * pretrained shape with fewer layers (same width, heads and vocabulary), profiled by ORT's own profiler; full
 * fine-tuning, or with --lora R the LoRA graph (rank R, alpha 2R, all seven targets, no dropout: ./lora.ts's
 * setting at R = 16). Prints the wall and CPU time of a run, time per op type and the heaviest nodes over --steps
 * profiled runs after one warm-up run.
 *
 *   npx tsx bench/engine/graphProfile.ts [--shape qwen2.5-0.5b] [--layers 4] [--batch 1] [--T 256] [--steps 2]
 *                                        [--threads 2] [--lora 16] [--top 25]
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { headDimOf, parameterShapes } from '../../src/engine/config.js';
import { initialWeights } from '../../src/engine/model.js';
import { initialLoraWeights, loraConfig, loraShapes } from '../../src/engine/lora.js';
import { causalMask, rotaryTables, trainingGraph } from '../../src/engine/onnx/llama.js';
import { sessionOptions } from '../../src/engine/onnx/session.js';
import { SHAPES } from './shapes.js';
import { randomBatch } from './support/fullFineTune.js';
import { cpuSeconds } from './support/machine.js';
import { takeKernelEvents, timeByNode, timeByOp } from './support/ortProfile.js';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    layers: { type: 'string', default: '4' },
    batch: { type: 'string', default: '1' },
    T: { type: 'string', default: '256' },
    steps: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    lora: { type: 'string' },
    top: { type: 'string', default: '25' },
  },
});
const base = SHAPES[values.shape];
if (!base) throw new Error(`unknown shape ${values.shape} (known: ${Object.keys(SHAPES).join(', ')})`);
const config = { ...base, nLayers: Number(values.layers) };
const [B, T, steps, threads] = [Number(values.batch), Number(values.T), Number(values.steps), Number(values.threads)];
const lora = values.lora ? loraConfig({ rank: Number(values.lora), alpha: 2 * Number(values.lora) }) : undefined;

const prefix = join(tmpdir(), `apprentice-graph-profile-${process.pid}`);
// The engine's own session options (src/engine/onnx/session.ts), with ORT's profiler on.
const session = await ort.InferenceSession.create(trainingGraph(config, lora), {
  ...sessionOptions(threads),
  enableProfiling: true,
  profileFilePrefix: prefix,
});

const weights = initialWeights(config, 0);
const feeds: Record<string, ort.Tensor> = {};
for (const { name, shape } of parameterShapes(config)) feeds[name] = new ort.Tensor('float32', weights.get(name) as Float32Array, shape);
if (lora) {
  const adapters = initialLoraWeights(config, lora, 0);
  for (const { name, shape } of loraShapes(config, lora)) feeds[name] = new ort.Tensor('float32', adapters.get(name) as Float32Array, shape);
}
const batch = randomBatch(config, B, T);
const ids = (values: Int32Array): ort.Tensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    [B, T],
  );
const { cos, sin } = rotaryTables(config, T);
Object.assign(feeds, {
  tokens: ids(batch.tokens),
  targets: ids(batch.targets),
  weights: new ort.Tensor('float32', batch.weights, [B, T]),
  rows: new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: B * T }, (_, i) => BigInt(i)),
    [B * T],
  ),
  cos: new ort.Tensor('float32', cos, [T, headDimOf(config)]),
  sin: new ort.Tensor('float32', sin, [T, headDimOf(config)]),
  mask: new ort.Tensor('float32', causalMask(T), [T, T]),
});

await session.run(feeds);
const [t0, c0] = [performance.now(), cpuSeconds()];
for (let s = 0; s < steps; s++) await session.run(feeds);
const [wall, cpu] = [(performance.now() - t0) / steps, ((cpuSeconds() - c0) * 1000) / steps];
session.endProfiling();
await session.release();
const events = takeKernelEvents(prefix);
// The first run (warm-up) is in the profile too: keep the last `steps` runs' events.
const measured = events.slice(events.length - (events.length / (steps + 1)) * steps);
const byOp = timeByOp(measured, steps);
const total = byOp.reduce((sum, { us }) => sum + us, 0);
console.log(
  `${values.shape} with ${config.nLayers} layers, B=${B} T=${T}${lora ? ` lora r=${lora.rank}` : ''}, ${threads} threads: ` +
    `${wall.toFixed(0)} ms a run, ${cpu.toFixed(0)} ms CPU, kernels ${(total / 1000).toFixed(0)} ms`,
);
for (const { op, us, nodes, share } of byOp) {
  console.log(`${op.padEnd(36)} ${(us / 1000).toFixed(1).padStart(9)} ms ${(100 * share).toFixed(1).padStart(5)}% ${String(nodes).padStart(5)} nodes`);
}
console.log('heaviest nodes:');
for (const { node, op, inputShapes, us } of timeByNode(measured, steps).slice(0, Number(values.top))) {
  console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${op.padEnd(24)} ${node.slice(0, 40).padEnd(40)} ${JSON.stringify(inputShapes).slice(0, 160)}`);
}
