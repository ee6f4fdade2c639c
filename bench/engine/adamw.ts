/**
 * The optimizer step alone (src/engine/onnx/adamw.ts: global-norm clipping + AdamW over every weight), against
 * the machine's memory-bandwidth floor and PyTorch's torch.optim.AdamW, in the same run.
 *
 * Parameters: the exact sizes of a real student's weights (default SmolLM2-135M: 134.5M values, 272 tensors),
 * random gradients, clipping at global norm 1, one warm-up step then --steps timed steps, on each thread count.
 *
 * The floor: a WebAssembly SIMD pass over four float32 arrays of the same total size per thread in the module's own
 * memory (far above the caches), reading four and writing back three of them per value, as the update does, on the
 * same threads. The step itself moves at least 32 bytes per value (the norm reads the gradient, the update reads
 * weights, gradient and two moments and writes three back); its floor is 32 bytes per value at the floor's GB/s.
 *
 * PyTorch (bench/engine/torch_adamw.py, run first, in a child process): clip_grad_norm_ + AdamW, foreach=True and
 * foreach=False, same sizes, decay on matrices only, same thread counts.
 *
 * --baseline REV also times the optimizer of git revision REV (its src/engine/onnx, extracted to a temporary
 * folder), interleaved with ours: before/after on a loaded machine. Each of ours and the baseline's measurements
 * runs in its own child process; CPU s/step counts every thread of it (user + system).
 *
 *   npx tsx bench/engine/adamw.ts [--shape smollm2-135m] [--layers N] [--steps 3] [--threads 1,2] [--rounds 1]
 *                                 [--floor-values 16777216] [--baseline REV] [--no-torch]
 *
 * Memory: 16 bytes per value here (~2.2 GB at SmolLM2-135M), 16 per floor value per thread, PyTorch's child about
 * 20 per value; the three are never alive at once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { parameterShapes } from '../../src/engine/config.js';
import { AdamW, type AdamWParameter } from '../../src/engine/onnx/adamw.js';
import { compileWat } from '../../scripts/wasm.js';
import { SHAPES } from './shapes.js';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'smollm2-135m' },
    layers: { type: 'string' },
    steps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1,2' },
    'floor-values': { type: 'string', default: String(1 << 24) },
    rounds: { type: 'string', default: '1' },
    baseline: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    measure: { type: 'string' },
    source: { type: 'string' },
  },
});
const steps = Number(values.steps);
const threadCounts = values.threads.split(',').map(Number);
const floorValues = Number(values['floor-values']);
const base = SHAPES[values.shape];
if (!base) throw new Error(`--shape: unknown shape ${values.shape} (known: ${Object.keys(SHAPES).join(', ')})`);
const config = values.layers ? { ...base, nLayers: Number(values.layers) } : base;
const shapes = parameterShapes(config).map(({ name, shape }) => ({ name, shape, size: shape.reduce((a, b) => a * b, 1) }));
const N = shapes.reduce((n, { size }) => n + size, 0);
const STEP_BYTES = 32;
const FLOOR_BYTES = 28;
const hyper = { beta1: 0.9, beta2: 0.95, weightDecay: 0.1, eps: 1e-8 };
const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const load = (): string => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : '?');

interface Row {
  what: string;
  threads: number;
  secondsPerStep: number;
  cpuSecondsPerStep?: number;
  load: string;
}

/** In place over n values: p += g, m += g, v += g (four float32 arrays read, three written back, like the update). */
const FLOOR_WAT = `(module
  (memory (export "memory") 1)
  (func (export "pass") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (local $end i32) (local $x v128)
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $x (v128.load (local.get $g)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $x)))
        (v128.store (local.get $m) (f32x4.add (v128.load (local.get $m)) (local.get $x)))
        (v128.store (local.get $v) (f32x4.add (v128.load (local.get $v)) (local.get $x)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br $next))))
)`;

/** A worker's loop: on each message, `passes` floor passes over its n values; replies when done. */
function floorWorker(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- runs as an eval'd CommonJS worker script
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { wasm, n } = workerData as { wasm: Uint8Array; n: number };
  const api = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object) => { exports: object } } })
    .WebAssembly;
  const exports = new api.Instance(new api.Module(wasm)).exports as {
    memory: { buffer: ArrayBuffer; grow(pages: number): number };
    pass: (p: number, g: number, m: number, v: number, n: number) => void;
  };
  const bytes = n * 4;
  exports.memory.grow(Math.ceil((4 * bytes) / 65536));
  const heap = new Float32Array(exports.memory.buffer);
  for (let i = 0; i < 4 * n; i++) heap[i] = (i % 1000) * 1e-6;
  parentPort?.on('message', (passes: number) => {
    for (let k = 0; k < passes; k++) exports.pass(0, bytes, 2 * bytes, 3 * bytes, n);
    parentPort.postMessage('done');
  });
  parentPort?.postMessage('ready');
}

