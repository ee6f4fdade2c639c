/**
 * Full fine-tuning speed at the exact shapes of real pretrained students, against PyTorch CPU in the same run.
 *
 *   smollm2-135m   SmolLM2-135M: llama, 30 layers, dim 576, 9 heads / 3 kv heads, ffn 1536, vocab 49,152, tied
 *   qwen2.5-0.5b   Qwen2.5-0.5B: qwen2 (q/k/v biases), 24 layers, dim 896, 14 / 2 heads, ffn 4864, vocab 151,936, tied
 *
 * Random weights, random tokens, T = 256 (--batch sequences per step, default 2). Ours: one training step as
 * train() takes it with the onnx backend (src/engine/onnx/trainer.ts: the forward + backward graph run by ONNX
 * Runtime, then global-norm clipping and AdamW over every weight), in a child process. PyTorch
 * (bench/engine/torch_pretrained.py): the same model (Hugging Face semantics), shapes, batch, loss, clipping
 * and AdamW, with the same thread count, right after. Each is timed over --steps steps after one warm-up step;
 * the row prints tokens/s per wall and per CPU second, the ratio ours / PyTorch, and both processes' peak
 * resident memory.
 *
 *   npx tsx bench/engine/pretrained.ts [--shapes smollm2-135m,qwen2.5-0.5b] [--batch 2] [--steps 2] [--threads 2]
 *                                      [--layers N] [--no-torch]
 *
 * --layers keeps a shape's width, heads and vocabulary with fewer layers (a full Qwen2.5-0.5B step needs ~14 GiB).
 */
import { parseArgs } from 'node:util';
import { countParameters } from '../../src/engine/model.js';
import type { LlamaConfig } from '../../src/engine/config.js';
import { SHAPES } from './shapes.js';
import { measureInChild } from './support/children.js';
import { fullFineTuneTrainer, randomBatch, torchPretrainedSteps } from './support/fullFineTune.js';
import { cpuSeconds, loadAverage } from './support/machine.js';

const T = 256;

const { values } = parseArgs({
  options: {
    // llama-3.2-1b is for the LoRA bench: a full fine-tune at its shape does not fit here.
    shapes: { type: 'string', default: 'smollm2-135m,qwen2.5-0.5b' },
    batch: { type: 'string', default: '2' },
    steps: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    layers: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    measure: { type: 'string' },
  },
});
const B = Number(values.batch);
const steps = Number(values.steps);
const threads = Number(values.threads);
/** The named shape, with --layers layers when given. */
function shapeOf(name: string): LlamaConfig | undefined {
  const config = SHAPES[name];
  return config && values.layers ? { ...config, nLayers: Number(values.layers) } : config;
}

interface Measurement {
  tokensPerSecond: number;
  tokensPerCpuSecond: number;
  secondsPerStep: number;
  parameters: number;
  peakMiB: number;
  /** Share of the step spent in the ONNX Runtime graph run (the rest: the optimizer in JS). */
  graphShare: number;
}

/** Child process: `steps` training steps at one shape after a warm-up step. */
async function measure(shape: string): Promise<void> {
  const config = shapeOf(shape);
  if (!config) throw new Error(`unknown shape ${shape}`);
  const trainer = await fullFineTuneTrainer(config, threads);
  const batch = randomBatch(config, B, T);
  // Where a step's time goes: the graph run (ONNX Runtime: forward + backward, with the feeds and fetches)
  // against the optimizer in JS (gradient norm, clipping, AdamW over every weight).
  let graphSeconds = 0;
  let optimizerSeconds = 0;
  const step = async (n: number): Promise<void> => {
    const t = performance.now();
    await trainer.accumulate(batch);
    const u = performance.now();
    await trainer.update(1e-4, n, 1);
    graphSeconds += (u - t) / 1000;
    optimizerSeconds += (performance.now() - u) / 1000;
  };
  await step(1);
  [graphSeconds, optimizerSeconds] = [0, 0];
  const [t0, c0] = [performance.now(), cpuSeconds()];
  for (let s = 0; s < steps; s++) await step(s + 2);
  const [seconds, cpu] = [(performance.now() - t0) / 1000, cpuSeconds() - c0];
  await trainer.release();
  const result: Measurement = {
    tokensPerSecond: (steps * B * T) / seconds,
    tokensPerCpuSecond: (steps * B * T) / cpu,
    secondsPerStep: seconds / steps,
    parameters: countParameters(config),
    peakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    graphShare: graphSeconds / (graphSeconds + optimizerSeconds),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function ours(shape: string): Measurement {
  const args = ['--measure', shape, '--batch', String(B), '--steps', String(steps), '--threads', String(threads)];
  return measureInChild(import.meta.url, [...args, ...(values.layers ? ['--layers', values.layers] : [])]);
}

async function main(): Promise<void> {
  if (values.measure) return measure(values.measure);
  for (const shape of values.shapes.split(',')) {
    const config = shapeOf(shape);
    if (!config) throw new Error(`unknown shape ${shape} (known: ${Object.keys(SHAPES).join(', ')})`);
    const row: Record<string, unknown> = { shape, layers: config.nLayers, T, batch: B, steps, threads, loadBefore: loadAverage() };
    const m = ours(shape);
    Object.assign(row, {
      parameters: m.parameters,
      tokensPerSecond: Math.round(m.tokensPerSecond),
      tokensPerCpuSecond: Math.round(m.tokensPerCpuSecond),
      secondsPerStep: Number(m.secondsPerStep.toFixed(2)),
      graphShare: Number(m.graphShare.toFixed(3)),
      peakMiB: m.peakMiB,
    });
    console.error(`ours: ${JSON.stringify(row)}`); // kept if the PyTorch run is cut short
    if (!values['no-torch']) {
      row.loadBeforeTorch = loadAverage();
      const t = torchPretrainedSteps(config, B, T, steps, threads);
      if (t.parameters !== m.parameters) throw new Error(`PyTorch's model has ${t.parameters} parameters, ours ${m.parameters}`);
      Object.assign(row, {
        torchTokensPerSecond: Math.round(t.tokens_per_second),
        torchTokensPerCpuSecond: Math.round(t.tokens_per_cpu_second),
        torchSecondsPerStep: Number(t.seconds_per_step.toFixed(2)),
        torchPeakMiB: Math.round(t.peak_mib),
        torchThreads: t.threads,
        torch: t.torch,
        ratio: Number((m.tokensPerSecond / t.tokens_per_second).toFixed(3)),
        cpuRatio: Number((m.tokensPerCpuSecond / t.tokens_per_cpu_second).toFixed(3)),
      });
    }
    row.loadAfter = loadAverage();
    console.log(JSON.stringify(row));
  }
}

await main();
