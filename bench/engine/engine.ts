/**
 * Built-in engine benchmark.
 *
 * - Training tokens/s at the small and base sizes (T = 128, batch 16, the sizes' vocabularies) through
 *   train() itself: forward, backward, clipping and AdamW, timed after a warm-up step. Each backend
 *   (--backends, default onnx,tfjs) and thread count (--threads, default 1,2: ORT's intra-op threads for
 *   onnx, XNNPACK's for tfjs) runs in its own process; with --torch, PyTorch CPU trains the same model on the
 *   same shapes (bench/engine/torch_llama.py) right after, in the same run, and the row prints the ratio
 *   ours / PyTorch per backend and thread count. --repeat N measures each row N times (the machine may be shared).
 *   Rates are given per wall-clock second and per CPU second of the process (user + system): on a machine
 *   shared with other work the wall-clock rates swing with the load, the CPU-second rates much less.
 * - Generation tokens/s through builtin:<dir> (node-llama-cpp on the exported GGUF).
 * - A leak check per backend: after step 10 and over --leak-steps steps of train(), live tensors and the wasm
 *   heap (tfjs) or the resident memory (onnx).
 *
 *   npx tsx bench/engine/engine.ts [--sizes small,base] [--steps 5] [--backends onnx,tfjs] [--threads 1,2]
 *                                  [--repeat 1] [--leak-steps 1000] [--torch]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backendThreads, initBackend, tf } from '../../src/engine/backend.js';
import { saveCheckpoint } from '../../src/engine/checkpoint.js';
import { configForSize, LlamaModel, MODEL_SIZES, type ModelSize } from '../../src/engine/model.js';
import { train, type TrainBackend } from '../../src/engine/train.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import type { TrainingExample } from '../../src/engine/trainingData.js';
import { ModelHub } from '../../src/models/hub.js';
import { createRng } from '../../src/util/random.js';
import { measureInChild, runPythonPeer } from './support/children.js';
import { cpuSeconds } from './support/machine.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'small,base' },
    steps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1,2' },
    backends: { type: 'string', default: 'onnx,tfjs' },
    backend: { type: 'string', default: 'onnx' },
    repeat: { type: 'string', default: '1' },
    'leak-steps': { type: 'string', default: '1000' },
    torch: { type: 'boolean', default: false },
    measure: { type: 'string' },
  },
});
const T = 128;
const B = 16;
const steps = Number(values.steps);

function heapMiB(): number {
  return (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length / 2 ** 20;
}

/**
 * Random letters and spaces: the tokenizer reaches the size's full vocabulary on them, and every example is
 * longer than the context, so every batch is exactly [16, 128].
 */
function benchExamples(count: number): TrainingExample[] {
  const rng = createRng('bench');
  return Array.from({ length: count }, (_, i) => ({
    prompt: '',
    completion: Array.from({ length: 1200 }, () => 'abcdefghijklmnopqrstuvwxyz '[Math.floor(rng.next() * 27)]).join(''),
    weight: 1,
    task: 'bench',
    source: { file: 'bench', line: i + 1 },
  }));
}