/** Seconds per floor pass over `n` values per thread on `threads` threads at once (best of `passes`). */
async function floorPass(threads: number, n: number, passes: number): Promise<number> {
  const wasm = await compileWat(FLOOR_WAT, 'floor.wat');
  const workers = Array.from({ length: threads }, () => new Worker(`(${floorWorker.toString()})();`, { eval: true, workerData: { wasm, n } }));
  const next = (w: Worker): Promise<unknown> => new Promise((resolve, reject) => (w.once('message', resolve), w.once('error', reject)));
  try {
    await Promise.all(workers.map(next));
    let best = Infinity;
    for (let k = 0; k < passes + 1; k++) {
      const t = performance.now();
      await Promise.all(workers.map((w) => (w.postMessage(1), next(w))));
      if (k > 0) best = Math.min(best, (performance.now() - t) / 1000);
    }
    return best;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Child process: wall and CPU seconds per optimizer step over the shapes' parameters on `threads` threads. */
async function measure(threads: number, source: string | undefined): Promise<void> {
  const { AdamW: Optimizer } = (source ? await import(pathToFileURL(source).href) : { AdamW }) as { AdamW: typeof AdamW };
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
  const state = new Map<string, AdamWParameter>(
    shapes.map(({ name, shape, size }) => {
      const p = new Float32Array(size);
      const g = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        p[i] = random() * 0.04;
        g[i] = random() * 1e-3;
      }
      return [name, { p, g, m: new Float32Array(size), v: new Float32Array(size), decay: shape.length >= 2 }];
    }),
  );
  const adamw = new Optimizer(hyper, threads);
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  try {
    let [start, cpuStart] = [0, 0];
    for (let step = 1; step <= steps + 1; step++) {
      if (step === 2) [start, cpuStart] = [performance.now(), cpu()];
      const { updated } = await adamw.step(state, 1e-4, step, 1);
      for (const [name, arrays] of updated) state.set(name, { ...arrays, decay: (state.get(name) as AdamWParameter).decay });
    }
    const seconds = (performance.now() - start) / 1000 / steps;
    process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu() - cpuStart) / steps }) + '\n');
  } finally {
    await adamw.release();
  }
}

function timed(threads: number, source?: string): { seconds: number; cpuSeconds: number } {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--shape', values.shape, '--steps', String(steps), '--measure', String(threads)];
  if (values.layers) args.push('--layers', values.layers);
  if (source) args.push('--source', source);
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop() as string) as { seconds: number; cpuSeconds: number };
}

/** The optimizer module of git revision `rev`, extracted with its folder into a temporary one. */
function baselineSource(rev: string): { source: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'adamw-baseline-'));
  const archive = join(dir, 'onnx.tar');
  execFileSync('git', ['archive', '--output', archive, rev, 'src/engine/onnx'], { cwd: join(here, '../..') });
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  return { source: join(dir, 'src/engine/onnx/adamw.ts'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function torch(threads: number): { seconds_per_step: { foreach: number; loop: number }; torch: string; values: number; peak_mib: number } {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const out = execFileSync(python, [join(here, 'torch_adamw.py'), JSON.stringify(shapes.map(({ shape }) => shape)), String(steps), String(threads)], {
    encoding: 'utf8',
    env,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as ReturnType<typeof torch>;
}

async function main(): Promise<void> {
  if (values.measure) return measure(Number(values.measure), values.source);
  console.log(
    `${values.shape}${values.layers ? ` (${config.nLayers} layers)` : ''}: ${N.toLocaleString('en-US')} values in ${shapes.length} tensors; load ${load()}`,
  );
  const rows: Row[] = [];
  const floors = new Map<number, number>();
  if (!values['no-torch'])
    for (const threads of threadCounts) {
      const t = torch(threads);
      if (t.values !== N) throw new Error(`PyTorch's parameters hold ${t.values} values, ours ${N}`);
      rows.push({ what: `torch ${t.torch} AdamW foreach`, threads, secondsPerStep: t.seconds_per_step.foreach, load: load() });
      rows.push({ what: `torch ${t.torch} AdamW for-loop`, threads, secondsPerStep: t.seconds_per_step.loop, load: load() });
    }
  const baseline = values.baseline ? baselineSource(values.baseline) : undefined;
  try {
    for (let round = 0; round < Number(values.rounds); round++)
      for (const threads of threadCounts) {
        const perThread = Math.floor(Math.min(floorValues, N) / threads / 4) * 4;
        const seconds = await floorPass(threads, perThread, 5);
        // The best floor seen on this thread count.
        floors.set(threads, Math.max(floors.get(threads) ?? 0, (FLOOR_BYTES * perThread * threads) / seconds / 1e9));
        if (baseline) {
          const b = timed(threads, baseline.source);
          rows.push({ what: `baseline ${values.baseline}`, threads, secondsPerStep: b.seconds, cpuSecondsPerStep: b.cpuSeconds, load: load() });
        }
        const o = timed(threads);
        rows.push({ what: 'ours', threads, secondsPerStep: o.seconds, cpuSecondsPerStep: o.cpuSeconds, load: load() });
      }
  } finally {
    baseline?.dispose();
  }
  const header = ['step', 'threads', 's/step', 'CPU s/step', 'ns/value', 'GB/s', 'floor GB/s', 'x floor', 'load'];
  console.log(header.join(' | '));
  for (const { what, threads, secondsPerStep, cpuSecondsPerStep, load } of rows) {
    const floor = floors.get(threads) ?? NaN;
    const floorSeconds = (STEP_BYTES * N) / (floor * 1e9);
    console.log(
      [
        what,
        threads,
        secondsPerStep.toFixed(3),
        cpuSecondsPerStep === undefined ? '-' : cpuSecondsPerStep.toFixed(3),
        ((secondsPerStep / N) * 1e9).toFixed(2),
        ((STEP_BYTES * N) / secondsPerStep / 1e9).toFixed(1),
        floor.toFixed(1),
        (secondsPerStep / floorSeconds).toFixed(2),
        load,
      ].join(' | '),
    );
  }
}

await main();
