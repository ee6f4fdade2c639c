/**
 * Where a LoRA training step's time goes: ONNX Runtime's own profile of the training graph (./lora.ts's
 * setting: rank 16, alpha 32, all seven targets, no dropout) at SmolLM2-135M's widths with --layers of its 30
 * layers, summed per operator type and per node, after a warm-up step.
 *
 *   npx tsx bench/engine/loraProfile.ts [--layers 4] [--T 256] [--threads 1]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { parameterShapes, type LlamaConfig } from '../../src/engine/config.js';
import { initialLoraWeights, loraConfig, loraShapes } from '../../src/engine/lora.js';
import { causalMask, rotaryTables, trainingGraph } from '../../src/engine/onnx/llama.js';

const { values } = parseArgs({
  options: { layers: { type: 'string', default: '4' }, T: { type: 'string', default: '256' }, threads: { type: 'string', default: '1' } },
});
const [layers, T, threads] = [values.layers, values.T, values.threads].map(Number) as [number, number, number];
const config: LlamaConfig = {
  architecture: 'llama',
  vocabSize: 49152,
  dim: 576,
  nLayers: layers,
  nHeads: 9,
  nKvHeads: 3,
  hiddenDim: 1536,
  normEps: 1e-5,
  ropeTheta: 100000,
  contextLength: 8192,
  tiedEmbeddings: true,
};
const lora = loraConfig({ rank: 16, alpha: 32 });

const session = await ort.InferenceSession.create(trainingGraph(config, lora), {
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: '/tmp/apprentice-lora-profile',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const feeds: Record<string, ort.Tensor> = {};
let state = 7;
for (const { name, shape } of parameterShapes(config)) {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = shape.length === 1 ? 1 : ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.04;
  feeds[name] = new ort.Tensor('float32', data, shape);
}
const adapters = initialLoraWeights(config, lora, 0);
for (const { name, shape } of loraShapes(config, lora))
  feeds[name] = new ort.Tensor('float32', name.includes('lora_B') ? adapters.get(name)!.map(() => 0.01) : adapters.get(name)!, shape);
const { cos, sin } = rotaryTables(config, T);
Object.assign(feeds, {
  cos: new ort.Tensor('float32', cos, [T, 64]),
  sin: new ort.Tensor('float32', sin, [T, 64]),
  mask: new ort.Tensor('float32', causalMask(T), [T, T]),
  tokens: new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: T }, (_, i) => BigInt((i * 7919) % 49152)),
    [1, T],
  ),
  targets: new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: T }, (_, i) => BigInt((i * 104729 + 1) % 49152)),
    [1, T],
  ),
  weights: new ort.Tensor('float32', new Float32Array(T).fill(1 / T), [1, T]),
});
await session.run(feeds);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
const [t0, c0] = [performance.now(), cpu()];
for (let i = 0; i < 3; i++) await session.run(feeds);
console.log(
  `step ${((performance.now() - t0) / 3).toFixed(0)} ms wall, ${((cpu() - c0) / 3).toFixed(0)} ms CPU (mean of 3 after a warm-up; the profile covers all 4)`,
);
await session.endProfiling();
const file = `/tmp/${readdirSync('/tmp')
  .filter((f) => f.startsWith('apprentice-lora-profile') && f.endsWith('.json'))
  .sort()
  .pop()}`;
const events = JSON.parse(readFileSync(file, 'utf8')) as Array<{
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: unknown };
}>;
rmSync(file, { force: true });
const byOp = new Map<string, number>();
const byNode = new Map<string, number>();
let total = 0;
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
  const node = `${op} ${JSON.stringify(e.args?.input_type_shape ?? [])}`;
  byNode.set(node, (byNode.get(node) ?? 0) + e.dur);
  total += e.dur;
}
console.log(`kernel time ${(total / 1000).toFixed(0)} ms over the 4 runs`);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${op}`);
console.log('--- by operator and input shapes ---');
for (const [node, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${node}`);
await session.release();
