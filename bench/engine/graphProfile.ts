/**
 * Where the training graph's time goes, per ONNX Runtime node: one full fine-tuning step (forward + backward)
 * at a pretrained shape with fewer layers (same width, heads and vocabulary), profiled by ORT's own profiler.
 * Prints time per op type (and the heaviest nodes) over --steps profiled runs after one warm-up run.
 *
 *   npx tsx bench/engine/graphProfile.ts [--shape qwen2.5-0.5b] [--layers 4] [--batch 1] [--T 256] [--steps 2]
 *                                        [--threads 2] [--lora 16] [--top 25]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { headDimOf, parameterShapes } from '../../src/engine/config.js';
import { initialWeights } from '../../src/engine/model.js';
import { initialLoraWeights, loraShapes, type LoraConfig } from '../../src/engine/lora.js';
import { causalMask, rotaryTables, trainingGraph } from '../../src/engine/onnx/llama.js';
import { sessionOptions } from '../../src/engine/onnx/session.js';
import { SHAPES } from './shapes.js';

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
const lora: LoraConfig | undefined = values.lora
  ? { rank: Number(values.lora), alpha: 2 * Number(values.lora), dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }
  : undefined;

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
let seed = 12345;
const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const ids = (): ort.Tensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: B * T }, () => BigInt(Math.floor(random() * config.vocabSize))),
    [B, T],
  );
const { cos, sin } = rotaryTables(config, T);
Object.assign(feeds, {
  tokens: ids(),
  targets: ids(),
  weights: new ort.Tensor('float32', new Float32Array(B * T).fill(1 / (B * T)), [B, T]),
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
const t0 = performance.now();
for (let s = 0; s < steps; s++) await session.run(feeds);
const wall = (performance.now() - t0) / steps;
session.endProfiling();
await session.release();
// onnxruntime-node's endProfiling() returns nothing: the file is <prefix>_<date>.json.
const file = readdirSync(tmpdir())
  .map((f) => join(tmpdir(), f))
  .find((f) => f.startsWith(`${prefix}_`) && f.endsWith('.json'));
if (!file) throw new Error(`no ORT profile under ${prefix}_*.json`);

interface Event {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; output_type_shape?: unknown; input_type_shape?: unknown };
}
const events = (JSON.parse(readFileSync(file, 'utf8')) as Event[]).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
rmSync(file, { force: true });
// The first run (warm-up) is in the profile too: keep the last `steps` runs' events.
const perRun = events.length / (steps + 1);
const measured = events.slice(events.length - perRun * steps);
const byOp = new Map<string, { us: number; n: number }>();
const byNode = new Map<string, { us: number; op: string; shapes: string }>();
let total = 0;
for (const e of measured) {
  const op = e.args?.op_name ?? '?';
  const o = byOp.get(op) ?? { us: 0, n: 0 };
  o.us += e.dur / steps;
  o.n += 1 / steps;
  byOp.set(op, o);
  const node = e.name.replace(/_kernel_time$/, '');
  const n = byNode.get(node) ?? { us: 0, op, shapes: JSON.stringify(e.args?.input_type_shape ?? '') };
  n.us += e.dur / steps;
  byNode.set(node, n);
  total += e.dur / steps;
}
console.log(
  `${values.shape} with ${config.nLayers} layers, B=${B} T=${T}${lora ? ` lora r=${lora.rank}` : ''}: ${wall.toFixed(0)} ms a run, kernels ${(total / 1000).toFixed(0)} ms`,
);
for (const [op, { us, n }] of [...byOp].sort((a, b) => b[1].us - a[1].us)) {
  console.log(
    `${op.padEnd(36)} ${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)}% ${String(Math.round(n)).padStart(5)} nodes`,
  );
}
console.log('heaviest nodes:');
for (const [node, { us, op, shapes }] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, Number(values.top))) {
  console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${op.padEnd(24)} ${node.slice(0, 40).padEnd(40)} ${shapes.slice(0, 160)}`);
}
