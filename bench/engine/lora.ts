/**
 * LoRA training benchmark: tokens/s and peak memory of the engine's LoRA mode (frozen base, adapters of rank
 * --rank on every projection, AdamW on the adapters alone) at real models' shapes with random weights, one
 * shape per child process (so each peak RSS is its own), and with --torch PyTorch CPU on the same shapes,
 * adapters and threads in the same run (bench/engine/torch_lora.py: requires_grad False on the base), with
 * the ratio ours / PyTorch.
 *
 * A step is one forward + backward of [--batch, --T] tokens through the ONNX training graph and one AdamW
 * update (the loop's work without data loading), timed after a warm-up step; rates per wall-clock second
 * and per CPU second of the process (the machine may be shared).
 *
 *   npx tsx bench/engine/lora.ts [--shapes smollm2-135m,qwen2.5-0.5b,llama-3.2-1b] [--steps 3] [--batch 4]
 *                                [--T 256] [--rank 16] [--alpha 32] [--threads 2] [--torch]
 */
import { parseArgs } from 'node:util';
import { countParameters, headDimOf, parameterShapes, type LlamaConfig } from '../../src/engine/config.js';
import { countLoraParameters, initialLoraWeights, loraConfig } from '../../src/engine/lora.js';
import { OnnxTrainer } from '../../src/engine/onnx/trainer.js';
import { SHAPES } from './shapes.js';
import { measureInChild, runPythonPeer, torchThreadEnv } from './support/children.js';
import { cpuSeconds } from './support/machine.js';

const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'smollm2-135m' },
    steps: { type: 'string', default: '3' },
    batch: { type: 'string', default: '4' },
    T: { type: 'string', default: '256' },
    rank: { type: 'string', default: '16' },
    alpha: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    torch: { type: 'boolean', default: false },
    measure: { type: 'string' },
  },
});

const steps = Number(values.steps);
const [B, T, rank, alpha, threads] = [values.batch, values.T, values.rank, values.alpha, values.threads].map(Number) as [
  number,
  number,
  number,
  number,
  number,
];
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Small random weights, fast (an LCG: 1.2 billion values at 1B shapes). */
function randomWeights(config: LlamaConfig): Map<string, Float32Array> {
  let state = 12345;
  return new Map(
    parameterShapes(config).map(({ name, shape }) => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      if (shape.length === 1) data.fill(1);
      else for (let i = 0; i < data.length; i++) data[i] = ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.04;
      return [name, data];
    }),
  );
}

/** Child process: one shape. */
async function measure(shape: string): Promise<void> {
  const config = SHAPES[shape] as LlamaConfig;
  const lora = loraConfig({ rank, alpha });
  const base = randomWeights(config);
  const baseBytes = [...base.values()].reduce((n, w) => n + w.byteLength, 0);
  const trainer = await OnnxTrainer.create(config, base, { beta1: 0.9, beta2: 0.95, weightDecay: 0.1 }, threads, {
    config: lora,
    adapters: initialLoraWeights(config, lora, 0),
  });
  const tokens = Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocabSize);
  const targets = Int32Array.from({ length: B * T }, (_, i) => (i * 104729 + 1) % config.vocabSize);
  const batch = { B, T, tokens, targets, weights: new Float32Array(B * T).fill(1 / (B * T)) };
  const step = async (n: number) => {
    await trainer.accumulate(batch);
    await trainer.update(1e-3, n, 1);
  };
  await step(1);
  const [t0, c0] = [performance.now(), cpuSeconds()];
  for (let s = 0; s < steps; s++) await step(s + 2);
  const [seconds, cpu] = [(performance.now() - t0) / 1000, cpuSeconds() - c0];
  await trainer.release();
  process.stdout.write(
    JSON.stringify({
      shape,
      parameters: countParameters(config),
      trainable: countLoraParameters(config, lora),
      headDim: headDimOf(config),
      tokensPerSecond: (steps * B * T) / seconds,
      tokensPerCpuSecond: (steps * B * T) / cpu,
      threads: trainer.threads,
      baseWeightsMiB: mib(baseBytes),
      optimizerStateMiB: mib(trainer.optimizerStateSize * 4),
      peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    }) + '\n',
  );
}

function main(): void {
  for (const shape of values.shapes.split(',')) {
    if (!SHAPES[shape]) throw new Error(`unknown shape ${shape}; choose from ${Object.keys(SHAPES).join(', ')}`);
    const row: Record<string, unknown> = { shape, B, T, rank, alpha, steps };
    const ours = measureInChild<Record<string, number>>(import.meta.url, [
      '--measure',
      shape,
      ...['--steps', String(steps), '--batch', String(B), '--T', String(T), '--rank', String(rank), '--alpha', String(alpha), '--threads', String(threads)],
    ]);
    Object.assign(row, {
      parameters: ours.parameters,
      trainable: ours.trainable,
      threads: ours.threads,
      tokensPerSecond: Math.round(ours.tokensPerSecond as number),
      tokensPerCpuSecond: Math.round(ours.tokensPerCpuSecond as number),
      peakRssMiB: ours.peakRssMiB,
      baseWeightsMiB: ours.baseWeightsMiB,
      optimizerStateMiB: ours.optimizerStateMiB,
    });
    if (values.torch) {
      const c = SHAPES[shape] as LlamaConfig;
      const shapeJson = JSON.stringify({
        vocab: c.vocabSize,
        dim: c.dim,
        n_layers: c.nLayers,
        n_heads: c.nHeads,
        n_kv_heads: c.nKvHeads,
        head_dim: headDimOf(c),
        hidden: c.hiddenDim,
      });
      const torch = runPythonPeer<Record<string, number>>(
        'torch_lora.py',
        [shapeJson, String(steps), String(B), String(T), String(rank), String(alpha)],
        // Idle threads sleep, as ORT's do here (session.ts): spinning pools lose badly on a shared machine.
        { ...torchThreadEnv(threads), OMP_WAIT_POLICY: 'PASSIVE' },
      );
      Object.assign(row, {
        torchTokensPerSecond: Math.round(torch.tokens_per_second as number),
        torchTokensPerCpuSecond: Math.round(torch.tokens_per_cpu_second as number),
        torchThreads: torch.threads,
        torchPeakRssMiB: torch.peak_mib,
        torchTrainable: torch.trainable,
        ratio: Number(((ours.tokensPerSecond as number) / (torch.tokens_per_second as number)).toFixed(2)),
        ratioPerCpuSecond: Number(((ours.tokensPerCpuSecond as number) / (torch.tokens_per_cpu_second as number)).toFixed(2)),
      });
    }
    console.log(JSON.stringify(row));
  }
}

if (values.measure) await measure(values.measure);
else main();
