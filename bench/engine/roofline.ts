/**
 * The ONNX engine's training step against this machine's matrix-product roofline, with PyTorch CPU's step as the
 * peer, in the same run.
 *
 * Per shape (`base`: the built-in size, T = 128, batch 16, vocabulary 2048; `smollm2-135m`, `qwen2.5-0.5b`: the
 * pretrained shapes of ./shapes.ts, T = 256, --batch sequences), in a child process:
 * 1. The roofline: every matrix product of the step (./stepFlops.ts: what is counted) run alone as one ONNX
 *    Runtime Gemm / MatMul node, with the engine's session options and threads; its median GFLOP/s. The step's
 *    roofline is the FLOP-weighted rate of its products (total FLOPs / the sum of each product's FLOPs over its
 *    rate): what the step would reach if it did nothing but its products at the speed ORT does them alone.
 *    Also printed: the best large square product (the machine's peak, the issue's "383 GFLOP/s").
 * 2. Full fine-tuning steps as train() takes them with the onnx backend (src/engine/onnx/trainer.ts): forward +
 *    backward graph, then clipping and AdamW over every weight; timed over --steps steps after one warm-up step.
 *    Achieved GFLOP/s = the step's product FLOPs / the step's wall time, and its share of both rooflines. The step
 *    splits into the graph run (ORT's run call), the optimizer (update: norm, clipping, AdamW on worker threads)
 *    and the rest (building feeds and fetches, gradient sums, the loop).
 * 3. --profile: one more child with ONNX Runtime's per-node profile on: the graph's kernel time by op type.
 * 4. PyTorch (./torch_pretrained.py) trains the same shape right after; its GFLOP/s with the same FLOP count.
 *
 * --layers N cuts qwen2.5-0.5b to N layers (its full fine-tuning peaks at 11.4 GiB; the full shape is for an
 * idle machine).
 *
 *   npx tsx bench/engine/roofline.ts [--shapes base,smollm2-135m,qwen2.5-0.5b] [--layers 24] [--batch 2]
 *                                    [--steps 2] [--threads 2] [--no-torch] [--profile]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { configForSize, type LlamaConfig } from '../../src/engine/config.js';
import { countParameters } from '../../src/engine/model.js';
import { Graph } from '../../src/engine/onnx/graph.js';
import { sessionOptions } from '../../src/engine/onnx/session.js';
import { SHAPES } from './shapes.js';
import { flopsOf, stepProducts, type Product } from './stepFlops.js';
import { lastJson, runBenchChild } from './support/children.js';
import { fullFineTuneTrainer, randomBatch, torchPretrainedSteps } from './support/fullFineTune.js';
import { cpuSeconds, loadAverage } from './support/machine.js';
import { takeKernelEvents, timeByOp } from './support/ortProfile.js';

const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'base,smollm2-135m,qwen2.5-0.5b' },
    layers: { type: 'string' },
    batch: { type: 'string', default: '2' },
    steps: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    'no-torch': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    measure: { type: 'string' },
    'profile-only': { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const threads = Number(values.threads);

/** The model, batch and sequence length of a shape name. */
function shapeOf(name: string): { config: LlamaConfig; B: number; T: number } {
  if (name === 'base') return { config: configForSize('base', 2048, 128), B: 16, T: 128 };
  const config = SHAPES[name];
  if (!config) throw new Error(`unknown shape ${name} (known: base, ${Object.keys(SHAPES).join(', ')})`);
  const layers = name === 'qwen2.5-0.5b' && values.layers ? Number(values.layers) : config.nLayers;
  if (!Number.isInteger(layers) || layers < 1) throw new Error(`--layers: expected a positive integer, got ${values.layers}`);
  return { config: { ...config, nLayers: layers }, B: Number(values.batch), T: 256 };
}

function randomArray(length: number): Float32Array {
  let seed = 7;
  return Float32Array.from({ length }, () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5);
}

/** A rate per wall-clock second and per CPU second of the process (user + system). */
interface Rate {
  gflops: number;
  gflopsPerCpu: number;
}

/**
 * One product run alone by ONNX Runtime (the engine's session options) for >= 0.3 s: GFLOP per median wall time
 * of a run, and per CPU second over all runs (on a shared machine the wall rate swings with the load, the CPU
 * rate much less).
 */