/** Child process: train() tokens/s at one size, after one warm-up step. */
async function measureTraining(size: ModelSize, backend: TrainBackend): Promise<void> {
  if (backend === 'tfjs') await initBackend();
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-'));
  try {
    let warm = 0;
    let last = 0;
    let warmCpu = 0;
    let lastCpu = 0;
    const result = await train({
      train: benchExamples(64),
      validation: [],
      outDir: dir,
      size,
      contextLength: T,
      steps: steps + 1,
      batchSize: B,
      evalEvery: 1000,
      seed: 0,
      vocabSize: MODEL_SIZES[size].vocabSize,
      backend,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 1) [warm, warmCpu] = [e.elapsedSeconds, cpuSeconds()];
        if (e.type === 'step') [last, lastCpu] = [e.elapsedSeconds, cpuSeconds()];
      },
    });
    process.stdout.write(
      JSON.stringify({
        tokensPerSecond: (steps * B * T) / (last - warm),
        tokensPerCpuSecond: (steps * B * T) / (lastCpu - warmCpu),
        parameters: result.parameters,
        vocab: result.config.vocabSize,
        threads: backend === 'tfjs' ? backendThreads() : Number(process.env.APPRENTICE_THREADS),
        peakMiB: Math.round(backend === 'tfjs' ? heapMiB() : process.resourceUsage().maxRSS / 1024),
      }) + '\n',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One measurement in a child process. peakMiB: the wasm heap (tfjs) or the process's peak RSS (onnx). */
function ours(
  size: ModelSize,
  backend: TrainBackend,
  threads: number,
): { tokensPerSecond: number; tokensPerCpuSecond: number; parameters: number; vocab: number; threads: number; peakMiB: number } {
  return measureInChild(import.meta.url, ['--measure', size, '--backend', backend, '--steps', String(steps)], {
    ...process.env,
    APPRENTICE_WASM_THREADS: String(threads),
    APPRENTICE_THREADS: String(threads),
  });
}

function torch(size: ModelSize, vocab: number): { tokens_per_second: number; tokens_per_cpu_second: number; parameters: number; threads: number } {
  return runPythonPeer('torch_llama.py', [size, String(steps), String(vocab)]);
}

/**
 * Memory over many training steps, sampled after step 10 and at every tenth of the run. tfjs: live tensors
 * may not grow at all; the wasm heap (which never shrinks) may grow while the first validations and saves
 * find their sizes, but not over the second half of the run. onnx: the process's resident memory may not grow
 * over the second half of the run by more than 10% + 16 MiB (allocator noise).
 */
async function leakCheck(leakSteps: number, backend: TrainBackend): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-leak-'));
  try {
    const letters = 'abcdefghij';
    const examples: TrainingExample[] = Array.from({ length: 32 }, (_, i) => ({
      prompt: letters[i % 10] as string,
      completion: Array.from({ length: 15 }, (_, t) => letters[(i * 31 + t * 7) % 10]).join(''),
      weight: 1,
      task: i % 2 ? 'a' : 'b',
      source: { file: 'bench', line: i + 1 },
    }));
    const memory = (): number => (backend === 'tfjs' ? heapMiB() : Math.round(process.memoryUsage().rss / 2 ** 20));
    const tensors = (): number => (backend === 'tfjs' ? tf.memory().numTensors : 0);
    const at10 = { tensors: 0, MiB: 0 };
    const atEnd = { tensors: 0, MiB: 0 };
    const MiBByStep: Record<number, number> = {};
    const tenth = Math.max(1, Math.floor(leakSteps / 10));
    await train({
      train: examples,
      validation: examples.slice(0, 4),
      outDir: dir,
      size: 'tiny',
      contextLength: 16,
      steps: leakSteps,
      batchSize: 4,
      evalEvery: Math.max(1, Math.floor(leakSteps / 4)),
      seed: 0,
      backend,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 10) Object.assign(at10, { tensors: tensors(), MiB: memory() });
        if (e.type === 'step' && e.step % tenth === 0) MiBByStep[e.step] = memory();
        if (e.type === 'step' && e.step === leakSteps) Object.assign(atEnd, { tensors: tensors(), MiB: memory() });
      },
    });
    const half = MiBByStep[tenth * 5] ?? at10.MiB;
    const leak = atEnd.tensors > at10.tensors || atEnd.MiB > (backend === 'tfjs' ? half : half * 1.1 + 16);
    const what = backend === 'tfjs' ? 'wasmHeapMiB' : 'rssMiB';
    return {
      backend,
      leak: leak ? 'LEAK' : 'none',
      steps: leakSteps,
      ...(backend === 'tfjs' ? { tensorsAtStep10: at10.tensors, tensorsAtEnd: atEnd.tensors } : {}),
      [`${what}AtStep10`]: at10.MiB,
      [`${what}AtEnd`]: atEnd.MiB,
      [`${what}ByStep`]: MiBByStep,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function generationSpeed(): Promise<{ tokensPerSecond: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-gen-'));
  const hub = new ModelHub({ cachePath: 'none' });
  try {
    const tokenizer = trainTokenizer(['the quick brown fox jumps over the lazy dog'.repeat(5)], { vocabSize: 512 });
    const config = { ...configForSize('base', 2048, 256) };
    const model = LlamaModel.create(config, 3);
    await saveCheckpoint(dir, { config, weights: model.weights(), tokenizer, info: {} });
    model.dispose();
    const student = await hub.model(`builtin:${dir}`);
    await student.generate({ prompt: 'the quick', maxTokens: 8 });
    const t0 = performance.now();
    const response = await student.generate({ prompt: 'the quick', maxTokens: 200, temperature: 0.8, seed: 1 });
    const seconds = (performance.now() - t0) / 1000;
    return { tokensPerSecond: response.usage.completionTokens / seconds };
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (values.measure) return measureTraining(values.measure as ModelSize, values.backend as TrainBackend);
  if (values.sizes === '') {
    await initBackend();
    for (const backend of values.backends.split(',') as TrainBackend[]) console.log(JSON.stringify(await leakCheck(Number(values['leak-steps']), backend)));
    return;
  }
  const threadCounts = values.threads.split(',').map(Number);
  for (const size of values.sizes.split(',') as ModelSize[]) {
    for (let r = 0; r < Number(values.repeat); r++) {
      const row: Record<string, unknown> = { size, T, batch: B, steps };
      let vocab: number = MODEL_SIZES[size].vocabSize;
      const rates: Record<string, [number, number]> = {};
      for (const backend of values.backends.split(',') as TrainBackend[]) {
        for (const threads of threadCounts) {
          const m = ours(size, backend, threads);
          const key = `${backend}_${m.threads}t`;
          vocab = m.vocab;
          rates[key] = [m.tokensPerSecond, m.tokensPerCpuSecond];
          Object.assign(row, {
            parameters: m.parameters,
            vocab,
            [`tokensPerSecond_${key}`]: Math.round(m.tokensPerSecond),
            [`tokensPerCpuSecond_${key}`]: Math.round(m.tokensPerCpuSecond),
            [`peakMiB_${key}`]: m.peakMiB,
          });
        }
      }
      if (values.torch) {
        const t = torch(size, vocab);
        Object.assign(row, {
          torchTokensPerSecond: Math.round(t.tokens_per_second),
          torchTokensPerCpuSecond: Math.round(t.tokens_per_cpu_second),
          torchThreads: t.threads,
          torchParameters: t.parameters,
        });
        for (const [key, [wall, cpu]] of Object.entries(rates)) {
          row[`ratio_${key}`] = Number((wall / t.tokens_per_second).toFixed(3));
          row[`cpuRatio_${key}`] = Number((cpu / t.tokens_per_cpu_second).toFixed(3));
        }
      }
      console.log(JSON.stringify(row));
    }
  }
  await initBackend();
  const generation = await generationSpeed();
  console.log(JSON.stringify({ generation: 'base, builtin (node-llama-cpp, 1 thread)', tokensPerSecond: Math.round(generation.tokensPerSecond) }));
  for (const backend of values.backends.split(',') as TrainBackend[]) console.log(JSON.stringify(await leakCheck(Number(values['leak-steps']), backend)));
}

await main();
