/**
 * Where one full fine-tuning step's wall and CPU time go, at a pretrained shape (default Qwen2.5-0.5B, 24 layers;
 * --layers for fewer), through the trainer that train() uses (src/engine/onnx/trainer.ts):
 *
 *   kernels    sum of ONNX Runtime's per-node kernel times (its profiler)
 *   ortRun     ORT's own `model_run` (kernels plus its executor between them)
 *   binding    session.run() less model_run: onnxruntime-node turning feeds into OrtValues (no copy) and every
 *              output into a fresh ArrayBuffer (a copy, also of preallocated fetches: every gradient, each step)
 *   feedsJs    the rest of the micro-batch call: feeds, fetches, the gradient bookkeeping in JS
 *   optimizer  clipping and AdamW (src/engine/onnx/adamw.ts)
 *
 * with user and system CPU seconds of the graph call and of the optimizer (system time is mostly page faults
 * of fresh memory). One warm-up step, then --steps steps; prints one JSON line per step and their mean.
 *
 *   npx tsx bench/engine/stepBreakdown.ts [--shape qwen2.5-0.5b] [--layers 24] [--batch 1] [--steps 2] [--threads 2]
 *
 * The profiler costs a little per node; the full Qwen2.5-0.5B shape needs ~14 GiB.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SHAPES } from './shapes.js';
import { fullFineTuneTrainer, randomBatch } from './support/fullFineTune.js';
import { loadAverage } from './support/machine.js';
import { takeProfile } from './support/ortProfile.js';

const T = 256;
const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    layers: { type: 'string' },
    batch: { type: 'string', default: '1' },
    steps: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
  },
});
const base = SHAPES[values.shape];
if (!base) throw new Error(`unknown shape ${values.shape} (known: ${Object.keys(SHAPES).join(', ')})`);
const config = values.layers ? { ...base, nLayers: Number(values.layers) } : base;
const [B, steps, threads] = [Number(values.batch), Number(values.steps), Number(values.threads)];

const prefix = join(tmpdir(), `apprentice-step-breakdown-${process.pid}`);
process.env.APPRENTICE_ORT_PROFILE = prefix; // read by sessionOptions (src/engine/onnx/session.ts)
const trainer = await fullFineTuneTrainer(config, threads);
const batch = randomBatch(config, B, T);

interface Phase {
  wall: number;
  user: number;
  system: number;
}
async function timed<R>(work: () => Promise<R>): Promise<{ result: R; phase: Phase }> {
  const [t, c] = [performance.now(), process.cpuUsage()];
  const result = await work();
  const d = process.cpuUsage(c);
  return { result, phase: { wall: (performance.now() - t) / 1000, user: d.user / 1e6, system: d.system / 1e6 } };
}

const rows: Array<{ graph: Phase; run: number; optimizer: Phase }> = [];
for (let s = 0; s <= steps; s++) {
  const { result, phase: graph } = await timed(() => trainer.accumulate(batch));
  const { phase: optimizer } = await timed(() => trainer.update(1e-4, s + 1, 1));
  rows.push({ graph, run: result.runSeconds, optimizer });
}
await trainer.release(); // writes the profile
const profile = takeProfile(prefix);
const modelRuns = profile.modelRunsUs.map((us) => us / 1e6);
const kernels = profile.kernels;
const perRun = kernels.length / modelRuns.length;
if (modelRuns.length !== rows.length || !Number.isInteger(perRun)) throw new Error(`profile has ${modelRuns.length} runs for ${rows.length} steps`);

const round = (x: number): number => Number(x.toFixed(3));
const report = rows.map(({ graph, run, optimizer }, i) => {
  const ortRun = modelRuns[i] as number;
  const kernelSum = kernels.slice(i * perRun, (i + 1) * perRun).reduce((a, e) => a + e.us / 1e6, 0);
  return {
    step: graph.wall + optimizer.wall,
    kernels: kernelSum,
    ortRun,
    binding: run - ortRun,
    feedsJs: graph.wall - run,
    optimizer: optimizer.wall,
    graphUser: graph.user,
    graphSystem: graph.system,
    optimizerUser: optimizer.user,
    optimizerSystem: optimizer.system,
  };
});
const header = { shape: values.shape, layers: config.nLayers, B, T, threads, load: loadAverage() };
report.forEach((r, i) =>
  console.log(JSON.stringify({ ...header, step: i === 0 ? 'warm-up' : i, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)])) })),
);
const measured = report.slice(1);
const mean = Object.fromEntries(
  Object.keys(measured[0] ?? {}).map((k) => [k, round(measured.reduce((a, r) => a + (r[k as keyof typeof r] as number), 0) / measured.length)]),
);
console.log(JSON.stringify({ ...header, step: 'mean', ...mean, peakMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
