/**
 * Built-in engine benchmark: training tokens/s at the small and base sizes (T = 128, batch 16) with the full
 * optimizer step, generation tokens/s through builtin:<dir> (node-llama-cpp on the exported GGUF), peak wasm
 * heap, and a tensor-leak check over many steps. With --torch, the same models and batches in PyTorch CPU
 * (bench/engine/torch_llama.py) in the same run, and the ratio.
 *
 *   npx tsx bench/engine/engine.ts [--sizes small,base] [--steps 5] [--leak-steps 1000] [--torch]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, tf } from '../../src/engine/backend.js';
import { saveCheckpoint } from '../../src/engine/checkpoint.js';
import { configForSize, LlamaModel, tokenNll, type ModelSize } from '../../src/engine/model.js';
import { train } from '../../src/engine/train.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import type { TrainingExample } from '../../src/engine/trainingData.js';
import { ModelHub } from '../../src/models/hub.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'small,base' },
    steps: { type: 'string', default: '5' },
    'leak-steps': { type: 'string', default: '1000' },
    torch: { type: 'boolean', default: false },
  },
});
const T = 128;
const B = 16;
const steps = Number(values.steps);
const here = dirname(fileURLToPath(import.meta.url));
// Debian's python3-torch is installed for the system interpreter (a pyenv python3 on PATH would not see it).
const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Examples that encode to exactly T + 1 tokens of a fixed vocabulary, so every batch is [16, 128]. */
function fixedLengthExamples(vocab: string[], count: number): TrainingExample[] {
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: T }, (_, t) => vocab[(i * 31 + t * 7) % vocab.length] as string);
    return { prompt: '', completion: words.join(''), weight: 1, task: 'bench', source: { file: 'bench', line: i + 1 } };
  });
}

async function trainingSpeed(size: ModelSize): Promise<{ tokensPerSecond: number; parameters: number; peakHeapMiB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-'));
  try {
    // Single-byte words: each is one token, so a completion of T words is T tokens (+ eos) after bos.
    const letters = [...'abcdefghijklmnopqrstuvwxyz'];
    const examples = fixedLengthExamples(letters, 64).map((e) => ({ ...e, completion: e.completion.slice(0, T - 1) }));
    const result = await train({
      train: examples, validation: [], outDir: dir, size, contextLength: T, steps: steps + 1, batchSize: B,
      evalEvery: 1000, seed: 0, vocabSize: 300,
    });
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length / 2 ** 20;
    return { tokensPerSecond: result.tokensPerSecond, parameters: result.parameters, peakHeapMiB: heap };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Forward + backward + AdamW-free step on the named size at its real vocabulary, timed after one warm-up. */
function stepSpeed(size: ModelSize): { tokensPerSecond: number; parameters: number } {
  const vocab = size === 'small' ? 1024 : 2048;
  const model = LlamaModel.create(configForSize(size, vocab, T), 1);
  const tokens = tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % vocab), [B, T], 'int32');
  const targets = tf.tensor1d(Int32Array.from({ length: B * T }, (_, i) => (i * 104729) % vocab), 'int32');
  const weights = tf.fill([B * T], 1 / (B * T));
  const step = () => {
    const r = tf.variableGrads(() => tf.sum(tf.mul(tokenNllOf(model, tokens, targets), weights)) as tf.Scalar);
    r.value.dataSync();
    tf.dispose([r.value, ...Object.values(r.grads)]);
  };
  step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const seconds = (performance.now() - t0) / 1000;
  const parameters = model.parameterCount;
  tf.dispose([tokens, targets, weights]);
  model.dispose();
  return { tokensPerSecond: (steps * B * T) / seconds, parameters };
}

function tokenNllOf(model: LlamaModel, tokens: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tokenNll(model.logits(tokens), targets) as tf.Tensor;
}

/** Tensors alive before and after many training steps (the optimizer included): must not grow. */
async function leakCheck(leakSteps: number): Promise<{ before: number; after: number; steps: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-leak-'));
  try {
    const letters = [...'abcdefghij'];
    const examples = fixedLengthExamples(letters, 32).map((e) => ({ ...e, completion: e.completion.slice(0, 15) }));
    let atStep10 = 0;
    let atEnd = 0;
    await train({
      train: examples, validation: examples.slice(0, 4), outDir: dir, size: 'tiny', contextLength: 16, steps: leakSteps,
      batchSize: 4, evalEvery: Math.max(1, Math.floor(leakSteps / 4)), seed: 0,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 10) atStep10 = tf.memory().numTensors;
        if (e.type === 'step' && e.step === leakSteps) atEnd = tf.memory().numTensors;
      },
    });
    return { before: atStep10, after: atEnd, steps: leakSteps };
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
  const backend = await initBackend();
  const rows: Array<Record<string, unknown>> = [];
  for (const size of values.sizes.split(',') as ModelSize[]) {
    const step = stepSpeed(size);
    const full = await trainingSpeed(size);
    const row: Record<string, unknown> = {
      size, parameters: step.parameters, forwardBackwardTokensPerSecond: Math.round(step.tokensPerSecond),
      trainTokensPerSecond: Math.round(full.tokensPerSecond), peakWasmHeapMiB: Math.round(full.peakHeapMiB),
    };
    if (values.torch) {
      const out = execFileSync(python, [join(here, 'torch_llama.py'), size, String(steps)], { encoding: 'utf8' });
      const torch = JSON.parse(out.trim().split('\n').pop() as string) as { tokens_per_second: number; parameters: number };
      row.torchTokensPerSecond = Math.round(torch.tokens_per_second);
      row.torchParameters = torch.parameters;
      row.ratio = Number((full.tokensPerSecond / torch.tokens_per_second).toFixed(2));
    }
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const generation = await generationSpeed();
  console.log(JSON.stringify({ generation: 'base, builtin (node-llama-cpp, 1 thread)', tokensPerSecond: Math.round(generation.tokensPerSecond) }));
  const leak = await leakCheck(Number(values['leak-steps']));
  console.log(JSON.stringify({ leak: leak.after <= leak.before ? 'none' : 'LEAK', tensorsAtStep10: leak.before, tensorsAfter: leak.after, steps: leak.steps }));
  console.log(JSON.stringify({ backend, T, batch: B }));
}

await main();