async function productRate(p: Product): Promise<Rate> {
  const g = new Graph('product');
  const dimsA = [...p.batch, ...(p.transA ? [p.k, p.m] : [p.m, p.k])];
  const dimsB = [...p.batch, ...(p.transB ? [p.n, p.k] : [p.k, p.n])];
  const a = g.input('a', 'float32', dimsA);
  const b = g.input('b', 'float32', dimsB);
  const swap = (x: string, rank: number): string => g.transpose(x, [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2]);
  const y = p.kind === 'gemm' ? g.gemm(a, b, p.transA, p.transB) : g.matmul(p.transA ? swap(a, dimsA.length) : a, p.transB ? swap(b, dimsB.length) : b);
  g.output('y', y, 'float32', [...p.batch, p.m, p.n]);
  const session = await ort.InferenceSession.create(g.encode(), { ...sessionOptions(threads), enableProfiling: false });
  const size = (dims: number[]): number => dims.reduce((x, d) => x * d, 1);
  const feeds = { a: new ort.Tensor('float32', randomArray(size(dimsA)), dimsA), b: new ort.Tensor('float32', randomArray(size(dimsB)), dimsB) };
  await session.run(feeds);
  const times: number[] = [];
  const c0 = cpuSeconds();
  const until = performance.now() + 300;
  while (times.length < 3 || (performance.now() < until && times.length < 200)) {
    const t = performance.now();
    await session.run(feeds);
    times.push((performance.now() - t) / 1000);
  }
  const cpu = cpuSeconds() - c0;
  await session.release();
  times.sort((x, z) => x - z);
  const flops = flopsOf({ ...p, count: 1 });
  return { gflops: flops / (times[Math.floor(times.length / 2)] as number) / 1e9, gflopsPerCpu: (flops * times.length) / cpu / 1e9 };
}

/** The best GFLOP/s of large square products (the machine's matmul peak on these threads). */
async function peakRate(): Promise<Rate & { n: number }> {
  let best = { n: 0, gflops: 0, gflopsPerCpu: 0 };
  for (const n of [1024, 2048, 3072]) {
    const rate = await productRate({ label: 'square', kind: 'gemm', batch: [], m: n, n, k: n, transA: 0, transB: 0, count: 1 });
    if (rate.gflops > best.gflops) best = { n, ...rate };
  }
  return best;
}

interface Measurement {
  parameters: number;
  B: number;
  T: number;
  flopsPerStep: number;
  /** FLOP-weighted roofline of the step's own products, and each product's rate. */
  shapeRoofline: Rate;
  products: Array<{ label: string; shape: string; GFLOP: number; gflops: number; gflopsPerCpu: number }>;
  secondsPerStep: number;
  cpuSecondsPerStep: number;
  graphSeconds: number;
  optimizerSeconds: number;
  /** CPU seconds of the update (all threads: the optimizer's workers are threads of this process). */
  optimizerCpuSeconds: number;
  otherSeconds: number;
  peakMiB: number;
}

/** Child process: the roofline of one shape's products, then `steps` timed training steps. */
async function measure(name: string): Promise<void> {
  const { config, B, T } = shapeOf(name);
  const products = stepProducts(config, B, T);
  const rated = [];
  if (!values['profile-only']) for (const p of products) rated.push({ p, ...(await productRate(p)) });
  const flopsPerStep = products.reduce((s, p) => s + flopsOf(p), 0);
  const idealSeconds = rated.reduce((s, { p, gflops }) => s + flopsOf(p) / (gflops * 1e9), 0);
  const idealCpuSeconds = rated.reduce((s, { p, gflopsPerCpu }) => s + flopsOf(p) / (gflopsPerCpu * 1e9), 0);

  const trainer = await fullFineTuneTrainer(config, threads);
  const batch = randomBatch(config, B, T);
  const split = { graph: 0, optimizer: 0, optimizerCpu: 0 };
  const step = async (n: number): Promise<void> => {
    const { runSeconds } = await trainer.accumulate(batch);
    const [u, c] = [performance.now(), cpuSeconds()];
    await trainer.update(1e-4, n, 1);
    split.graph += runSeconds;
    split.optimizer += (performance.now() - u) / 1000;
    split.optimizerCpu += cpuSeconds() - c;
  };
  await step(1);
  if (values['profile-only']) {
    await trainer.release(); // writes the profile (APPRENTICE_ORT_PROFILE)
    return;
  }
  Object.assign(split, { graph: 0, optimizer: 0, optimizerCpu: 0 });
  const [t0, c0] = [performance.now(), cpuSeconds()];
  for (let s = 0; s < steps; s++) await step(s + 2);
  const [seconds, cpu] = [(performance.now() - t0) / 1000, cpuSeconds() - c0];
  await trainer.release();
  const result: Measurement = {
    parameters: countParameters(config),
    B,
    T,
    flopsPerStep,
    shapeRoofline: { gflops: flopsPerStep / idealSeconds / 1e9, gflopsPerCpu: flopsPerStep / idealCpuSeconds / 1e9 },
    products: rated.map(({ p, gflops, gflopsPerCpu }) => ({
      label: p.label,
      shape: `${p.kind} ${p.batch.length ? `[${p.batch.join(',')}] ` : ''}${p.m}x${p.k} . ${p.k}x${p.n}${p.transA ? ' A^T' : ''}${p.transB ? ' B^T' : ''} x${p.count}`,
      GFLOP: Number((flopsOf(p) / 1e9).toFixed(2)),
      gflops: Number(gflops.toFixed(1)),
      gflopsPerCpu: Number(gflopsPerCpu.toFixed(1)),
    })),
    secondsPerStep: seconds / steps,
    cpuSecondsPerStep: cpu / steps,
    graphSeconds: split.graph / steps,
    optimizerSeconds: split.optimizer / steps,
    optimizerCpuSeconds: split.optimizerCpu / steps,
    otherSeconds: (seconds - split.graph - split.optimizer) / steps,
    peakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function child(name: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = process.env): string {
  const args = ['--measure', name, '--batch', String(values.batch), '--steps', String(steps), '--threads', String(threads)];
  return runBenchChild(import.meta.url, [...args, ...(values.layers ? ['--layers', values.layers] : []), ...extraArgs], env);
}

/** Kernel time of one training step by ONNX op type (ORT's profile of the step after the warm-up). */
function profile(name: string): Array<{ op: string; share: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-roofline-'));
  try {
    child(name, ['--profile-only'], { ...process.env, APPRENTICE_ORT_PROFILE: join(dir, 'train') });
    return timeByOp(takeKernelEvents(join(dir, 'train'))).map(({ op, share }) => ({ op, share: Number(share.toFixed(3)) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (values.measure) return measure(values.measure);
  const peak = await peakRate();
  console.log(
    JSON.stringify({
      roofline: 'square Gemm',
      n: peak.n,
      gflops: Number(peak.gflops.toFixed(1)),
      gflopsPerCpu: Number(peak.gflopsPerCpu.toFixed(1)),
      threads,
      load: loadAverage(),
    }),
  );
  const table: string[] = [];
  for (const name of values.shapes.split(',')) {
    const { config, B, T } = shapeOf(name);
    const row: Record<string, unknown> = { shape: name, layers: config.nLayers, B, T, threads, loadBefore: loadAverage() };
    const m = lastJson<Measurement>(child(name));
    const achieved = m.flopsPerStep / m.secondsPerStep / 1e9;
    const achievedPerCpu = m.flopsPerStep / m.cpuSecondsPerStep / 1e9;
    Object.assign(row, {
      parameters: m.parameters,
      GFLOPPerStep: Number((m.flopsPerStep / 1e9).toFixed(1)),
      secondsPerStep: Number(m.secondsPerStep.toFixed(3)),
      cpuSecondsPerStep: Number(m.cpuSecondsPerStep.toFixed(3)),
      achievedGflops: Number(achieved.toFixed(1)),
      achievedGflopsPerCpu: Number(achievedPerCpu.toFixed(1)),
      shapeRooflineGflops: Number(m.shapeRoofline.gflops.toFixed(1)),
      shapeRooflineGflopsPerCpu: Number(m.shapeRoofline.gflopsPerCpu.toFixed(1)),
      ofShapeRoofline: Number((achieved / m.shapeRoofline.gflops).toFixed(3)),
      ofShapeRooflinePerCpu: Number((achievedPerCpu / m.shapeRoofline.gflopsPerCpu).toFixed(3)),
      ofPeak: Number((achieved / peak.gflops).toFixed(3)),
      ofPeakPerCpu: Number((achievedPerCpu / peak.gflopsPerCpu).toFixed(3)),
      graphRunGflops: Number((m.flopsPerStep / m.graphSeconds / 1e9).toFixed(1)),
      split: {
        graph: Number((m.graphSeconds / m.secondsPerStep).toFixed(3)),
        optimizer: Number((m.optimizerSeconds / m.secondsPerStep).toFixed(3)),
        other: Number((m.otherSeconds / m.secondsPerStep).toFixed(3)),
      },
      optimizerCpuSecondsPerStep: Number(m.optimizerCpuSeconds.toFixed(3)),
      peakMiB: m.peakMiB,
      products: m.products,
    });
    if (values.profile) {
      const shares = profile(name);
      row.productShareOfGraph = Number(
        shares
          .filter(({ op }) => ['Gemm', 'MatMul', 'FusedMatMul'].includes(op))
          .reduce((sum, { share }) => sum + share, 0)
          .toFixed(3),
      );
      row.opShares = shares.slice(0, 15);
    }
    console.error(`ours: ${JSON.stringify({ ...row, products: undefined })}`); // kept if the PyTorch run is cut short
    let torchCell = '-';
    if (!values['no-torch']) {
      row.loadBeforeTorch = loadAverage();
      const t = torchPretrainedSteps(config, B, T, steps, threads);
      if (t.parameters !== m.parameters) throw new Error(`PyTorch's model has ${t.parameters} parameters, ours ${m.parameters}`);
      const torchGflops = m.flopsPerStep / t.seconds_per_step / 1e9;
      const torchCpuSeconds = (B * T) / t.tokens_per_cpu_second;
      const torchGflopsPerCpu = m.flopsPerStep / torchCpuSeconds / 1e9;
      Object.assign(row, {
        torchSecondsPerStep: Number(t.seconds_per_step.toFixed(3)),
        torchCpuSecondsPerStep: Number(torchCpuSeconds.toFixed(3)),
        torchGflops: Number(torchGflops.toFixed(1)),
        torchGflopsPerCpu: Number(torchGflopsPerCpu.toFixed(1)),
        ratio: Number((t.seconds_per_step / m.secondsPerStep).toFixed(3)),
        cpuRatio: Number((torchCpuSeconds / m.cpuSecondsPerStep).toFixed(3)),
        torch: t.torch,
      });
      torchCell = `${torchGflops.toFixed(1)} / ${torchGflopsPerCpu.toFixed(1)}`;
    }
    row.loadAfter = loadAverage();
    console.log(JSON.stringify(row));
    const percent = (x: number): string => `${(100 * x).toFixed(0)}%`;
    table.push(
      `| ${name}${name === 'qwen2.5-0.5b' ? ` (${config.nLayers} layers)` : ''} | ${(m.flopsPerStep / 1e9).toFixed(1)} | ` +
        `${achieved.toFixed(1)} / ${achievedPerCpu.toFixed(1)} | ${m.shapeRoofline.gflops.toFixed(1)} / ${m.shapeRoofline.gflopsPerCpu.toFixed(1)} | ` +
        `${percent(achieved / m.shapeRoofline.gflops)} / ${percent(achievedPerCpu / m.shapeRoofline.gflopsPerCpu)} | ` +
        `${percent(achieved / peak.gflops)} / ${percent(achievedPerCpu / peak.gflopsPerCpu)} | ${torchCell} |`,
    );
  }
  console.log(`\nGFLOP/s per wall second / per CPU second; peak: square Gemm ${peak.n}, ${peak.gflops.toFixed(1)} / ${peak.gflopsPerCpu.toFixed(1)}`);
  console.log(`| shape | GFLOP/step | achieved | its products' roofline | % of that | % of peak | PyTorch |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const line of table) console.log(line);
}

await main();
